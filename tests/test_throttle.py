"""Overload is answered, not queued: 429 over a client's upload budget, 503 when every judging slot is busy."""

import io
import threading

import pytest

from hantei.web.throttle import Busy, Capacity
from tests.photos import upload


def rows(app):
    store = app.extensions["hantei.store"]
    with store.engine.connect() as connection:
        return connection.exec_driver_sql("select count(*) from results").scalar()


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT="2/minute")


def test_page_and_api_share_one_upload_budget(limited, astronaut_jpeg):
    client = limited.test_client()
    assert upload(client, astronaut_jpeg).status_code == 303
    assert upload(client, astronaut_jpeg, path="/api/v1/judge").status_code == 201
    page = upload(client, astronaut_jpeg)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert "少し待って" in page.data.decode()
    api = upload(client, astronaut_jpeg, path="/api/v1/judge", headers={"Accept-Language": "en"})
    assert api.status_code == 429 and api.json["error"]["code"] == "rate_limited"
    assert "wait a moment" in api.json["error"]["message"]
    assert rows(limited) == 2


def test_other_clients_keep_their_budget(limited, astronaut_jpeg):
    for _ in range(2):
        upload(limited.test_client(), astronaut_jpeg)
    other = limited.test_client()
    response = other.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")},
                          environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 303


@pytest.mark.stores
def test_busy_worker_answers_503_and_stores_nothing(app, client, astronaut_jpeg):
    capacity = Capacity(slots=1, wait_seconds=0.2)
    app.extensions["hantei.capacity"] = capacity
    held, release = threading.Event(), threading.Event()

    def judge_something_slow():
        with capacity.slot():
            held.set()
            release.wait(10)

    worker = threading.Thread(target=judge_something_slow)
    worker.start()
    held.wait(5)
    try:
        page = upload(client, astronaut_jpeg)
        api = upload(client, astronaut_jpeg, path="/api/v1/judge")
    finally:
        release.set()
        worker.join()
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    assert "混み合っています" in page.data.decode()
    assert api.status_code == 503 and api.json["error"]["code"] == "busy"
    assert rows(app) == 0
    assert upload(client, astronaut_jpeg).status_code == 303


def test_capacity_bounds_concurrent_slots():
    capacity = Capacity(slots=2, wait_seconds=0.05)
    with capacity.slot(), capacity.slot(), pytest.raises(Busy), capacity.slot():
        pass
    with capacity.slot():
        pass
