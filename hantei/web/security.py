"""CSRF protection on every form, strict security headers, trusted hosts, and secure cookies behind HTTPS."""

from urllib.parse import urlsplit

from flask import has_request_context, request
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


class SessionCookies(SecureCookieSessionInterface):
    """The signed session cookie, Secure whenever the public URL or the visitor's own connection is HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


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
