"""JSON API (/api/v1): judge a photo, list the judges; errors as {error: {code, message}}."""

from flask import Blueprint, request

from ...services import judges
from ..answers import PRIVATE
from ..links import external
from ..security import csrf
from ..throttle import uploads
from ..uploads import judge_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # API clients hold no session cookie, so there is nothing to forge


@bp.post("/judge")
@uploads
def judge():
    record = judge_request(request)  # a Refused is answered as JSON by errors.refused
    answer = record.as_dict()
    answer["url"] = external("results.result", result_id=record.id)
    answer["delete_url"] = external("results.delete", result_id=record.id, token=record.owner_token)
    return answer, 201, {"Location": answer["url"], "Cache-Control": PRIVATE}  # it holds the delete token


@bp.get("/judges")
def list_judges():
    return {
        "default": judges().default,
        "judges": [judge.describe() for judge in judges()],
    }
