"""CSRF protection on every form, strict security headers, and secure cookies behind HTTPS."""

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


def init_app(app):
    """Protect forms, add headers, and mark cookies Secure when the public URL is HTTPS."""
    csrf.init_app(app)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a form left open on a phone must still post
    https = app.config.get("PUBLIC_URL", "").startswith("https://")
    app.config.update(SESSION_COOKIE_SECURE=https, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)
    app.after_request(add_headers)
