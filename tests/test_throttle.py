"""Overload is answered, not queued: 429 over a client's upload budget, 503 when every judging slot is busy."""

import io
import threading
from contextlib import contextmanager

import pytest
from bs4 import BeautifulSoup

from hantei.i18n import wait_words
from hantei.web.throttle import Busy, Capacity, Line
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
    assert page.status_code == 429 and 55 <= int(page.headers["Retry-After"]) <= 61  # the minute's window
    wait = wait_words(int(page.headers["Retry-After"]), "ja")  # the form's page says how long, as Retry-After does
    assert f"約{wait}後にまた送れます" in page.data.decode()
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


@contextmanager
def full(app, wait_seconds=0.2):
    """The app's one judging slot taken by another upload for as long as the block lasts."""
    capacity = Capacity(slots=1, wait_seconds=wait_seconds)
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
        yield
    finally:
        release.set()
        worker.join()


@pytest.mark.stores
def test_busy_worker_answers_503_and_stores_nothing(app, client, astronaut_jpeg):
    with full(app):
        page = upload(client, astronaut_jpeg)
        api = upload(client, astronaut_jpeg, path="/api/v1/judge")
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    assert "混み合っている" in page.data.decode()
    assert api.status_code == 503 and api.json["error"]["code"] == "busy"
    assert rows(app) == 0
    assert upload(client, astronaut_jpeg).status_code == 303


def test_capacity_bounds_concurrent_slots():
    capacity = Capacity(slots=2, wait_seconds=0.05)
    with capacity.slot(), capacity.slot(), pytest.raises(Busy), capacity.slot():
        pass
    with capacity.slot():
        pass


def waiting_in_line(capacity, count):
    """Start `count` threads that take a slot one after another, each once the one before is in line; (threads,
    the order they got their slots in)."""
    order, threads = [], []
    for n in range(count):
        def wait(n=n):
            with capacity.slot():
                order.append(n)
        threads.append(threading.Thread(target=wait))
        threads[-1].start()
        for _ in range(500):
            if capacity.waiting == n + 1:
                break
            threading.Event().wait(0.01)
    assert capacity.waiting == count
    return threads, order


def test_a_freed_slot_goes_to_whoever_waited_longest():
    capacity = Capacity(slots=1, wait_seconds=5)
    capacity.take()
    threads, order = waiting_in_line(capacity, 4)
    capacity.give_back()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3]


def test_a_slot_given_back_cannot_be_taken_again_before_those_in_line():
    """threading.Semaphore lets the thread that frees a slot (or one just come) take it again before a waiter it
    woke: an upload could wait behind a dozen later ones."""
    line = Line(1)
    assert line.acquire(0)
    waiter = threading.Thread(target=lambda: line.acquire(5) and line.release())
    waiter.start()
    while not line.waiting:
        threading.Event().wait(0.01)
    line.release()
    assert not line.acquire(0)  # handed to the waiter, not free for the taking
    waiter.join(5)
    assert line.acquire(0)


def test_an_upload_waits_in_line_once_for_its_decode_and_judging():
    capacity = Capacity(slots=1, wait_seconds=0.05)
    with capacity.turn() as turn:
        with turn.decoding():
            pass
        with turn.judging():  # the decode's slot: no second wait, so no Busy while another waits
            assert capacity.waiting == 0
    assert capacity.judged == 1
    # A decode in a child process took no slot: the judging takes one.
    with capacity.turn() as turn, turn.judging(), pytest.raises(Busy), capacity.slot():
        pass
    with capacity.slot():  # every slot given back
        pass


@pytest.mark.parametrize(("language", "says"), [
    ("ja", ["混み合っている", "約3秒待って", "写真を残しておけません"]),
    ("en", ["very busy right now", "wait about 3 seconds", "cannot keep it for you"]),
])
def test_the_form_without_javascript_says_busy_how_long_and_that_the_photo_was_not_kept(
        app, client, astronaut_jpeg, language, says):
    with full(app, wait_seconds=2.6):  # Retry-After rounds the queue's wait: 3 s
        page = upload(client, astronaut_jpeg, headers={"Accept-Language": language}, judge="keshikaran")
    assert page.status_code == 503 and page.headers["Retry-After"] == "3"
    html = BeautifulSoup(page.data, "html.parser")
    alert = html.select_one("#upload-error").get_text()
    assert all(words in alert for words in says), alert
    form = html.select_one("form#upload-form")  # the form again, to send the photo once more
    assert form["action"] == "/judge" and form.select_one('input[type=file][name=image]')
    assert html.select_one("#judge-keshikaran").has_attr("checked")  # the judge it chose stays chosen


@pytest.mark.stores
def test_a_busy_album_is_refused_whole_so_the_page_can_send_it_again(app, client, astronaut_jpeg):
    photos = [(io.BytesIO(astronaut_jpeg), f"{n}.jpg") for n in range(3)]
    with full(app):
        album = client.post("/judge", data={"image": photos}, headers={"Accept": "application/json"})
    assert album.status_code == 503 and album.headers["Retry-After"] == "1"
    assert album.json["error"]["code"] == "busy"
    assert rows(app) == 0


def test_a_busy_answer_says_the_queues_wait_not_the_rate_windows(make_app, astronaut_jpeg):
    """The limiter's own hint would stretch a busy 503's Retry-After to the client's minute: the page would wait a
    minute for a slot free in a second."""
    app = make_app(RATELIMIT="30/minute;500/day")
    client = app.test_client()
    assert upload(client, astronaut_jpeg).status_code == 303
    with full(app):
        busy = upload(client, astronaut_jpeg, path="/api/v1/judge")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert busy.headers["X-RateLimit-Remaining"] == "28"  # the limiter's headers are still there


def test_a_day_limit_says_hours_not_a_minute(make_app, astronaut_jpeg):
    app = make_app(RATELIMIT="30/minute;1/day")
    client = app.test_client()
    upload(client, astronaut_jpeg)
    page = upload(client, astronaut_jpeg, headers={"Accept-Language": "en"})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 86_000
    assert "send a photo again in about 24 hours" in page.data.decode()


class FullAfter(Capacity):
    """Room for `free` photos, then none: an album's later photo turned away after the first were judged."""

    def __init__(self, free):
        super().__init__(slots=1, wait_seconds=0.05)
        self.free = free

    def take(self):
        if not self.free:
            raise Busy()
        self.free -= 1
        super().take()


@pytest.mark.stores
def test_an_album_turned_away_halfway_keeps_none_of_it(app, client, astronaut_jpeg):
    app.extensions["hantei.capacity"] = FullAfter(free=2)
    photos = [(io.BytesIO(astronaut_jpeg), f"{n}.jpg") for n in range(3)]
    album = client.post("/judge", data={"image": photos})
    assert album.status_code == 503 and album.headers["Retry-After"] == "1"
    assert "混み合っている" in album.data.decode()
    assert rows(app) == 0  # the two judged first are deleted: nobody holds their links
