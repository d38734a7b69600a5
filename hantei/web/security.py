"""CSRF protection on every form, strict security headers, trusted hosts, secure cookies behind HTTPS, and where a
request comes from (this site or another)."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# No inline script or style anywhere: every asset is a file the app serves itself.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "script-src 'self'",
    "style-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def add_headers(response):
    """Put the security headers on every response (keeping any a view set itself)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def own_origins():
    """This site's origins: the one the request was sent to, and the public URL's."""
    origins = {request.host_url.rstrip("/")}
    public = urlsplit(current_app.config.get("PUBLIC_URL", ""))
    if public.scheme and public.netloc:
        origins.add(f"{public.scheme}://{public.netloc}")
    return origins


def from_elsewhere(allowed=("same-origin",)):
    """Whether a browser says another site sent this request: its Sec-Fetch-Site is not one of allowed, or (a
    browser too old for that header) its Origin is not this site's. A request with neither is no browser's
    cross-site post (a script, which could write either header anyway)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site:
        return site.lower() not in allowed
    origin = request.headers.get("Origin")
    return origin is not None and origin not in own_origins()


class SessionCookies(SecureCookieSessionInterface):
    """The signed session cookie, Secure whenever the public URL or the visitor's own connection is HTTPS.

    The answer to another site's post never writes it: that post came without the visitor's cookie (SameSite=Lax),
    so a cookie written then would replace theirs, and with it the owner tokens of everything they uploaded."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def save_session(self, app, session, response):
        if request.method not in SAFE_METHODS and from_elsewhere(("same-origin", "same-site", "none")):
            return None
        return super().save_session(app, session, response)


def trusted_hosts(public_url, allowed):
    """The host names requests may carry: the public URL's, and the comma-separated HANTEI_ALLOWED_HOSTS."""
    hosts = [urlsplit(public_url).hostname] if public_url else []
    for name in allowed.split(","):
        name = name.strip().lower()
        if name and name not in hosts:
            hosts.append(name)
    return [host for host in hosts if host]


def init_app(app):
    """Protect forms, add headers, pin the hosts, and mark cookies Secure on HTTPS."""
    csrf.init_app(app)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a form left open on a phone must still post
    https = app.config.get("PUBLIC_URL", "").startswith("https://")
    app.config.update(SESSION_COOKIE_SECURE=https, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config.get("PUBLIC_URL", ""),
                                                    app.config.get("ALLOWED_HOSTS", LOOPBACK))
    app.session_interface = SessionCookies()
    app.after_request(add_headers)


LOOPBACK = "localhost,127.0.0.1"  # what `make run` and the tests reach the app as
