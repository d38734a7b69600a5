"""The app served by a real gunicorn with deploy/gunicorn.conf.py: upload a photo over HTTP, get its page."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "HANTEI_DATA_DIR": str(tmp_path_factory.mktemp("data")),
           "HANTEI_BIND": f"127.0.0.1:{port}", "HANTEI_WORKERS": "2"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "-c", "deploy/gunicorn.conf.py", "app:app"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(url + "/", timeout=1)
            break
        except (requests.ConnectionError, requests.Timeout):  # a booting worker answers late
            if process.poll() is not None:
                pytest.fail("gunicorn exited:\n" + process.stdout.read())
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=30)


def test_upload_page_and_result_through_gunicorn(server, astronaut_jpeg):
    session = requests.Session()
    upload_page = BeautifulSoup(session.get(server + "/").text, "html.parser")
    assert "写真を撮る・選ぶ" in upload_page.get_text()
    token = upload_page.find("input", attrs={"name": "csrf_token"})["value"]
    response = session.post(server + "/judge", data={"csrf_token": token},
                            files={"image": ("IMG_0001.JPG", astronaut_jpeg, "image/jpeg")})
    assert response.status_code == 200 and response.history[0].status_code == 303
    page = BeautifulSoup(response.text, "html.parser")
    assert page.find(id="verdict").get_text(strip=True) == "健全"
    assert page.select("svg.regions g")
    photo = session.get(response.url + "/photo.jpg")
    assert photo.headers["Content-Type"] == "image/jpeg" and photo.content[:3] == b"\xff\xd8\xff"


def test_api_through_gunicorn_on_both_workers(server, astronaut_jpeg):
    answers = [requests.post(server + "/api/v1/judge", files={"image": ("a.jpg", astronaut_jpeg)}) for _ in range(4)]
    assert [a.status_code for a in answers] == [201] * 4
    assert all(a.json()["url"].startswith(server + "/r/") for a in answers)
    assert all(requests.get(a.json()["url"]).status_code == 200 for a in answers)


def test_static_assets_are_served_locally(server):
    page = BeautifulSoup(requests.get(server + "/").text, "html.parser")
    for tag in page.find_all(["link", "script"]):
        href = tag.get("href") or tag.get("src")
        if href:
            assert href.startswith("/") and requests.get(server + href).status_code == 200
