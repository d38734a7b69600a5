"""Every file of the committed corpus (tests/corpus) gets the right answer through the page, the API and the CLI."""

import io
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from bs4 import BeautifulSoup
from PIL import ExifTags, Image

from hantei.refusals import Refused

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text())
NOT_CORPUS = {"README.md", "make_corpus.py", "expected.toml"}
TOLERANCE = 24  # per channel, mean of a 7x7 box inside a 24-px mark, after two lossy encodings (the second 4:2:0)
CORNERS = {
    "colour": [((16, 16), (220, 30, 30)), ((-16, 16), (30, 170, 40)), ((16, -16), (30, 60, 220))],
    "gray": [((16, 16), (87, 87, 87)), ((-16, 16), (113, 113, 113)), ((16, -16), (69, 69, 69))],
}
# A re-encoded JPEG is made of these segments only: SOI, JFIF APP0, tables, frame, scan. No APP1 (EXIF, XMP),
# APP2 (ICC, MPF), APP13 (Photoshop), APP14 (Adobe) or COM; and no second SOI (an EXIF thumbnail).
CLEAN_JPEG_MARKERS = {0xD8, 0xE0, 0xDB, 0xC4, 0xC0, 0xDD, 0xDA}


def corpus(accepted=None):
    return [name for name, want in sorted(EXPECTED.items()) if accepted is None or (want["status"] == 201) == accepted]


def expected_message(app, code):
    """The refusal message a Japanese visitor (the default) is shown for a refusal code."""
    values = {"megapixels": round(app.config["MAX_PIXELS"] / 1e6)} if code == "too_many_pixels" else {}
    return Refused(code, 0, **values).message("ja")


def jpeg_markers(data):
    """The marker codes of a JPEG's segments up to the start of its scan."""
    markers, at = [], 0
    while True:
        assert data[at] == 0xFF, f"not a segment at byte {at}"
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xD8:
            at += 2
            continue
        if marker == 0xDA:
            return markers
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")


def assert_clean_and_right(stored, name):
    """The stored photo is a metadata-free JPEG of the expected size, upright, with the expected colours."""
    want = EXPECTED[name]
    assert set(jpeg_markers(stored)) <= CLEAN_JPEG_MARKERS and stored.count(b"\xff\xd8") == 1
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert list(image.size) == want["size"]
    assert not image.getexif() and not {"exif", "xmp", "icc_profile", "photoshop", "mp"} & set(image.info)
    width, height = image.size
    checks = CORNERS[want["corners"]] if want["corners"] else []
    checks = checks + [((x, y), tuple(colour)) for x, y, *colour in want.get("patches", [])]
    for (x, y), colour in checks:
        at = (x % width, y % height)
        got = mean_colour(image, at)
        assert max(abs(a - b) for a, b in zip(got, colour)) <= TOLERANCE, f"{name} at {at}: {got}, want {colour}"
    for text in want.get("absent", []):
        assert text.encode("latin-1") not in stored, f"{text!r} survived in the stored photo of {name}"


def mean_colour(image, at, radius=3):
    x, y = at
    box = np.asarray(image.crop((x - radius, y - radius, x + radius + 1, y + radius + 1)), dtype=np.float64)
    return tuple(round(value) for value in box.mean(axis=(0, 1)))


def stored_files(app):
    return app.extensions["hantei.store"].photos.names()


def test_every_corpus_file_has_an_expectation():
    files = {path.name for path in CORPUS.iterdir() if path.is_file()} - NOT_CORPUS
    assert files == set(EXPECTED)
    assert len(corpus(accepted=True)) >= 30 and len(corpus(accepted=False)) >= 12


@pytest.mark.parametrize("name", corpus())
def test_page(app, client, name):
    want = EXPECTED[name]
    response = client.post("/judge", data={"image": (io.BytesIO((CORPUS / name).read_bytes()), name)})
    if want["status"] == 201:
        assert response.status_code == 303, response.data[:300]
        photo = client.get(response.headers["Location"] + "/photo.jpg")
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
        assert_clean_and_right(photo.data, name)
    else:
        assert response.status_code == want["status"]
        alert = BeautifulSoup(response.data, "html.parser").find(id="upload-error")
        assert alert and alert.get_text().strip() == expected_message(app, want["code"])
        assert stored_files(app) == []


@pytest.mark.parametrize("name", corpus())
def test_api(app, client, name):
    want = EXPECTED[name]
    data = {"image": (io.BytesIO((CORPUS / name).read_bytes()), name, "application/octet-stream")}
    response = client.post("/api/v1/judge", data=data)
    assert response.status_code == want["status"], response.json
    if want["status"] == 201:
        body = response.json
        assert [body["image"]["width"], body["image"]["height"]] == want["size"]
        assert 0 <= body["score"] <= 1
        photo = client.get(f"/r/{body['id']}/photo.jpg")
        assert_clean_and_right(photo.data, name)
    else:
        assert response.json["error"] == {"code": want["code"], "message": expected_message(app, want["code"])}
        assert stored_files(app) == []


@pytest.mark.parametrize("name", corpus())
def test_cli(app, runner, name, monkeypatch):
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    want = EXPECTED[name]
    result = runner.invoke(args=["judge", "--json", str(CORPUS / name)])
    if want["status"] == 201:
        assert result.exit_code == 0, result.output
        line = json.loads(result.stdout)
        assert [line["image"]["width"], line["image"]["height"]] == want["size"]
        assert 0 <= line["score"] <= 1
    else:
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.strip() == f"{CORPUS / name}: {expected_message(app, want['code'])}"


@pytest.mark.parametrize("name", ["gps_iphone.jpg", "gps_exif_xmp.png", "gps_iphone.heic", "gps_exif_xmp.webp"])
def test_phone_photo_with_gps_is_stored_and_served_without_any_metadata(client, name):
    source = (CORPUS / name).read_bytes()
    exif = Image.open(io.BytesIO(source)).getexif()
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (35.0, 40.0, 52.0)
    assert ExifTags.Base.MakerNote in exif.get_ifd(ExifTags.IFD.Exif)
    assert b"exif:GPSLatitude" in source  # the XMP packet carries the position too
    if name.endswith(".jpg"):
        assert exif.get_ifd(ExifTags.IFD.IFD1)[ExifTags.Base.JpegIFByteCount] > 0  # and an EXIF thumbnail
    page = client.post("/judge", data={"image": (io.BytesIO(source), name)})
    api = client.post("/api/v1/judge", data={"image": (io.BytesIO(source), name)})
    for url in [page.headers["Location"] + "/photo.jpg", api.json["url"] + "/photo.jpg"]:
        served = client.get(url).data
        assert set(jpeg_markers(served)) <= CLEAN_JPEG_MARKERS and served.count(b"\xff\xd8") == 1
        for trace in [b"GPS", b"35,40", b"Apple", b"iPhone", b"http://ns.adobe.com", b"Exif", b"Chiyoda"]:
            assert trace not in served
