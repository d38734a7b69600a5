"""deploy/Dockerfile and deploy/compose.yaml run for real under rootful podman, with no registry (the official
images they name are stood in for by local builds from Debian: tests/container/setup.sh). The image alone judges a
photo; compose's two app servers, behind nginx on the host as the README says, share results, photos and cards, and
give each visitor a rate limit of their own. Run by `make test-container` (root), not by `make test`."""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.servers import ROOT, Nginx, free_port, wait_for
from tests.helpers import client_from

pytestmark = [pytest.mark.container,
              pytest.mark.skipif(os.geteuid() != 0, reason="rootful podman: the container test needs root")]

IMAGE = "localhost/hantei:container-test"
PROJECT = "hanteict"
COMPOSE = ["podman-compose", "-p", PROJECT, "-f", str(ROOT / "deploy" / "compose.yaml")]
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"  # pip inside the build trusts what the host trusts
FIGURES = ROOT / "artifacts" / "container-figures.json"
ENV = {**os.environ, "CONTAINERS_CONF": str(ROOT / "tests" / "container" / "containers.conf"),
       "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
figures = {}


def podman(*args, check=True, timeout=600):
    result = subprocess.run(["podman", *args], env=ENV, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {result.stdout[-2000:]} {result.stderr[-2000:]}")
    return result


def record(**measured):
    figures.update(measured)
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n")


def ready(url):
    try:
        return requests.get(url + "/healthz/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def healthy(name):
    """The container's own healthcheck, run now (podman 4.3 without systemd runs none by itself)."""
    return podman("healthcheck", "run", name, check=False, timeout=60).returncode == 0


@pytest.fixture(scope="module")
def image():
    """The stand-ins, then deploy/Dockerfile built as it is (the layer cache makes a rerun fast)."""
    started = time.monotonic()
    subprocess.run(["bash", str(ROOT / "tests" / "container" / "setup.sh")], env=ENV, check=True, timeout=1200)
    record(setup_seconds=round(time.monotonic() - started))
    operators = ROOT / "models" / "kleamp1e-nsfw"  # as `flask install-model` leaves it: it must stay out
    planted = not operators.exists()
    if planted:
        operators.mkdir()
        (operators / "judge.toml").write_text("# planted by tests/test_container.py: must not reach the image\n")
    started = time.monotonic()
    try:
        podman("build", "--format", "docker", "-f", "deploy/Dockerfile", "-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro",
               "-t", IMAGE, str(ROOT), timeout=1800)
    finally:
        if planted:
            shutil.rmtree(operators)
    size = int(podman("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout)
    base = int(podman("image", "inspect", "--format", "{{.Size}}", "python:3.11-slim-bookworm").stdout)
    layers = podman("history", "--format", "{{.Size}}\t{{.CreatedBy}}", IMAGE).stdout
    record(build_seconds=round(time.monotonic() - started), image_mb=round(size / 1e6),
           base_image_mb=round(base / 1e6), app_layers_mb=round((size - base) / 1e6),
           layers=[line for line in layers.splitlines() if not line.startswith(("0B", "0 B"))][:4])
    return IMAGE


def test_the_image_alone_judges_a_photo(image, astronaut_jpeg):
    port = free_port()
    name = "hanteict-alone"
    podman("rm", "-f", "-v", name, check=False)
    started = time.monotonic()
    podman("run", "-d", "--name", name, "--cpus", "1", "--memory", "1g", "-p", f"127.0.0.1:{port}:8000",
           "-e", f"HANTEI_SECRET_KEY={secrets.token_hex(16)}", image)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: ready(url), "the container", seconds=180)
        record(ready_alone_seconds=round(time.monotonic() - started, 1))
        answer = requests.post(url + "/api/v1/judge", files={"image": ("astronaut.jpg", astronaut_jpeg)}, timeout=60)
        assert answer.status_code == 201, answer.text
        result = answer.json()
        assert result["judge"] == "age" and len(result["regions"]) == 1  # the default judge: an age for the face
        assert 10 < result["regions"][0]["value"] < 90
        page = requests.get(f"{url}/r/{result['id']}", timeout=30)
        assert page.status_code == 200 and result["id"] in page.text
        photo = requests.get(f"{url}/r/{result['id']}/photo.jpg", timeout=30)
        assert photo.status_code == 200 and photo.content[:3] == b"\xff\xd8\xff"
        assert healthy(name)

        logs = podman("logs", name).stdout + podman("logs", name).stderr
        assert logs.count("Booting worker") == 1, logs  # one core of quota: one worker, not one per host core
        assert "with no proxy in front (HANTEI_PROXY_FIX=0)" in logs  # alone on 0.0.0.0: the operator is told
        shipped = set(podman("exec", name, "ls", "-A", "/app").stdout.split())
        assert shipped == {"app.py", "LICENSE", "requirements.txt", "deploy", "hantei", "templates", "static",
                           "models"}, shipped
        shipped_judges = sorted(line.split("/", 1)[1] for line in (ROOT / ".dockerignore").read_text().split()
                                if line.startswith("!models/"))
        assert {"age", "keshikaran", "kinds"} <= set(shipped_judges)
        assert podman("exec", name, "ls", "/app/models").stdout.split() == shipped_judges
        assert podman("exec", name, "ls", "/app/deploy").stdout.split() == ["gunicorn.conf.py"]
        caches = podman("exec", name, "find", "/app", "-name", "__pycache__", "-o", "-name", "node_modules").stdout
        assert caches.strip() == ""
    finally:
        podman("rm", "-f", "-v", name, check=False)


class Port:
    def __init__(self, port):
        self.port = port


def container(service):
    """The name podman-compose gave a service's container."""
    return podman("ps", "-a", "--filter", f"label=io.podman.compose.project={PROJECT}", "--filter",
                  f"label=com.docker.compose.service={service}", "--format", "{{.Names}}").stdout.split()[0]


def compose(*args, env, timeout=600):
    result = subprocess.run([*COMPOSE, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def down(env):
    """Every container, network and volume of the project gone (the image's /data volumes too)."""
    names = podman("ps", "-a", "--filter", f"label=io.podman.compose.project={PROJECT}", "--format", "{{.Names}}",
                   check=False).stdout.split()
    if names:
        podman("rm", "-f", "-v", "-t", "5", *names, check=False)
    subprocess.run([*COMPOSE, "down", "-v", "-t", "5"], env=env, capture_output=True, text=True, timeout=300,
                   cwd=ROOT)
    for kind, pattern in (("pod", f"pod_{PROJECT}"), ("network", f"{PROJECT}_default")):
        podman(kind, "rm", "-f", pattern, check=False)
    for volume in ("db", "objects"):
        podman("volume", "rm", "-f", f"{PROJECT}_{volume}", check=False)


@pytest.fixture(scope="module")
def stack(image):
    """compose.yaml brought up in the order its depends_on says, each step once its healthcheck passes (podman 4.3
    without systemd runs no healthcheck by itself), with the deploy kit's nginx on the host in front."""
    ports = free_port(), free_port()
    env = {**ENV, "HANTEI_IMAGE": image, "HANTEI_SECRET_KEY": secrets.token_hex(32),
           "HANTEI_APP1_PORT": str(ports[0]), "HANTEI_APP2_PORT": str(ports[1])}
    env.pop("HANTEI_PUBLIC_URL", None)
    down(env)
    started = time.monotonic()
    try:
        compose("up", "-d", "--no-deps", "db", "redis", "seaweedfs", env=env)
        for service in ("db", "redis", "seaweedfs"):
            name = container(service)
            wait_for(lambda name=name: healthy(name), f"{service}'s healthcheck", seconds=180)
        compose("up", "-d", "--no-deps", "bucket", env=env)
        exit_code = podman("wait", container("bucket"), timeout=240).stdout.strip()
        assert exit_code == "0", podman("logs", container("bucket")).stderr
        services_ready = time.monotonic()
        compose("up", "-d", "--no-deps", "app1", "app2", env=env)
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for service, url in zip(("app1", "app2"), urls):
            wait_for(lambda url=url: ready(url), service, seconds=180)
            assert healthy(container(service))
        record(compose_services_ready_seconds=round(services_ready - started, 1),
               compose_apps_ready_seconds=round(time.monotonic() - services_ready, 1))
        proxy = Nginx(Port(ports[0]), Port(ports[1]))
        try:
            yield {"app1": urls[0], "app2": urls[1], "proxy": proxy.url}
        finally:
            proxy.stop()
    except BaseException:
        for service in ("db", "redis", "seaweedfs", "bucket", "app1", "app2"):
            try:
                name = container(service)
            except IndexError:
                continue
            logs = podman("logs", "--tail", "30", name, check=False)
            print(f"--- {service} ---\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}")
        raise
    finally:
        down(env)


def test_compose_servers_share_results_photos_and_cards(stack, astronaut_jpeg):
    """Uploaded through one app server, read back through the other and through nginx."""
    answer = requests.post(stack["app1"] + "/api/v1/judge", files={"image": ("astronaut.jpg", astronaut_jpeg)},
                           timeout=60)
    assert answer.status_code == 201, answer.text
    result = answer.json()["id"]
    seen = {}
    for where in ("app2", "proxy", "app1"):
        page = requests.get(f"{stack[where]}/r/{result}", timeout=30)
        assert page.status_code == 200 and result in page.text, where
        photo = requests.get(f"{stack[where]}/r/{result}/photo.jpg", timeout=30)
        card = requests.get(f"{stack[where]}/r/{result}/card.jpg", timeout=60)
        assert photo.status_code == 200 and card.status_code == 200, where
        assert photo.content[:3] == card.content[:3] == b"\xff\xd8\xff"
        seen[where] = photo.content, card.content
    assert seen["app2"] == seen["proxy"] == seen["app1"]  # the same objects from the bucket, whichever server


def test_compose_gives_each_visitor_behind_nginx_a_rate_limit_of_their_own(stack, astronaut_jpeg):
    """Two clients through nginx count against two buckets (shared by both servers through Redis); before, every
    visitor was the container network's gateway and the whole site shared 30 uploads a minute."""
    def remaining(session):
        answer = session.post(stack["proxy"] + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)},
                              data={"keep": "0"}, timeout=60)
        assert answer.status_code == 201, answer.text
        return int(answer.headers["X-RateLimit-Remaining"])

    first, second = client_from("127.0.0.2"), client_from("127.0.0.3")
    a1, a2, a3 = remaining(first), remaining(first), remaining(first)  # nginx spreads these over both servers
    b1 = remaining(second)
    assert a2 == a1 - 1 and a3 == a1 - 2
    assert b1 == a1  # a fresh bucket of its own


def test_compose_app_servers_size_their_workers_from_their_limits(stack):
    for service in ("app1", "app2"):
        logs = podman("logs", container(service))
        text = logs.stdout + logs.stderr
        assert text.count("Booting worker") == 1, text  # one core each (compose's cpus), not the host's cores
        assert "no proxy in front" not in text  # HANTEI_PROXY_FIX=1: nginx on the host
