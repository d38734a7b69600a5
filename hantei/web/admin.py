"""The admin area's door: 404 until a password is set, a login slowed per client and per account, sessions that
expire, logout; every admin answer is noindex and no-store, its cookie HttpOnly, SameSite=Strict, Secure on HTTPS."""

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for

from ..admin.access import SESSION_MINUTES
from ..refusals import Refused
from . import cockpit, lang
from .attempts import LOGIN_PER_ACCOUNT, LOGIN_PER_CLIENT, hit
from .errors import message_page
from .security import csrf

bp = Blueprint("admin", __name__, url_prefix="/admin")
COOKIE = "hantei_admin"
OPEN = ("admin.login_form", "admin.login")  # the only admin pages a visitor without a session may see
csrf.exempt(bp)  # guard() checks the token itself, once it knows the admin area exists


def logged_in():
    return cockpit().access.valid(request.cookies.get(COOKIE))


@bp.before_request
def guard():
    """No password, no admin area (404); without a live session, the login page or a 403."""
    if not cockpit().access.enabled():
        abort(404)
    if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # here, not app-wide first, so that without a password even a POST finds nothing
    if request.endpoint in OPEN or logged_in():
        return None
    if request.method == "GET":
        return redirect(url_for("admin.login_form"), 303)
    return message_page("admin_only", 403)


@bp.after_request
def private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def render_login(error=None, status=200, headers=None):
    return render_template("admin/login.html", error=error), status, headers or {}


@bp.get("/login")
def login_form():
    if logged_in():
        return redirect(url_for("admin.dashboard"), 303)
    return render_login()


@bp.post("/login")
def login():
    """Check the password: each attempt counts against this client and against the admin account."""
    wait = max(hit("admin-login-client", LOGIN_PER_CLIENT), hit("admin-login-account", LOGIN_PER_ACCOUNT, "admin"))
    if wait:
        refused = Refused("login_limited", 429, {"Retry-After": str(wait)}, seconds=wait)
        return render_login(refused.message(lang()), 429, refused.headers)
    if not cockpit().access.check(request.form.get("password", "")):
        return render_login(Refused("login_failed", 401).message(lang()), 401)
    response = make_response(redirect(url_for("admin.dashboard"), 303))
    secure = request.is_secure or current_app.config.get("PUBLIC_URL", "").startswith("https://")
    response.set_cookie(COOKIE, cockpit().access.open_session(), max_age=SESSION_MINUTES * 60, path="/admin",
                        httponly=True, samesite="Strict", secure=secure)
    return response


@bp.post("/logout")
def logout():
    cockpit().access.close_session(request.cookies.get(COOKIE))
    response = make_response(redirect(url_for("web.index"), 303))
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="Strict")
    return response


from . import admin_pages  # noqa: E402,F401  (the pages behind the door add their routes to bp)
