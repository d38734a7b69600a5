"""The JSON API answers with the documented result, and with JSON errors that a person can read."""

import io

import pytest

from tests.helpers import FACES
from tests.photos import encoded, rgb, upload


def post(client, data, **form):
    return upload(client, data, path="/api/v1/judge", **form)


@pytest.mark.stores
def test_judge_answers_the_documented_json(client, astronaut_jpeg):
    response = post(client, astronaut_jpeg)
    assert response.status_code == 201
    body = response.json
    assert set(body) == {"id", "url", "judge", "kind", "score", "verdict", "sensitive", "labels", "regions",
                         "image", "timings_ms", "created_at", "expires_at", "delete_url"}
    assert body["judge"] == "keshikaran" and body["kind"] == "score"
    assert 0 <= body["score"] < 0.15 and body["verdict"] == {"ja": "健全", "en": "Wholesome"}
    assert body["sensitive"] is False
    assert body["labels"] == [{"label": "keshikaran", "score": body["score"]}]
    (face,) = body["regions"]
    assert face["label"] == "FACE_FEMALE" and len(face["box"]) == 4 and 0.5 < face["score"] <= 1
    assert body["image"] == {"width": 512, "height": 512, "kept": True}
    assert set(body["timings_ms"]) == {"intake", "detect", "classify", "total"}
    assert body["url"] == f"http://localhost/r/{body['id']}" == response.headers["Location"]
    assert client.get(body["url"]).status_code == 200


@pytest.mark.stores
def test_delete_url_deletes(client, astronaut_jpeg):
    body = post(client, astronaut_jpeg).json
    assert client.post(body["delete_url"], headers={"Accept": "application/json"}).json == {"deleted": body["id"]}
    assert client.get(body["url"]).status_code == 410


@pytest.mark.stores
def test_public_url_is_used_for_links(app, client, astronaut_jpeg):
    app.config["PUBLIC_URL"] = "https://hantei.example"
    body = post(client, astronaut_jpeg).json
    assert body["url"].startswith("https://hantei.example/r/")
    assert body["delete_url"].startswith("https://hantei.example/r/")


def test_errors_are_json_in_the_callers_language(client):
    response = post(client, b"GIF89a broken")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "corrupt" and "壊れている" in response.json["error"]["message"]
    response = client.post("/api/v1/judge", data={"image": (io.BytesIO(b"text"), "a.txt")},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 415 and "not a photo" in response.json["error"]["message"]


def test_missing_image_and_unknown_judge(client, astronaut_jpeg):
    assert client.post("/api/v1/judge").json["error"]["code"] == "no_file"
    response = post(client, astronaut_jpeg, judge="nope")
    assert response.status_code == 400 and response.json["error"]["code"] == "unknown_judge"


def test_too_large_is_json_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = post(client, encoded(rgb("coffee"), "PNG"))
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"


def test_a_fresh_install_judges_faces_by_default(tmp_path):
    """On its embedded defaults (no DEFAULT_JUDGE given), hantei answers every face with an age."""
    from hantei import create_app

    app = create_app({"TESTING": True, "DATA_DIR": tmp_path})
    client = app.test_client()
    assert client.get("/api/v1/judges").json["default"] == "age"
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO((FACES / "group_of_three.jpg").read_bytes()),
                                                          "g.jpg")}).json
    assert answer["judge"] == "age" and len(answer["regions"]) == 3
    assert all(10 < region["value"] < 100 and region["verdict"]["ja"].endswith("歳") for region in answer["regions"])


def test_judges_are_listed(client):
    body = client.get("/api/v1/judges").json
    assert body["default"] == "keshikaran"
    judges = {entry["id"]: entry for entry in body["judges"]}
    assert {"age", "keshikaran", "kinds"} <= set(judges)  # judges a fresh install serves
    assert judges["age"]["per_face"] and judges["age"]["kind"] == "number" and not judges["keshikaran"]["per_face"]
    judge = judges["keshikaran"]
    assert judge["title"]["ja"] == "けしからん判定"
    assert judge["license"]["ja"].startswith("AGPL-3.0") and judge["license"]["en"].startswith("AGPL-3.0")
