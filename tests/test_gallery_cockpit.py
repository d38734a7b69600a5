"""Look-alike judges made in the cockpit (cockpit/galleries.py): the draft is the folder `flask gallery build` reads,
built by the same code; bad input gets a 4xx in the visitor's language; a try keeps nothing; publishing serves it in
every process without a restart, with the label's picture beside its matches."""

import io
import json
import tomllib

import numpy as np
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from PIL import Image

from hantei.cockpit import galleries
from hantei.cli.gallery import gallery_build
from hantei.judges import gallery
from hantei.judges.registry import Judges
from hantei.share import cards
from tests.helpers import FACES
from tests.photos import upload

GALLERY = FACES.parent / "gallery"
PASSWORD = "correct horse battery"


def photos(*paths):
    return {"photos": [(io.BytesIO(path.read_bytes() if hasattr(path, "read_bytes") else path), getattr(
        path, "name", "file.bin")) for path in paths]}


@pytest.fixture
def models(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    return folder


@pytest.fixture
def admin(make_app, models):
    app = make_app(MODELS_DIR=models, DEFAULT_JUDGE="look")
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    assert app.test_cli_runner().invoke(args=["admin", "set-password"], input=typed).exit_code == 0
    client = app.test_client()
    assert client.post("/admin/login", data={"password": PASSWORD}).status_code == 303
    return app, client


def draft(client, judge_id="look"):
    assert client.post("/admin/galleries", data={"id": judge_id, "title_ja": "そっくりさん",
                                                 "title_en": "Look-alike"}).status_code == 303
    for key, ja, en in (("obama", "バラク・オバマ", "Barack Obama"), ("hopper", "グレース・ホッパー", "Grace Hopper")):
        assert client.post(f"/admin/galleries/{judge_id}/labels",
                           data={"key": key, "name_ja": ja, "name_en": en}).status_code == 303


def add(client, label, *paths, judge_id="look", **headers):
    return client.post(f"/admin/galleries/{judge_id}/labels/{label}/photos", data=photos(*paths),
                       content_type="multipart/form-data", headers=headers)


def test_the_cockpit_needs_a_login(make_app, models):
    app = make_app(MODELS_DIR=models)
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    assert app.test_cli_runner().invoke(args=["admin", "set-password"], input=typed).exit_code == 0
    stranger = app.test_client()
    assert stranger.get("/admin/galleries").status_code == 303
    assert stranger.post("/admin/galleries", data={"id": "x", "title_ja": "x", "title_en": "x"}).status_code == 403
    assert not (models / ".candidates").exists()


def test_a_draft_is_the_folder_flask_gallery_build_reads_and_agrees_with(admin, models):
    _, client = admin
    draft(client)
    assert add(client, "obama", GALLERY / "obama.jpg", GALLERY / "obama2.jpg").status_code == 303
    assert add(client, "hopper", FACES / "grace_hopper.jpg").status_code == 303
    folder = models / ".candidates" / "look"
    manifest = tomllib.loads((folder / "judge.toml").read_text(encoding="utf-8"))
    assert manifest["kind"] == "gallery" and manifest["gallery"]["threshold"] == gallery.THRESHOLD
    assert manifest["gallery"]["labels"]["obama"] == {"ja": "バラク・オバマ", "en": "Barack Obama"}
    stored = sorted(path.name for path in (folder / "gallery" / "obama").iterdir())
    assert len(stored) == 2 and all(name.endswith(".jpg") for name in stored)
    index = json.loads((folder / gallery.INDEX).read_text())
    assert [entry["label"] for entry in index["references"]] == ["obama", "obama", "hopper"]
    # the CLI finds nothing left to do: the cockpit built exactly what it would
    result = app_runner_build(folder)
    assert "0 described, 3 kept, 0 dropped, 0 left out" in result
    # a reference photo is stored without its metadata, upright, as intake decoded it
    assert not Image.open(folder / "gallery" / "obama" / stored[0]).getexif()


def app_runner_build(folder):
    result = CliRunner().invoke(gallery_build, [str(folder)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("form, reason, status", [
    ({"id": "../etc", "title_ja": "t", "title_en": "t"}, "bad_judge_id", 400),
    ({"id": "Big", "title_ja": "t", "title_en": "t"}, "bad_judge_id", 400),
    ({"id": "x" * 41, "title_ja": "t", "title_en": "t"}, "bad_judge_id", 400),
    ({"id": "ok", "title_ja": "", "title_en": "t"}, "names_needed", 400),
    ({"id": "ok", "title_ja": "t" * 61, "title_en": "t"}, "names_needed", 400),
    ({"id": "ok", "title_ja": "t", "title_en": "t", "threshold": "0.9"}, "bad_threshold", 400),
    ({"id": "ok", "title_ja": "t", "title_en": "t", "threshold": "nan"}, "bad_threshold", 400),
])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_bad_new_judge_is_refused_in_the_visitors_language(admin, models, form, reason, status, language):
    _, client = admin
    response = client.post("/admin/galleries", data=form, headers={"Accept-Language": language})
    assert response.status_code == status
    expected = galleries.Refused(reason, status, characters=60, low=gallery.FLOOR, high=gallery.CEILING)
    assert expected.message(language).split("%")[0][:12] in BeautifulSoup(response.text, "html.parser").get_text()
    assert not (models / ".candidates").exists() and not (models / "etc").exists()


def test_a_taken_id_label_traversal_and_unknown_drafts_are_4xx(admin, models):
    _, client = admin
    draft(client)
    assert client.post("/admin/galleries", data={"id": "look", "title_ja": "t", "title_en": "t"}).status_code == 409
    for key in ("../../evil", ".", "a/b", "Obama", ""):
        response = client.post("/admin/galleries/look/labels", data={"key": key, "name_ja": "a", "name_en": "b"},
                               headers={"Accept-Language": "en"})
        assert response.status_code == 400 and "small letters" in response.text, key
    assert client.post("/admin/galleries/look/labels", data={"key": "obama", "name_ja": "a",
                                                             "name_en": "b"}).status_code == 409
    assert add(client, "nobody", GALLERY / "obama.jpg").status_code == 404
    assert add(client, "..", GALLERY / "obama.jpg").status_code in (404, 405)
    assert client.get("/admin/galleries/nothing").status_code == 404
    assert client.get("/admin/galleries/look/labels/obama/..%2Fjudge.toml").status_code == 404
    assert client.get("/admin/galleries/look/labels/obama/judge.toml").status_code == 404
    assert client.post("/admin/galleries/look/labels/obama/x.jpg/faces", data={"face": "1"}).status_code == 404
    assert sorted(p.name for p in (models / ".candidates" / "look" / "gallery").iterdir()) == ["hopper", "obama"]


def test_photos_without_a_face_or_that_are_no_photos_are_named_and_not_kept(admin, models):
    _, client = admin
    draft(client)
    response = add(client, "obama", FACES / "brick.jpg", b"not a photo", GALLERY / "obama.jpg",
                   **{"Accept-Language": "en"})
    assert response.status_code == 400
    assert "brick.jpg: No face was found" in response.text and "file.bin: This file is not a photo" in response.text
    assert len(list((models / ".candidates" / "look" / "gallery" / "obama").iterdir())) == 1  # obama.jpg alone
    ja = add(client, "obama", FACES / "brick.jpg", **{"Accept-Language": "ja"})
    assert ja.status_code == 400 and "顔" in ja.text
    assert add(client, "obama", *[GALLERY / "obama.jpg"] * (galleries.AT_ONCE + 1)).status_code == 400
    empty = client.post("/admin/galleries/look/labels/obama/photos", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400


def test_a_huge_upload_is_a_413(make_app, models):
    app = make_app(MODELS_DIR=models, MAX_CONTENT_LENGTH=200_000)
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    assert app.test_cli_runner().invoke(args=["admin", "set-password"], input=typed).exit_code == 0
    client = app.test_client()
    client.post("/admin/login", data={"password": PASSWORD})
    draft(client)
    app.config["WTF_CSRF_ENABLED"] = True  # as served: the guard reads the form for its token
    response = add(client, "obama", b"\xff" * 300_000, **{"Accept-Language": "en"})
    assert response.status_code == 413 and "too big" in response.text and "Barack Obama" in response.text
    response = client.post("/admin/galleries/look/try", data={"image": (io.BytesIO(b"\xff" * 300_000), "x.jpg")},
                           headers={"Accept-Language": "ja"})
    assert response.status_code == 413 and "大きすぎ" in response.text
    assert add(client, "obama", GALLERY / "obama.jpg").status_code == 400  # no token: refused, not kept
    assert not list((models / ".candidates" / "look" / "gallery" / "obama").iterdir())


def test_picking_the_right_face_of_a_group_cuts_the_photo_down_to_it(admin, models):
    _, client = admin
    draft(client)
    assert add(client, "hopper", FACES / "group_of_three.jpg").status_code == 303
    folder = models / ".candidates" / "look"
    (name,) = [p.name for p in (folder / "gallery" / "hopper").iterdir()]
    page = client.get(f"/admin/galleries/look/labels/hopper/{name}/faces")
    size, boxes = galleries.faces(models, "look", "hopper", name)
    assert page.status_code == 200 and page.text.count("data-face=") == len(boxes) == 3
    largest = max(range(3), key=lambda i: boxes[i][2] * boxes[i][3])
    chosen = next(i for i in range(3) if i != largest)  # the build took the largest: the operator wants another
    assert client.post(f"/admin/galleries/look/labels/hopper/{name}/faces",
                       data={"face": str(chosen + 1)}).status_code == 303
    (picked,) = [p.name for p in (folder / "gallery" / "hopper").iterdir()]
    assert picked != name
    (entry,) = json.loads((folder / gallery.INDEX).read_text())["references"]
    image = Image.open(folder / "gallery" / "hopper" / picked)
    assert image.width < size[0] and entry["box"][2] == pytest.approx(boxes[chosen][2], rel=0.25)
    assert client.post(f"/admin/galleries/look/labels/hopper/{picked}/faces", data={"face": "9"}).status_code == 400


def test_a_try_keeps_neither_the_photo_nor_its_descriptor(admin, models):
    app, client = admin
    draft(client)
    assert client.post("/admin/galleries/look/try", data={"image": (io.BytesIO(
        (GALLERY / "obama3.jpg").read_bytes()), "t.jpg")}).status_code == 409  # no photos yet: it cannot judge
    add(client, "obama", GALLERY / "obama.jpg", GALLERY / "obama2.jpg")
    add(client, "hopper", FACES / "grace_hopper.jpg")
    folder = models / ".candidates" / "look"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    data = app.config["DATA_DIR"]
    stored = sorted(p for p in data.rglob("*") if p.is_file() and "hantei.sqlite" not in p.name)
    response = client.post("/admin/galleries/look/try", data={"image": (io.BytesIO(
        (GALLERY / "obama3.jpg").read_bytes()), "t.jpg")}, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "Barack Obama" in response.text and "data-tried-face" in response.text
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert sorted(p for p in data.rglob("*") if p.is_file() and "hantei.sqlite" not in p.name) == stored
    with np.load(folder / gallery.DESCRIPTORS) as vectors:
        assert len(vectors["descriptors"]) == 3
    assert client.post("/admin/galleries/look/try", data={"image": (io.BytesIO(b"GIF89a"), "x.gif")},
                       headers={"Accept-Language": "ja"}).status_code == 400


def test_publishing_serves_it_in_every_process_and_shows_the_label_picture(admin, models):
    app, client = admin
    other = Judges(models, "look")  # another worker, which read the models folder before the judge existed
    assert "look" not in other.loaded
    draft(client)
    assert client.post("/admin/galleries/look/publish").status_code == 409  # labels without photos
    add(client, "obama", GALLERY / "obama.jpg", GALLERY / "obama2.jpg")
    add(client, "hopper", FACES / "grace_hopper.jpg")
    name = sorted((models / ".candidates" / "look" / "gallery" / "obama").iterdir())[0].name
    assert client.post("/admin/galleries/look/labels/obama/image", data={"name": name, "card": "1"}).status_code == 303
    assert client.post("/admin/galleries/look/publish").status_code == 303
    assert (models / "look" / "judge.toml").is_file() and not (models / ".candidates" / "look").exists()
    assert "look" in other.loaded and other.loaded["look"].describe()["references"] == 3
    served = {j["id"]: j for j in client.get("/api/v1/judges").json["judges"]}
    assert served["look"]["per_face"]
    result = upload(client, (GALLERY / "obama3.jpg").read_bytes(), judge="look").headers["Location"]
    page = client.get(result, headers={"Accept-Language": "en"}).text
    card = client.get(result + "/card.jpg")
    assert card.status_code == 200 and Image.open(io.BytesIO(card.data)).size == (cards.WIDTH, cards.HEIGHT)
    assert "Barack Obama" in page and 'class="face-picture"' in page
    picture = page.split('class="face-picture" src="', 1)[1].split('"', 1)[0]
    assert client.get(picture.replace("http://localhost", "")).data == \
        (models / "look" / "gallery" / "obama" / name).read_bytes()
    nobody = client.get(upload(client, (FACES / "camera.jpg").read_bytes(), judge="look").headers["Location"]).text
    assert "似ている人はいません" in nobody and "face-picture" not in nobody
    assert client.get("/judges/look/labels/hopper.jpg").status_code == 404  # no picture shown for hopper

    # a second version: edit a copy, add a photo, publish; the first is retired, every process serves the second
    assert client.post("/admin/galleries/look/edit").status_code == 303
    add(client, "obama", GALLERY / "obama3.jpg")
    assert client.post("/admin/galleries/look/publish").status_code == 303
    assert other.loaded["look"].describe()["references"] == 4 and other.loaded["look"].spec.version == "2"
    assert len(list((models / ".retired").iterdir())) == 1


def test_judge_toml_is_written_as_it_reads(tmp_path):
    data = {"id": "x", "version": "2", "title": {"ja": "「題」\\n", "en": 'say "hi"'}, "kind": "gallery",
            "dare": {"ja": "あ", "en": "b"}, "verdict": {"no_match": {"ja": "い", "en": "n"}},
            "gallery": {"threshold": 0.6, "labels": {"a-b": {"ja": "あ", "en": "A", "image": "gallery/a-b/1.jpg",
                                                             "card": True}}}}
    galleries._write_toml(tmp_path, data)
    assert tomllib.loads((tmp_path / "judge.toml").read_text(encoding="utf-8")) == data


def test_removing_a_photo_or_label_rebuilds(admin, models):
    _, client = admin
    draft(client)
    add(client, "obama", GALLERY / "obama.jpg", GALLERY / "obama2.jpg")
    folder = models / ".candidates" / "look"
    name = sorted((folder / "gallery" / "obama").iterdir())[0].name
    assert client.post(f"/admin/galleries/look/labels/obama/{name}/remove").status_code == 303
    assert len(json.loads((folder / gallery.INDEX).read_text())["references"]) == 1
    assert client.post("/admin/galleries/look/labels/obama/remove").status_code == 303
    assert not (folder / "gallery" / "obama").exists()
    assert "obama" not in tomllib.loads((folder / "judge.toml").read_text())["gallery"]["labels"]
    assert client.post("/admin/galleries/look/discard").status_code == 303 and not folder.exists()


def test_a_card_shows_the_label_picture_beside_the_face_when_allowed():
    photo = Image.open(GALLERY / "obama3.jpg").convert("RGB")
    text = cards.CardText(judge="そっくりさん", verdict="バラク・オバマ", score=0.8, score_label="似てる度 80%",
                          site="hantei",
                          faces=(((120.0, 60.0, 110.0, 150.0), "バラク・オバマ 80%"),))
    plain = np.asarray(Image.open(io.BytesIO(cards.render(text, photo))), dtype=np.int16)
    pictured = np.asarray(Image.open(io.BytesIO(cards.render(
        cards.CardText(**{**text.__dict__, "pictures": (str(GALLERY / "obama.jpg"),)}), photo))), dtype=np.int16)
    changed = np.abs(plain - pictured).max(axis=2) > 40
    assert changed.sum() > 2000  # a badge of the picture, tens of pixels across
    assert not changed[:, cards.PHOTO_WIDTH + 10:].any()  # on the photo's side, not over the words
