"""What visitors tell about a result: share taps (a first-party beacon) and "判定が違う？" reports."""

import secrets

from flask import Blueprint, current_app, make_response, redirect, render_template, request, session, url_for

from ...cockpit.reports import AlreadyReported, answers_for, visitor_hash
from ...i18n import refusal
from ...services import cockpit, judges, lang
from .. import counting, owners
from ..answers import found, message, private
from ..attempts import REPORTS_PER_CLIENT, REPORTS_PER_RESULT, SHARES_PER_CLIENT, hit, keyed
from ..security import csrf, from_elsewhere

bp = Blueprint("feedback", __name__)
TARGETS = ("x", "line", "copy", "sheet")


@bp.app_context_processor
def report_helpers():
    return {"refusal_message": lambda code: refusal(code, lang())}


@bp.post("/r/<result_id>/shared")
@csrf.exempt  # a beacon from the result page's script carries no form; it only adds one to a counter
def shared(result_id):
    """Count a tap on a share button (?to=x|line|copy|sheet), sent by navigator.sendBeacon from our own page."""
    target = request.args.get("to", "")
    if target not in TARGETS:
        return message("bad_share_target", 400)
    if from_elsewhere():
        return message("cross_site", 403)
    record = found(result_id)
    if hit("shares", SHARES_PER_CLIENT):
        return "", 204  # counted enough for this client; the beacon does not care
    counting.shared(record, target)
    return "", 204


def _visitor(result_id):
    """This visitor's report key for a result, from a random token in their session cookie."""
    session.setdefault("visitor", secrets.token_urlsafe(16))
    return visitor_hash(current_app.config["SECRET_KEY"], session["visitor"], result_id)


def _choices(record):
    judge = judges().loaded.get(record.judgement.judge)
    labels = judge.labels if judge else [label["label"] for label in record.judgement.labels]
    return judge, answers_for(record.judgement.kind, labels)


def _page(record, status=200, error=None):
    judge, choices = _choices(record)
    owner = owners.owns("owned", record.id)
    already = cockpit().reports.reported(_visitor(record.id), record.id)
    response = make_response(render_template(
        "report.html", record=record, judge=judge, choices=choices, consent_offered=owner and record.has_photo,
        already=already, error=error), status)
    return private(response, robots="noindex")


@bp.get("/r/<result_id>/report")
def report_form(result_id):
    return _page(found(result_id))


@bp.post("/r/<result_id>/report")
def report(result_id):
    """Keep one visitor's report of a wrong verdict; the uploader alone may let hantei keep the photo."""
    record = found(result_id)
    _, choices = _choices(record)
    answer = request.form.get("answer", "")
    if answer not in choices:
        return _page(record, 400, error="bad_answer")
    if hit("reports", REPORTS_PER_CLIENT) or hit("reports-result", REPORTS_PER_RESULT, keyed(record.id)):
        return message("rate_limited_reports", 429)
    owner = owners.owns("owned", record.id)
    consent = owner and record.has_photo and request.form.get("consent") == "1"
    try:
        cockpit().reports.file(record, answer, _visitor(record.id), consent=consent)
    except AlreadyReported:
        return _page(record, 409, error="already_reported")
    counting.reported(record)
    return redirect(url_for("feedback.report_form", result_id=record.id, sent=1), 303)


@bp.post("/r/<result_id>/consent/withdraw")
def withdraw_consent(result_id):
    """The uploader takes back their consent to training: no report keeps it, the training copy goes."""
    record = found(result_id)
    if not owners.owns("owned", record.id):
        return message("not_owner", 403)
    cockpit().review.withdraw(record.id)
    return redirect(url_for("results.result", result_id=record.id), 303)
