"""The operator's cockpit under /admin: its door (404 until a password is set, a login slowed per client and per
account, sessions that expire, logout; every answer noindex and no-store, its cookie HttpOnly, SameSite=Strict,
Secure on HTTPS) and the pages behind it: the launch dashboard, the review queue of reported results, judge
versions, and look-alike judges made from a phone (cockpit/galleries.py does the work)."""

import base64
import io
from pathlib import Path

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, send_file, url_for

from ...cockpit import dashboard, galleries, versions
from ...cockpit.access import SESSION_MINUTES
from ...cockpit.charts import bars
from ...i18n import translate
from ...refusals import Refused
from ...services import cockpit, judges, lang, limits, store
from ...share import cards
from ...store import photo_name
from .. import model_cards
from ..answers import explained, message
from ..attempts import login_wait
from ..bodies import uploaded_bytes
from ..presenting import region_answer
from ..uploads import too_large
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
    if request.method == "POST" and _too_large():
        # reading the form (for its token) would refuse it unanswered; the photo forms refuse it on their page
        if logged_in() and request.endpoint in ("cockpit.add_photos", "cockpit.try_gallery"):
            return None
        refused = too_large()
        return explained(refused)
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


def _models():
    return current_app.config["MODELS_DIR"]


def _galleries_page(error=None, status=200, published=None):
    return render_template("cockpit/galleries.html", drafts=galleries.drafts(_models()),
                           served=galleries.served(_models()), threshold=galleries.gallery.THRESHOLD,
                           floor=galleries.gallery.FLOOR, ceiling=galleries.gallery.CEILING,
                           published=published, error=error), status


def _draft_page(judge_id, errors=(), status=200, tried=None):
    """The draft's page; a refusal about the draft itself (there is none) answers as a message."""
    try:
        draft = galleries.read(_models(), judge_id)
    except Refused as refused:
        return explained(refused)
    return render_template("cockpit/gallery.html", draft=draft, errors=errors, tried=tried,
                           at_once=galleries.AT_ONCE,
                           max_mb=round(current_app.config["MAX_CONTENT_LENGTH"] / 2**20)), status


def _act(judge_id, action, *args, **kwargs):
    """Do a draft's action and go back to its page; a refusal shows on the page, with its status."""
    try:
        action(_models(), judge_id, *args, **kwargs)
    except Refused as refused:
        return _draft_page(judge_id, [refused.message(lang())], refused.status)
    return redirect(url_for("cockpit.gallery_page", judge_id=judge_id), 303)


def _too_large():
    """Whether the body is over the upload limit (told before the form is read, which would refuse it unanswered)."""
    return (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]


@bp.get("/galleries")
def galleries_page():
    """Look-alike judges: the drafts, the live ones, and a form for a new one."""
    published = judges().loaded.get(request.args.get("published", ""))
    return _galleries_page(published=published)


@bp.post("/galleries")
def create_gallery():
    form = request.form
    try:
        galleries.create(_models(), form.get("id"), form.get("title_ja"), form.get("title_en"),
                         form.get("threshold") or galleries.gallery.THRESHOLD)
    except Refused as refused:
        return _galleries_page(refused.message(lang()), refused.status)
    return redirect(url_for("cockpit.gallery_page", judge_id=form.get("id").strip()), 303)


@bp.post("/galleries/<judge_id>/edit")
def edit_gallery(judge_id):
    return _act(judge_id, galleries.edit)


@bp.get("/galleries/<judge_id>")
def gallery_page(judge_id):
    return _draft_page(judge_id)


@bp.post("/galleries/<judge_id>/labels")
def add_label(judge_id):
    form = request.form
    return _act(judge_id, galleries.add_label, form.get("key"), form.get("name_ja"), form.get("name_en"))


@bp.post("/galleries/<judge_id>/labels/<label>/remove")
def remove_label(judge_id, label):
    return _act(judge_id, galleries.remove_label, label)


@bp.post("/galleries/<judge_id>/labels/<label>/photos")
def add_photos(judge_id, label):
    """Reference photos for a label (taken or picked, several at once); each refused one is named on the page."""
    if _too_large():
        return _draft_page(judge_id, [too_large().message(lang())], 413)
    files = [(file.filename or "", uploaded_bytes(file)) for file in request.files.getlist("photos")]
    try:
        _, refused = galleries.add_photos(_models(), judge_id, label, files, limits())
    except Refused as why:
        return _draft_page(judge_id, [why.message(lang())], why.status)
    if refused:
        return _draft_page(judge_id, [f"{name}: {why.message(lang())}" if name else why.message(lang())
                                      for name, why in refused], 400)
    return redirect(url_for("cockpit.gallery_page", judge_id=judge_id, _anchor=f"label-{label}"), 303)


@bp.get("/galleries/<judge_id>/labels/<label>/<name>")
def reference_photo(judge_id, label, name):
    try:
        path = galleries.photo_path(_models(), judge_id, label, name)
    except Refused:
        abort(404)
    return send_file(path, mimetype="image/jpeg")


@bp.get("/galleries/<judge_id>/labels/<label>/<name>/faces")
def faces_page(judge_id, label, name):
    """Every face found in a reference photo, numbered left to right, to pick the one the label is about."""
    try:
        size, boxes = galleries.faces(_models(), judge_id, label, name)
    except Refused as refused:
        return explained(refused)
    return render_template("cockpit/gallery_faces.html", judge_id=judge_id, label=label, name=name, size=size,
                           boxes=boxes)


@bp.post("/galleries/<judge_id>/labels/<label>/<name>/faces")
def pick_face(judge_id, label, name):
    number = request.form.get("face", "")
    return _act(judge_id, galleries.pick_face, label, name, int(number) if number.isdigit() else 0)


@bp.post("/galleries/<judge_id>/labels/<label>/<name>/remove")
def remove_photo(judge_id, label, name):
    return _act(judge_id, galleries.remove_photo, label, name)


@bp.post("/galleries/<judge_id>/labels/<label>/image")
def label_image(judge_id, label):
    """Show one of the label's photos beside its answers (on cards too when asked), or none."""
    form = request.form
    return _act(judge_id, galleries.show_image, label, form.get("name", ""), form.get("card") == "1")


@bp.post("/galleries/<judge_id>/try")
def try_gallery(judge_id):
    """Judge a photo with the draft as it is: the answer is shown once, the photo and its faces are not kept."""
    if _too_large():
        return _draft_page(judge_id, [too_large().message(lang())], 413)
    file = request.files.get("image")
    try:
        small, size, judgement = galleries.try_photo(_models(), judge_id, uploaded_bytes(file) if file else b"",
                                                     limits())
    except Refused as refused:
        return _draft_page(judge_id, [refused.message(lang())], refused.status)
    names = {label.key: label.names[lang()] for label in galleries.read(_models(), judge_id).labels}
    tried = {"photo": "data:image/jpeg;base64," + base64.b64encode(small).decode(), "size": size,
             "verdict": judgement.verdict[lang()],
             "faces": [(region.box, region_answer("gallery", region),
                        [(names.get(second["label"], second["label"]), round(second["score"] * 100))
                         for second in region.labels[1:2]])
                       for region in sorted(judgement.regions, key=lambda region: region.box[0])]}
    return _draft_page(judge_id, tried=tried)


@bp.post("/galleries/<judge_id>/publish")
def publish_gallery(judge_id):
    """Put the draft live and have every worker read it again: it is served from the next request on."""
    try:
        galleries.publish(_models(), judge_id)
    except Refused as refused:
        return _draft_page(judge_id, [refused.message(lang())], refused.status)
    judges().publish(judge_id)
    return redirect(url_for("cockpit.galleries_page", published=judge_id), 303)


@bp.post("/galleries/<judge_id>/discard")
def discard_gallery(judge_id):
    try:
        galleries.discard(_models(), judge_id)
    except Refused as refused:
        return explained(refused)
    return redirect(url_for("cockpit.galleries_page"), 303)
