"""gunicorn's workers under deploy/gunicorn.conf.py, run for real: recycled on judged uploads and on growth, never
by cheap requests; forwarded headers believed from the proxy alone; a warning when nobody stands in front."""

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hantei import cgroups, proxies
from tests.helpers import client_from
from tests.servers import ROOT, Gunicorn, Nginx, free_port, wait_for


def workers_of(master):
    """The pids of a gunicorn master's workers."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            found.append(int(stat.parent.name))
    return sorted(found)


def wait_for_one_worker(app, old=None):
    """The single worker's pid once it is up (and is not `old`) and ready."""
    pids = []

    def settled():
        pids[:] = workers_of(app.process.pid)
        return len(pids) == 1 and pids[0] != old and app._ready()

    wait_for(settled, "a fresh worker", app.process, seconds=60, log=app.log)
    return pids[0]


def test_cheap_requests_do_not_recycle_workers(tmp_path):
    """1,300 health checks and static files: gunicorn's max_requests (1,000 + jitter) restarted the worker."""
    app = Gunicorn(tmp_path, workers=1)
    try:
        worker = wait_for_one_worker(app)
        session = requests.Session()
        for i in range(1300):
            path = "/healthz" if i % 2 else "/static/hantei.css"
            assert session.get(app.url + path, timeout=10).status_code == 200, path
        assert workers_of(app.process.pid) == [worker]
    finally:
        app.stop()
    assert "Recycling worker" not in app.log.read_text()


def test_workers_recycle_after_their_share_of_judged_uploads(tmp_path, astronaut_jpeg):
    app = Gunicorn(tmp_path, workers=1, ratelimit="off", recycle_uploads=4, recycle_mb=0)
    try:
        first = wait_for_one_worker(app)
        statuses = [requests.post(app.url + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)},
                                  timeout=60).status_code for _ in range(5)]  # 4, plus up to a quarter of 4
        second = wait_for_one_worker(app, old=first)  # up again, models loaded, ready
        assert statuses == [201] * 5
        assert requests.post(app.url + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)},
                             timeout=60).status_code == 201
        assert workers_of(app.process.pid) == [second]
    finally:
        app.stop()
    log = app.log.read_text()
    assert f"Recycling worker {first} after this request: " in log and "uploads judged" in log
    assert f"Worker {second} loaded its models in " in log  # before it took a request: how long a recycle costs


def test_an_upload_counts_once_toward_recycling(client, app, astronaut_jpeg):
    """Its decode and its judging each hold the slot; only the judging counts (each upload counted twice recycled
    workers after half their HANTEI_RECYCLE_UPLOADS)."""
    for expected in (1, 2):
        assert client.post("/api/v1/judge", data={"image": (io.BytesIO(astronaut_jpeg), "a.jpg")}).status_code == 201
        assert app.extensions["hantei.capacity"].judged == expected


def test_workers_recycle_when_they_grow(tmp_path, astronaut_jpeg):
    """A worker that has grown past HANTEI_RECYCLE_MB since its models were loaded makes way after that upload."""
    app = Gunicorn(tmp_path, workers=1, ratelimit="off", recycle_uploads=0, recycle_mb=1)
    try:
        first = wait_for_one_worker(app)
        for _ in range(3):
            assert requests.post(app.url + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)},
                                 timeout=60).status_code == 201
        wait_for_one_worker(app, old=first)
    finally:
        app.stop()
    assert f"Recycling worker {first} after this request: grew by" in app.log.read_text()


def test_a_worker_busy_with_all_its_threads_leaves_new_connections_to_a_free_one(tmp_path):
    """A worker takes no more connections than its threads (worker_connections = threads): with gunicorn's 1,000
    its main thread took some of these while its one thread read a slow body, and they waited for that body."""
    app = Gunicorn(tmp_path, workers=2, threads=1)
    try:
        with socket.create_connection(("127.0.0.1", app.port), timeout=30) as busy:
            busy.sendall(b"POST /api/v1/judge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                         b"boundary=b\r\nContent-Length: 100000\r\n\r\n--b")
            time.sleep(0.5)  # a worker's one thread now waits for the rest of the body
            answers = [requests.get(app.url + "/healthz", timeout=3).status_code for _ in range(12)]
            assert answers == [200] * 12
            assert requests.get(app.url + "/healthz", timeout=3).headers["Connection"] == "close"  # a request each
    finally:
        app.stop()


def test_forwarded_headers_count_only_from_the_proxy(tmp_path, astronaut_jpeg):
    """Behind nginx two clients get two rate-limit buckets; a client reaching gunicorn directly cannot name another
    address to get a fresh one."""
    app = Gunicorn(tmp_path, workers=1, proxy_fix=1, ratelimit="1/minute")
    proxy = Nginx(app)
    try:
        def upload(session, url, **headers):
            return session.post(url + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)}, headers=headers,
                                timeout=60).status_code

        first, second = client_from("127.0.0.2"), client_from("127.0.0.3")
        assert upload(first, proxy.url) == 201
        assert upload(second, proxy.url) == 201  # its own bucket: nginx names each client
        assert upload(first, proxy.url, **{"X-Forwarded-For": "203.0.113.9"}) == 429  # nginx appends the real one

        direct = client_from("127.0.0.4")
        assert upload(direct, app.url, **{"X-Forwarded-For": "203.0.113.1"}) == 201
        assert upload(direct, app.url, **{"X-Forwarded-For": "203.0.113.2"}) == 429  # the same client, believed not
    finally:
        proxy.stop()
        app.stop()


def test_trusted_proxies_name_addresses_networks_and_the_gateway(tmp_path):
    routes = tmp_path / "route"
    routes.write_text("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
                      "eth0\t00000000\t0100590A\t0003\t0\t0\t0\t00000000\n"
                      "eth0\t0000590A\t00000000\t0001\t0\t0\t0\t00FFFFFF\n")
    nets = proxies.networks("gateway, 127.0.0.1, 10.1.0.0/16", route_table=routes)
    assert [str(net) for net in nets] == ["10.89.0.1/32", "127.0.0.1/32", "10.1.0.0/16"]
    assert proxies.trusted("10.89.0.1", nets) and proxies.trusted("10.1.2.3", nets)
    assert not proxies.trusted("10.89.0.2", nets) and not proxies.trusted("", nets)
    with pytest.raises(ValueError, match="not an address"):
        proxies.networks("nginx")
    assert proxies.exposed([("0.0.0.0", 8000), ("127.0.0.1", 8001), ("::1", 1), ("localhost", 2), "/run/x.sock",
                            ("::", 8002), ("192.0.2.1", 8003)]) == ["0.0.0.0:8000", ":::8002", "192.0.2.1:8003"]


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="a network namespace needs root")
def test_gunicorn_warns_when_it_answers_other_machines_with_no_proxy(tmp_path):
    """Bound to every address (in a network namespace of its own, so nothing outside can reach it)."""
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "HANTEI_DATA_DIR": str(tmp_path), "HANTEI_BIND": f"0.0.0.0:{free_port()}",
           "HANTEI_WORKERS": "1"}
    env.pop("HANTEI_PROXY_FIX", None)
    with open(log, "wb") as out:
        server = subprocess.Popen(["unshare", "--net", str(Path(sys.executable).parent / "gunicorn"), "-c",
                                   "deploy/gunicorn.conf.py", "app:app"], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "Booting worker" in log.read_text(), "gunicorn", server, log=log)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "which other machines can reach, with no proxy in front (HANTEI_PROXY_FIX=0)" in text
    assert "Put nginx in front" in text


def test_no_warning_on_loopback(tmp_path):
    app = Gunicorn(tmp_path, workers=1)
    app.stop()
    assert "no proxy in front" not in app.log.read_text()


def test_workers_follow_the_cgroups_cpu_quota_and_memory_limit(tmp_path, monkeypatch):
    """cgroup v2 (a container's own cgroup at the root) and v1 (controllers mounted apart)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    own = tmp_path / "self-cgroup"
    v2 = tmp_path / "v2"
    v2.mkdir()
    own.write_text("0::/\n")
    (v2 / "cpu.max").write_text("150000 100000\n")
    (v2 / "memory.max").write_text(f"{1024 * 2**20}\n")
    assert cgroups.cpu_limit(v2, own) == 2 and cgroups.memory_limit(v2, own) == 1024 * 2**20
    (v2 / "cpu.max").write_text("max 100000\n")
    (v2 / "memory.max").write_text("max\n")
    assert cgroups.cpu_limit(v2, own) == 4 and cgroups.memory_limit(v2, own) is None

    v1 = tmp_path / "v1"
    for controller in ("cpu,cpuacct", "memory"):
        (v1 / controller / "docker" / "abc").mkdir(parents=True)
    own.write_text("4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n")
    (v1 / "cpu,cpuacct" / "docker" / "abc" / "cpu.cfs_quota_us").write_text("100000\n")
    (v1 / "cpu,cpuacct" / "docker" / "abc" / "cpu.cfs_period_us").write_text("100000\n")
    (v1 / "memory" / "docker" / "abc" / "memory.limit_in_bytes").write_text(f"{512 * 2**20}\n")
    (v1 / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert cgroups.cpu_limit(v1, own) == 1 and cgroups.memory_limit(v1, own) == 512 * 2**20

    monkeypatch.setattr(cgroups, "cpu_limit", lambda: 4)
    monkeypatch.setattr(cgroups, "memory_limit", lambda: 1024 * 2**20)
    assert cgroups.workers(per_worker_mb=350, master_mb=25) == 2
    monkeypatch.setattr(cgroups, "memory_limit", lambda: 256 * 2**20)
    assert cgroups.workers(per_worker_mb=350, master_mb=25) == 1
    monkeypatch.setattr(cgroups, "memory_limit", lambda: None)
    assert cgroups.workers(per_worker_mb=350, master_mb=25) == 4
