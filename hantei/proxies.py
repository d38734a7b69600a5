"""Which peer may speak for a client: forwarded headers are believed only from the proxy's own address, so a
client that reaches the app directly cannot name another address (and escape its rate limit) or another host."""

import ipaddress
import struct

LOOPBACK = "127.0.0.1,::1"  # nginx on the same machine, as deploy/install.sh sets it up
FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT",
             "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")


def default_gateway(route_table="/proc/net/route"):
    """The default route's gateway: in a container, the host whose nginx reaches its published port."""
    try:
        with open(route_table, encoding="ascii") as table:
            rows = [line.split() for line in table.read().splitlines()[1:]]
    except OSError:
        return None
    for row in rows:
        if len(row) > 3 and row[1] == "00000000" and int(row[3], 16) & 0x2:  # destination 0/0, RTF_GATEWAY
            return str(ipaddress.IPv4Address(struct.pack("<L", int(row[2], 16))))
    return None


def networks(setting, route_table="/proc/net/route"):
    """The networks a comma-separated HANTEI_TRUSTED_PROXIES names: addresses, CIDR networks, or `gateway`."""
    found = []
    for item in (part.strip() for part in setting.split(",")):
        if item == "gateway":
            item = default_gateway(route_table)
            if item is None:
                raise ValueError("HANTEI_TRUSTED_PROXIES names the gateway, and this machine has no default route")
        if item:
            try:
                found.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"HANTEI_TRUSTED_PROXIES: {item!r} is not an address or network") from None
    return found


def trusted(address, nets):
    """Whether a peer's address lies in one of the trusted networks."""
    try:
        peer = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    return any(peer in net for net in nets)


class FromProxyOnly:
    """WSGI middleware: ProxyFix for requests from a trusted proxy; from anyone else, forwarded headers are dropped."""

    def __init__(self, app, hops, nets):
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.direct = app
        self.proxied = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        self.nets = nets

    def __call__(self, environ, start_response):
        if trusted(environ.get("REMOTE_ADDR"), self.nets):
            return self.proxied(environ, start_response)
        for header in FORWARDED:
            environ.pop(header, None)
        return self.direct(environ, start_response)


def exposed(addresses):
    """Of the addresses a server listens on, those other machines can reach (not loopback, not a unix socket)."""
    found = []
    for address in addresses:
        if not isinstance(address, tuple):
            continue  # a unix socket
        host = address[0]
        if host in ("localhost", "ip6-localhost"):
            continue
        try:
            if ipaddress.ip_address(host.strip("[]")).is_loopback:
                continue
        except ValueError:
            pass  # a host name other than localhost: assume others can reach it
        found.append(f"{host}:{address[1]}")
    return found
