"""JSON API (/api/v1): judge a photo, list the judges; errors as {error: {code, message}}."""

from flask import Blueprint, request

from .links import external
from .security import csrf
from .throttle import uploads
from .uploads import Refused, judge_request, judges

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # API clients hold no session cookie, so there is nothing to forge


@bp.post("/judge")
@uploads
def judge():
    try:
        record = judge_request(request)
    except Refused as refused:
        return refused.as_json()
    answer = record.as_dict()
    add_region_verdicts(answer, record)
    answer["url"] = external("results.result", result_id=record.id)
    answer["delete_url"] = external("results.delete", result_id=record.id, token=record.owner_token)
    return answer, 201, {"Location": answer["url"]}


def add_region_verdicts(answer, record):
    """Give each face a judge classified on its own the verdict the result page shows beside it."""
    judge = judges().loaded.get(record.judgement.judge)
    for region, shown in zip(record.judgement.regions, answer["regions"]):
        verdict = judge.region_verdict(region) if judge else None
        if verdict:
            shown["verdict"] = verdict


@bp.get("/judges")
def list_judges():
    return {
        "default": judges().default,
        "judges": [judge.describe() for judge in judges()],
    }
