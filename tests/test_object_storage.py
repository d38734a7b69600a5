"""Photos and cards in a real S3 bucket (SeaweedFS): two app servers that share no disk, behind one nginx."""

import concurrent.futures
import io
import os
import signal
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from hantei import config
from hantei.store import open_store
from hantei.store.objects import S3Photos
from tests.servers import Gunicorn, Nginx, Redis, SeaweedFS, free_port
from tests.helpers import strict_models

SECRET = "a-secret-every-server-shares-" + "0" * 16
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def seaweed():
    """One SeaweedFS for the module (it starts in seconds, but each test gets its own bucket instead)."""
    server = SeaweedFS()
    yield server
    server.remove()


@pytest.fixture
def aws(seaweed, monkeypatch):
    """boto3's usual chain finds the test store's keys in the environment, as it would on a server."""
    for name, value in seaweed.env.items():
        monkeypatch.setenv(name, value)
    return seaweed


@pytest.fixture(scope="module")
def cluster(seaweed, postgresql, tmp_path_factory):
    """PostgreSQL, Redis, a bucket, two gunicorn servers each with its own empty data folder, nginx before them."""
    redis = Redis()
    bucket = seaweed.new_bucket()
    database = postgresql.new_database()
    models = strict_models(tmp_path_factory.mktemp("strict"))  # every photo with a face counts as sensitive
    settings = {"database_url": database, "storage_url": f"s3://{bucket}/site", "secret_key": SECRET,
                "ratelimit": "off", "ratelimit_storage": redis.url, "models_dir": models, "proxy_fix": 1,
                "public_url": "https://hantei.example"}
    servers = [Gunicorn(tmp_path_factory.mktemp(f"server{n}"), workers=1, env=seaweed.env, **settings)
               for n in (1, 2)]
    nginx = Nginx(*servers)
    yield {"servers": servers, "nginx": nginx, "bucket": bucket, "database": database, "models": models}
    nginx.stop()
    for server in servers:
        server.stop()  # the one killed in a test has exited already
    redis.stop()


def upload(base, photo, **headers):
    return requests.post(base + "/api/v1/judge", files={"image": ("a.jpg", photo, "image/jpeg")},
                         headers=headers, timeout=60)


def path_of(url):
    return "/" + url.split("/", 3)[3]


def keys_of(seaweed, bucket, result_id):
    return [key for key in seaweed.keys(bucket) if result_id in key]


def test_the_bucket_holds_files_as_the_folder_does(aws):
    photos = S3Photos(f"s3://{aws.new_bucket()}/p", aws.url)
    photos.check()
    photos.put("ab/abcd.jpg", b"clear")
    photos.put("ab/abcd.card-ja.k1.jpg", b"card")
    assert photos.read("ab/abcd.jpg") == b"clear" and photos.read("ab/none.jpg") is None
    assert photos.exists("ab/abcd.card-ja.k1.jpg") and not photos.exists("ab/none.jpg")
    assert photos.named("ab", "abcd.") == ["ab/abcd.card-ja.k1.jpg", "ab/abcd.jpg"]
    assert photos.names(older_than=3600) == [] and len(photos.names()) == 2
    # Clear photos and public files sit apart, so that only media/ can be opened to a CDN.
    assert aws.keys(photos.bucket) == ["p/media/ab/abcd.card-ja.k1.jpg", "p/private/ab/abcd.jpg"]
    assert photos.public_key("ab/abcd.jpg") is None
    photos.delete("ab/abcd.jpg")
    assert photos.names() == ["ab/abcd.card-ja.k1.jpg"]


def test_a_bucket_needs_the_shared_secret_key(aws, make_app, tmp_path):
    with pytest.raises(RuntimeError, match="HANTEI_SECRET_KEY"):
        make_app(STORAGE_URL="s3://b/p", SECRET_KEY=None)
    app = make_app(STORAGE_URL="s3://b/p", SECRET_KEY=SECRET)
    said = config.deployment(app.config)
    assert "secret key from HANTEI_SECRET_KEY" in said and "every server needs the same HANTEI_SECRET_KEY" in said
    assert "SQLite and in-memory limits belong to this server alone" in said
    local = config.deployment(make_app(DATA_DIR=tmp_path / "one").config)
    assert f"secret key from {tmp_path / 'one' / 'secret_key'} (this server only)" in local


def test_unreachable_store_refuses_uploads_in_the_visitors_language(make_app, aws, astronaut_jpeg):
    nowhere = f"http://127.0.0.1:{free_port()}"
    app = make_app(SECRET_KEY=SECRET, STORAGE_URL="s3://nowhere/p", S3_ENDPOINT_URL=nowhere)
    client = app.test_client()
    for language, words in (("en", "photo storage"), ("ja", "保存先")):
        answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")},
                             headers={"Accept-Language": language})
        assert answer.status_code == 503 and answer.json["error"]["code"] == "storage_down"
        assert words in answer.json["error"]["message"] and answer.headers["Retry-After"]
    page = client.post("/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")})
    assert page.status_code == 503 and "保存先" in page.get_data(as_text=True)
    with app.app_context():
        assert app.extensions["hantei.store"].purge() == 0  # no row was kept
        with app.extensions["hantei.store"].engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM results").scalar() == 0
    ready = client.get("/healthz/ready")
    assert ready.status_code == 503 and "storage: photo store unreachable" in ready.json["problems"]


def test_servers_without_a_shared_disk_serve_and_delete_each_others_results(cluster, seaweed, astronaut_jpeg):
    one, two = (server.url for server in cluster["servers"])
    answer = upload(cluster["nginx"].url, astronaut_jpeg)
    assert answer.status_code == 201 and answer.json()["sensitive"]
    result_id, page = answer.json()["id"], path_of(answer.json()["url"])
    images = {}
    for base in (one, two):
        assert requests.get(base + page, timeout=30).status_code == 200
        for name in ("photo.jpg", "card.jpg", "card.jpg?lang=en"):
            got = requests.get(f"{base}{page}/{name}", timeout=30)
            assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg", name
            assert "max-age" in got.headers["Cache-Control"] and got.headers["ETag"]
            images.setdefault(name, set()).add(got.content)
    assert all(len(made) == 1 for made in images.values())  # both servers send the very same files
    # A reveal signed by one server opens the clear photo on the other: they share the secret, not a disk.
    revealed = BeautifulSoup(requests.post(f"{one}{page}/reveal", timeout=30).text, "html.parser")
    clear_url = revealed.find("img", src=lambda src: src and "reveal=" in src)["src"]
    clear = requests.get(two + clear_url, timeout=30)
    assert clear.status_code == 200 and clear.headers["Cache-Control"] == "private, no-store"
    assert clear.content not in images["photo.jpg"]
    stored = keys_of(seaweed, cluster["bucket"], result_id)
    assert f"site/private/{result_id[:2]}/{result_id}.jpg" in stored
    assert any(".blurred." in key and "/media/" in key for key in stored)
    assert sum(".card-" in key and "/media/" in key for key in stored) == 2
    assert not any(result_id in path.name for server in cluster["servers"] for path in server.log.parent.rglob("*"))

    delete_url = path_of(answer.json()["delete_url"])
    assert requests.post(two + delete_url, headers=JSON, timeout=30).json() == {"deleted": result_id}
    assert keys_of(seaweed, cluster["bucket"], result_id) == []
    for base in (one, two):
        for path in (page, page + "/photo.jpg", page + "/card.jpg"):
            assert requests.get(base + path, timeout=30).status_code == 410


def test_store_down_answers_503_and_service_resumes_by_itself(cluster, seaweed, astronaut_jpeg):
    nginx, servers = cluster["nginx"].url, cluster["servers"]
    kept = upload(nginx, astronaut_jpeg).json()
    seaweed.stop()
    try:
        for _ in range(4):
            answer = upload(nginx, astronaut_jpeg, **{"Accept-Language": "en"})
            assert answer.status_code == 503 and answer.json()["error"]["code"] == "storage_down"
            assert "photo storage" in answer.json()["error"]["message"]
        photo = requests.get(nginx + path_of(kept["url"]) + "/photo.jpg", timeout=30)
        assert photo.status_code == 503 and "保存先" in photo.text
        refused = requests.post(nginx + path_of(kept["delete_url"]), headers=JSON, timeout=30)
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "storage_down"  # the row stays
        for server in servers:
            ready = requests.get(server.url + "/healthz/ready", timeout=30)
            assert ready.status_code == 503 and "storage: photo store unreachable" in ready.json()["problems"]
    finally:
        seaweed.start()
    deadline = time.monotonic() + 60
    while (answer := upload(nginx, astronaut_jpeg)).status_code != 201 and time.monotonic() < deadline:
        assert answer.status_code == 503
        time.sleep(0.5)
    assert answer.status_code == 201
    for server in servers:
        assert requests.get(server.url + "/healthz/ready", timeout=30).status_code == 200
    assert requests.get(nginx + path_of(kept["url"]) + "/photo.jpg", timeout=30).status_code == 200
    assert keys_of(seaweed, cluster["bucket"], kept["id"])  # the restarted store lists what it held
    assert requests.post(nginx + path_of(kept["delete_url"]), headers=JSON, timeout=30).status_code == 200
    assert keys_of(seaweed, cluster["bucket"], kept["id"]) == []


def answer_of(base, photo):
    """An upload's status and JSON, or "cut" when the server died between its answer's headers and its body."""
    try:
        response = upload(base, photo)
    except requests.exceptions.ChunkedEncodingError:
        return "cut", None
    return response.status_code, response.json() if response.status_code == 201 else None


def kill(server):
    """SIGKILL a gunicorn master and its workers at once: a machine that lost power."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    for pid in [server.process.pid, *map(int, children)]:
        os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)


def test_a_server_killed_under_load_leaves_nothing_half_written(cluster, seaweed, aws, astronaut_jpeg, monkeypatch):
    nginx, (doomed, survivor) = cluster["nginx"].url, cluster["servers"]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = [pool.submit(answer_of, nginx, astronaut_jpeg) for _ in range(24)]
        while sum(answer.done() for answer in answers) < 6:
            time.sleep(0.05)
        kill(doomed)
        answers = [answer.result() for answer in answers]
    statuses = [status for status, _ in answers]
    assert 201 in statuses and set(statuses) <= {201, 502, 503, 504, "cut"}, statuses
    assert requests.get(survivor.url + "/healthz/ready", timeout=30).status_code == 200
    assert upload(nginx, astronaut_jpeg).status_code == 201  # nginx sends everything to the survivor now

    store = open_store(cluster["database"], survivor.log.parent, 30, f"s3://{cluster['bucket']}/site", aws.url)
    for status, body in answers:
        if status == 201:
            record = store.get(body["id"])
            assert record is not None and store.photos.exists(f"{record.id[:2]}/{record.id}.jpg")
    monkeypatch.setattr("hantei.store.results.ORPHAN_SECONDS", 0)  # the hour has passed
    store.purge(orphans=True)
    for name in store.photos.names():
        record = store.get(name.split("/")[1].split(".")[0])
        assert record is not None and record.has_photo, name
    with store.engine.connect() as connection:
        kept = connection.exec_driver_sql("SELECT id FROM results WHERE has_photo").scalars().all()
    assert all(store.photos.exists(f"{result_id[:2]}/{result_id}.jpg") for result_id in kept)


def test_migration_moves_a_local_instance_and_every_old_link_still_works(make_app, tmp_path, aws, astronaut_jpeg):
    base = {"WTF_CSRF_ENABLED": True, "SECRET_KEY": SECRET, "MODELS_DIR": strict_models(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'hantei.db'}"}
    local = make_app(**base, DATA_DIR=tmp_path / "old")
    client = local.test_client()
    answers = [client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg"), "keep": keep}).json
               for keep in ("1", "1", "0")]
    links = [path_of(answer["url"]) + suffix for answer in answers
             for suffix in ("", "/card.jpg", "/card.jpg?lang=en")] + [path_of(answers[0]["url"]) + "/photo.jpg"]
    before = {link: client.get(link).data for link in links}
    files = local.extensions["hantei.store"].photos.names()
    assert sum(".blurred." in name for name in files) == 2 and sum(".card-" in name for name in files) == 6

    bucket = aws.new_bucket()
    target = f"s3://{bucket}/moved"
    run = local.test_cli_runner().invoke(args=["storage", "migrate", "--to", target])
    assert run.exit_code == 0 and f"copied {len(files)} files, 0 already" in run.output, run.output
    S3Photos(target, aws.url).delete(files[0])  # as if the first run had stopped before this one
    again = local.test_cli_runner().invoke(args=["storage", "migrate", "--to", target])
    assert f"copied 1 file, {len(files) - 1} already" in again.output, again.output

    moved = make_app(**base, DATA_DIR=tmp_path / "new", STORAGE_URL=target, S3_ENDPOINT_URL=aws.url)
    visitor = moved.test_client()
    for link, data in before.items():
        answer = visitor.get(link)
        assert answer.status_code == 200, link
        if link.endswith(".jpg") or ".jpg?" in link:
            assert answer.data == data, link
    assert not (tmp_path / "new" / "photos").exists() or not any((tmp_path / "new" / "photos").rglob("*.jpg"))


def test_cards_and_blurred_copies_may_come_from_a_cdn_but_never_the_clear_photo(make_app, tmp_path, aws,
                                                                               astronaut_jpeg):
    bucket = aws.new_bucket()
    app = make_app(WTF_CSRF_ENABLED=True, SECRET_KEY=SECRET, MODELS_DIR=strict_models(tmp_path),
                   STORAGE_URL=f"s3://{bucket}/site", S3_ENDPOINT_URL=aws.url, MEDIA_URL="https://cdn.example/site/media")
    client = app.test_client()
    page = path_of(client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).json["url"])
    for name, made in (("photo.jpg", ".blurred."), ("card.jpg", ".card-ja.")):
        answer = client.get(f"{page}/{name}")
        assert answer.status_code == 302 and answer.location.startswith("https://cdn.example/site/media/")
        assert made in answer.location and f"site/media/{answer.location.split('/media/')[1]}" in aws.keys(bucket)
    revealed = BeautifulSoup(client.post(f"{page}/reveal").data, "html.parser")
    clear = client.get(revealed.find("img", src=lambda src: src and "reveal=" in src)["src"])
    assert clear.status_code == 200 and clear.headers["Cache-Control"] == "private, no-store"
    assert clear.data[:3] == b"\xff\xd8\xff"


def test_retention_empties_the_bucket_of_expired_results(make_app, aws, astronaut_jpeg):
    bucket = aws.new_bucket()
    app = make_app(WTF_CSRF_ENABLED=True, SECRET_KEY=SECRET, STORAGE_URL=f"s3://{bucket}/site",
                   S3_ENDPOINT_URL=aws.url)
    client = app.test_client()
    page = path_of(client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).json["url"])
    assert client.get(page + "/card.jpg").status_code == 200 and len(aws.keys(bucket)) == 2
    later = datetime.now(timezone.utc) + timedelta(days=31)
    assert app.extensions["hantei.store"].purge(now=later) == 1
    assert aws.keys(bucket) == [] and client.get(page).status_code == 410
