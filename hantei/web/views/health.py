"""Operations endpoints: liveness, readiness (models loaded, database answering) and Prometheus metrics."""

import hmac
import ipaddress

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, request

from ...services import judges, store
from ...store import StorageDown
from ..metrics import exposition

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


def from_loopback():
    """Whether the request came from this machine: the peer itself and, behind a proxy, the client it names."""
    peers = [request.remote_addr, request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")]
    try:
        return all(ipaddress.ip_address(peer).is_loopback for peer in peers if peer is not None)
    except ValueError:
        return False


def may_read_metrics():
    """Metrics are for this machine (Prometheus beside the app, nginx's own allow list), or for the metrics token."""
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and hmac.compare_digest(given.encode(), token.encode()):
        return True
    return from_loopback()


@bp.get("/metrics")
def metrics():
    if not may_read_metrics():
        abort(403)
    data, content_type = exposition()
    return data, 200, {"Content-Type": content_type}
