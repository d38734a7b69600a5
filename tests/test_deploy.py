"""The deploy kit works with real servers: nginx in front of gunicorn, Redis-shared limits, systemd, metrics."""

import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.photos import phone_jpeg
from tests.servers import ROOT, Gunicorn, Nginx, Redis, main_config


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory):
    app = Gunicorn(tmp_path_factory.mktemp("data"), workers=2, proxy_fix=1, ratelimit="off",
                   allowed_hosts="hantei.example,localhost,127.0.0.1")
    proxy = Nginx(app)
    yield proxy
    proxy.stop()
    app.stop()


def test_shipped_site_passes_nginx_t(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=hantei.example", "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
                   check=True, capture_output=True)
    site = (ROOT / "deploy" / "nginx" / "hantei.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/hantei.example/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/hantei.example/privkey.pem", str(tmp_path / "key.pem"))
    site = re.sub(r"listen (\[::\]:)?(80|443)",
                  lambda m: f"listen {m.group(1) or ''}{'18080' if m.group(2) == '80' else '18443'}", site)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(main_config(tmp_path, tmp_path / "site.conf"))
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_pages_and_api_through_nginx_have_the_public_host(behind_nginx, astronaut_jpeg):
    public = f"hantei.example:{behind_nginx.port}"  # what a browser sends for that host and port
    headers = {"Host": public}
    assert "写真を撮る・選ぶ" in requests.get(behind_nginx.url + "/", headers=headers).text
    body = requests.post(behind_nginx.url + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)},
                         headers=headers).json()
    assert body["url"] == f"http://{public}/r/{body['id']}"
    assert body["delete_url"].startswith(f"http://{public}/r/")


def test_over_size_upload_gets_the_apps_message(behind_nginx):
    huge = b"\xff\xd8\xff" + os.urandom(25 * 1024 * 1024)
    page = requests.post(behind_nginx.url + "/judge", files={"image": ("big.jpg", huge)})
    assert page.status_code == 413 and "ファイルが大きすぎます" in page.text
    api = requests.post(behind_nginx.url + "/api/v1/judge", files={"image": ("big.jpg", huge)},
                        headers={"Accept-Language": "en"})
    assert api.status_code == 413 and api.json()["error"]["code"] == "too_large"
    assert "too big" in api.json()["error"]["message"]


def test_nginx_limit_matches_the_apps(behind_nginx):
    over = b"\xff\xd8\xff" + os.urandom(20 * 1024 * 1024)
    api = requests.post(behind_nginx.url + "/api/v1/judge", files={"image": ("big.jpg", over)})
    assert api.status_code == 413 and api.json()["error"]["code"] == "too_large"
    under = b"\xff\xd8\xff" + os.urandom(19 * 1024 * 1024)
    api = requests.post(behind_nginx.url + "/api/v1/judge", files={"image": ("big.jpg", under)})
    assert api.status_code == 400 and api.json()["error"]["code"] == "corrupt"
    site = (ROOT / "deploy" / "nginx" / "hantei.conf").read_text()
    assert "client_max_body_size 20m;" in site and "20" in os.environ.get("HANTEI_MAX_UPLOAD_MB", "20")


def test_nginx_keeps_no_idle_connections_to_the_app():
    """A kept connection stays with the gunicorn worker that accepted it: after a recycling one worker got them all
    and judged at half the rate (bench/results/launch-keepalive.md), and an upload sent on a connection gunicorn
    was closing got a 502."""
    site = (ROOT / "deploy" / "nginx" / "hantei.conf").read_text()
    upstream = re.search(r"upstream hantei_app \{([^}]*)\}", site).group(1)
    assert not re.search(r"^\s*keepalive", upstream, re.MULTILINE)
    assert "keepalive" not in (ROOT / "docs" / "containers.md").read_text().split("upstream hantei_app", 1)[1][:200]


def test_logs_keep_no_address_or_user_agent(behind_nginx, astronaut_jpeg):
    """What reaches the logs is kept (journald, a container's log): gunicorn logs each request without the client's
    address, User-Agent or query string (where an API delete_url holds the owner token), and the shipped site keeps
    no access log of its own."""
    probe = {"User-Agent": "hantei-privacy-probe/7.3", "X-Forwarded-For": "203.0.113.77"}
    assert requests.get(behind_nginx.url + "/", headers=probe).status_code == 200
    judged = requests.post(behind_nginx.url + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)},
                           headers=probe).json()
    token = judged["delete_url"].split("token=", 1)[1]
    assert requests.post(judged["delete_url"], headers=probe).status_code == 200
    deleted = f'"POST /r/{judged["id"]}/delete HTTP/1.1" 200'
    deadline = time.monotonic() + 10
    while deleted not in (logged := behind_nginx.app.log.read_text(errors="replace")) and time.monotonic() < deadline:
        time.sleep(0.05)  # gunicorn writes a request's line once its answer has gone
    assert '"GET / HTTP/1.1" 200' in logged and '"POST /api/v1/judge HTTP/1.1" 201' in logged and deleted in logged
    requests_logged = [line for line in logged.splitlines() if "HTTP/1.1" in line]
    assert not [line for line in requests_logged
                if any(kept in line for kept in ("127.0.0.1", "203.0.113.77", "probe", token))]
    nginx_log = behind_nginx.folder / "access.log"
    assert "probe" not in (nginx_log.read_text(errors="replace") if nginx_log.exists() else "")


def test_metrics_stay_on_the_server(behind_nginx):
    assert requests.get(behind_nginx.url + "/metrics").status_code == 200  # the test itself is on loopback
    site = (ROOT / "deploy" / "nginx" / "hantei.conf").read_text()
    assert re.search(r"location = /metrics \{[^}]*deny all;", site)


def test_rate_limit_is_shared_across_workers_through_redis(tmp_path, astronaut_jpeg):
    redis = Redis()
    app = Gunicorn(tmp_path, workers=2, ratelimit="3/minute", ratelimit_storage=redis.url)
    try:
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: requests.post(app.url + "/api/v1/judge",
                                                             files={"image": ("a.jpg", astronaut_jpeg)}).status_code,
                                     range(8)))
        pids = requests.get(app.url + "/metrics").text
    finally:
        app.stop()
        redis.stop()
    assert sorted(statuses) == [201] * 3 + [429] * 5
    assert pids


def test_metrics_add_up_across_workers(tmp_path, astronaut_jpeg):
    app = Gunicorn(tmp_path, workers=2, ratelimit="off")
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: requests.post(app.url + "/api/v1/judge",
                                                  files={"image": ("a.jpg", astronaut_jpeg)}),
                          range(8)))
        text = requests.get(app.url + "/metrics").text
    finally:
        app.stop()
    count = re.search(r'hantei_requests_total\{endpoint="api.judge",status="201"\} ([0-9.]+)', text)
    assert count and float(count.group(1)) == 8


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_unit_verifies(tmp_path):
    unit = (ROOT / "deploy" / "hantei.service").read_text().replace("/opt/hantei/app", str(ROOT))
    (tmp_path / "hantei.service").write_text(unit)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "hantei.service")],
                            capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines() if "hantei.service" in line]
    assert result.returncode == 0 and problems == [], result.stderr


def test_install_script_passes_shellcheck():
    result = subprocess.run(["shellcheck", "deploy/install.sh", "tests/system-packages.sh", ".ci/run",
                             "tests/container/setup.sh", "tests/container/standins/postgres-entrypoint.sh"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_overload_is_answered_and_loses_nothing(tmp_path, astronaut_jpeg):
    """Four times what one worker can judge at once: every upload gets a 201 or a 503, and every 201 is whole."""
    # Judging got fast (a 1/4-scale decode): the queue is kept short so that 16 clients surely collide.
    app = Gunicorn(tmp_path, workers=1, threads=8, max_judging=1, queue_seconds=0.01, ratelimit="off")
    try:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: requests.post(app.url + "/api/v1/judge", timeout=60,
                                                            files={"image": ("a.jpg", phone_jpeg(size=(4032, 3024)))}),
                                    range(32)))
        statuses = [a.status_code for a in answers]
        created = [a.json() for a in answers if a.status_code == 201]
        assert set(statuses) <= {201, 503} and 201 in statuses and 503 in statuses, statuses
        assert all(a.headers["Retry-After"] for a in answers if a.status_code == 503)
        for body in created:
            assert requests.get(body["url"]).status_code == 200
            assert requests.get(body["url"] + "/photo.jpg").status_code == 200
    finally:
        app.stop()
    import sqlite3
    with sqlite3.connect(tmp_path / "hantei.db") as db:
        assert db.execute("select count(*) from results").fetchone()[0] == len(created)
    assert len(list((tmp_path / "photos").rglob("*.jpg"))) == len(created)
