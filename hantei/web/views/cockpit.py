"""The operator's cockpit under /admin: its door (404 until a password is set, a login slowed per client and per
account, sessions that expire, logout; every answer noindex and no-store, its cookie HttpOnly, SameSite=Strict,
Secure on HTTPS) and the pages behind it: the launch dashboard, the review queue of reported results, judge
versions."""

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, send_file, url_for

from ...admin import dashboard, versions
from ...admin.access import SESSION_MINUTES
from ...admin.charts import bars
from ...i18n import translate
from ...refusals import Refused
from ...services import cockpit, judges, lang, store
from ...share import cards
from ...store import photo_name
from .. import model_cards
from ..answers import message
from ..attempts import login_wait
from ..security import csrf

bp = Blueprint("cockpit", __name__, url_prefix="/admin")
COOKIE = "hantei_admin"
OPEN = ("cockpit.login_form", "cockpit.login")  # the only cockpit pages a visitor without a session may see
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
        return redirect(url_for("cockpit.login_form"), 303)
    return message("admin_only", 403)


@bp.after_request
def private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def render_login(error=None, status=200, headers=None):
    return render_template("cockpit/login.html", error=error), status, headers or {}


@bp.get("/login")
def login_form():
    if logged_in():
        return redirect(url_for("cockpit.dashboard"), 303)
    return render_login()


@bp.post("/login")
def login():
    """Check the password: each attempt counts against this client and, while it is under that, the account."""
    wait = login_wait()
    if wait:
        refused = Refused("login_limited", 429, {"Retry-After": str(wait)}, seconds=wait)
        return render_login(refused.message(lang()), 429, refused.headers)
    if not cockpit().access.check(request.form.get("password", "")):
        return render_login(Refused("login_failed", 401).message(lang()), 401)
    response = make_response(redirect(url_for("cockpit.dashboard"), 303))
    secure = request.is_secure or current_app.config.get("PUBLIC_URL", "").startswith("https://")
    response.set_cookie(COOKIE, cockpit().access.open_session(), max_age=SESSION_MINUTES * 60, path="/admin",
                        httponly=True, samesite="Strict", secure=secure)
    return response


@bp.post("/logout")
def logout():
    cockpit().access.close_session(request.cookies.get(COOKIE))
    response = make_response(redirect(url_for("pages.index"), 303))
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="Strict")
    return response


def _judge_filter():
    judge = request.args.get("judge") or None
    return judge if judge in judges().loaded or judge in cockpit().counters.judges() else None


@bp.get("", endpoint="dashboard")
def dashboard_view():
    """The counters of the chosen window and judge, each as a chart and a table."""
    name = request.args.get("window", "week")
    days = dashboard.WINDOWS.get(name, 7)
    judge = _judge_filter()
    tables = dashboard.tables(cockpit().counters, days, judge)
    accuracy = [(j.id, dashboard.accuracy(cockpit().counters, cockpit().reports, cockpit().review, j.id, days))
                for j in judges() if judge in (None, j.id)]
    title = lambda text: translate(text, lang())  # noqa: E731
    return render_template("cockpit/dashboard.html", tables=tables, accuracy=accuracy, chart=bars, title=title,
                           row_name=lambda key: title(dashboard.ROW_NAMES[key]) if key in dashboard.ROW_NAMES else key,
                           windows=list(dashboard.WINDOWS), window=name, judge=judge,
                           judge_ids=sorted(set(judges().loaded) | set(cockpit().counters.judges())),
                           since=dashboard.since_label(days))


@bp.get("/reports")
def reports_page():
    queue = cockpit().reports.queue()
    records = {item.result_id: store().get(item.result_id) for item in queue}
    return render_template("cockpit/reports.html", queue=queue, records=records, loaded=judges().loaded,
                           accepted=cockpit().review.decided(status="accepted"))


@bp.get("/reports/<result_id>/photo.jpg")
def report_photo(result_id):
    """A reported result's photo: blurred when sensitive, unless the admin asks to reveal it (?clear=1)."""
    record = store().get(result_id)
    if record is None or not record.has_photo or cockpit().reports.one(result_id) is None:
        abort(404)
    clear = request.args.get("clear") == "1" or not record.judgement.sensitive
    name = photo_name(record.id) if clear else cards.public_photo(store(), record)
    data = store().photos.read(name) if name else None
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype="image/jpeg")


@bp.post("/reports/<result_id>")
def decide(result_id):
    """Accept a reported result with its right label, or reject it."""
    accepted = request.form.get("decision") == "accept"
    label = request.form.get("label", "")
    reported = cockpit().reports.one(result_id)
    if reported is None:
        abort(404)
    judge = judges().loaded.get(reported.judge)
    allowed = (judge.labels if judge and judge.kind == "labels" else ("0", "1")) if judge else ()
    if accepted and label not in allowed:
        return message("bad_answer", 400)
    cockpit().review.decide(result_id, accepted, label if accepted else None)
    return redirect(url_for("cockpit.reports_page"), 303)


@bp.post("/training/<result_id>/remove")
def remove_training(result_id):
    cockpit().review.remove(result_id)
    return redirect(url_for("cockpit.reports_page"), 303)


@bp.get("/judges")
def judges_page():
    """Each judge's live version beside its candidate: both model cards, measured on the same test photos."""
    models_dir = current_app.config["MODELS_DIR"]
    pairs = []
    for judge in judges():
        live = versions.describe(judge.folder)
        waiting = versions.candidate(models_dir, judge.id)
        pairs.append((judge, live, _card(live.folder), waiting, _card(waiting.folder) if waiting else None))
    return render_template("cockpit/judges.html", pairs=pairs)


def _card(folder):
    path = Path(folder) / model_cards.CARD
    return model_cards.render_text(path.read_text(encoding="utf-8")) if path.is_file() else None
