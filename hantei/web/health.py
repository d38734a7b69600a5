"""Operations endpoints: liveness, readiness (models loaded, database answering) and Prometheus metrics."""

import sqlalchemy as sa
from flask import Blueprint

from ..store import StorageDown
from . import judges, store
from .metrics import exposition

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def alive():
    """Liveness: the process answers."""
    return {"status": "alive"}


@bp.get("/healthz/ready")
def ready():
    """Readiness: every judge's model is loaded in this worker, the database and the photo store answer."""
    problems = [f"judge {judge.id}: model not loaded yet" for judge in judges() if not judge.warm]
    try:
        with store().engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        problems.append(f"database: {error.__class__.__name__}")
    try:
        store().photos.check()
    except StorageDown:
        problems.append("storage: photo store unreachable")
    body = {"ready": not problems, "judges": [judge.id for judge in judges()], "problems": problems}
    return body, 200 if not problems else 503


@bp.get("/metrics")
def metrics():
    data, content_type = exposition()
    return data, 200, {"Content-Type": content_type}
