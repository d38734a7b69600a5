"""The app served by a real gunicorn with deploy/gunicorn.conf.py: upload a photo over HTTP, get its page."""

import pytest
import requests
from bs4 import BeautifulSoup

from tests.servers import Gunicorn


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = Gunicorn(tmp_path_factory.mktemp("data"), workers=2)
    yield app.url
    app.stop()


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
    assert page.select(".photo-wrap [data-stamp]")  # the verdict stamped on the photo (the face alone weighs 0)
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
        if href:  # the instance's own files (a canonical link may name the page itself in full)
            href = href[len(server):] if href.startswith(server + "/") else href
            assert href.startswith("/") and requests.get(server + href).status_code == 200
