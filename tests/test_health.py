"""Liveness, readiness and Prometheus metrics."""

import io

import pytest
import sqlalchemy as sa


def test_liveness(client):
    assert client.get("/healthz").json == {"status": "alive"}


@pytest.mark.stores
def test_ready_once_models_are_loaded(app, client):
    app.extensions["hantei.judges"].load()
    response = client.get("/healthz/ready")
    assert response.status_code == 200 and response.json["ready"] is True


def test_not_ready_without_a_database(app, client, tmp_path):
    app.extensions["hantei.judges"].load()
    app.extensions["hantei.store"].engine = sa.create_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite")
    response = client.get("/healthz/ready")
    assert response.status_code == 503 and "database" in response.json["problems"][0]


@pytest.mark.stores
def test_metrics_count_requests_judging_and_refusals(client, astronaut_jpeg):
    client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")})
    client.post("/api/v1/judge", data={"image": (io.BytesIO(b"not an image"), "a.jpg")})
    text = client.get("/metrics").data.decode()
    assert 'hantei_requests_total{endpoint="api.judge",status="201"}' in text
    assert 'hantei_judging_seconds_bucket{judge="keshikaran",le="0.5",stage="detect"}' in text
    assert 'hantei_rejected_uploads_total{code="unsupported"}' in text
    assert "hantei_in_flight_requests" in text
