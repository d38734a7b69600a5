"""The admin area behind its door: the launch dashboard, the review queue of reported results, judge versions."""

import io
from pathlib import Path

from flask import abort, current_app, redirect, render_template, request, send_file, url_for

from ..admin import dashboard, versions
from ..admin.charts import bars
from ..i18n import translate
from ..share import cards as share
from ..store import photo_name
from . import cockpit, judges, lang, model_cards, store
from .admin import bp
from .errors import message_page


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
    return render_template("admin/dashboard.html", tables=tables, accuracy=accuracy, chart=bars, title=title,
                           row_name=lambda key: title(dashboard.ROW_NAMES[key]) if key in dashboard.ROW_NAMES else key,
                           windows=list(dashboard.WINDOWS), window=name, judge=judge,
                           judge_ids=sorted(set(judges().loaded) | set(cockpit().counters.judges())),
                           since=dashboard.since_label(days))


@bp.get("/reports")
def reports_page():
    queue = cockpit().reports.queue()
    records = {item.result_id: store().get(item.result_id) for item in queue}
    return render_template("admin/reports.html", queue=queue, records=records, loaded=judges().loaded,
                           accepted=cockpit().review.decided(status="accepted"))


@bp.get("/reports/<result_id>/photo.jpg")
def report_photo(result_id):
    """A reported result's photo: blurred when sensitive, unless the admin asks to reveal it (?clear=1)."""
    record = store().get(result_id)
    if record is None or not record.has_photo or cockpit().reports.one(result_id) is None:
        abort(404)
    clear = request.args.get("clear") == "1" or not record.judgement.sensitive
    name = photo_name(record.id) if clear else share.public_photo(store(), record)
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
        return message_page("bad_answer", 400)
    cockpit().review.decide(result_id, accepted, label if accepted else None)
    return redirect(url_for("admin.reports_page"), 303)


@bp.post("/training/<result_id>/remove")
def remove_training(result_id):
    cockpit().review.remove(result_id)
    return redirect(url_for("admin.reports_page"), 303)


@bp.get("/judges")
def judges_page():
    """Each judge's live version beside its candidate: both model cards, measured on the same test photos."""
    models_dir = current_app.config["MODELS_DIR"]
    pairs = []
    for judge in judges():
        live = versions.describe(judge.folder)
        waiting = versions.candidate(models_dir, judge.id)
        pairs.append((judge, live, _card(live.folder), waiting, _card(waiting.folder) if waiting else None))
    return render_template("admin/judges.html", pairs=pairs)


def _card(folder):
    path = Path(folder) / model_cards.CARD
    return model_cards.render_text(path.read_text(encoding="utf-8")) if path.is_file() else None
