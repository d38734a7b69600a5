"""Mutated real image bytes never break intake: only Refused, never a 500, never a record of a refused upload."""

import io
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from hantei.intake import Limits, Photo, read_photo
from hantei.refusals import Refused
from tests.helpers import build_app
from tests.photos import encoded, gps_exif, rgb

# Pillow warns about the damage it reads past; that is expected here by the thousand.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::PIL.Image.DecompressionBombWarning")
LIMITS = Limits(max_pixels=4_000_000, long_side=512)  # keeps a mutated header's claims cheap to try


def _seeds():
    """Small real photos in every accepted format; the JPEG carries EXIF (orientation, GPS) to be mangled too."""
    photo = rgb("chelsea").resize((96, 64))
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = 6
    return [
        encoded(photo, "JPEG", quality=80, exif=exif),
        encoded(photo, "JPEG", quality=80, progressive=True),
        encoded(photo.convert("CMYK"), "JPEG", quality=80),
        encoded(photo, "PNG"),
        encoded(photo.convert("RGBA").quantize(32), "PNG"),
        encoded(photo, "GIF", save_all=True, append_images=[photo.rotate(90)]),
        encoded(photo, "WEBP", quality=70),
        encoded(photo, "BMP"),
        encoded(photo, "TIFF", compression="tiff_lzw", exif=exif),
        encoded(photo, "HEIF", quality=60),
        encoded(photo, "AVIF", quality=60),
    ]


SEEDS = _seeds()


@st.composite
def mutated_images(draw):
    """A seed image hit by one to four mutations: bit flips, byte changes, truncation, splices, header tweaks."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "byte", "header", "truncate", "splice", "repeat", "delete"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, draw(st.integers(0, 255))]))
        elif kind == "header":  # sizes, counts and lengths live in the first bytes of every format
            at = draw(st.integers(0, min(63, len(data) - 1)))
            data[at:at + 2] = draw(st.sampled_from([b"\xff\xff", b"\x00\x00", b"\x7f\xff", b"\x00\x01"]))
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":  # a piece of another image dropped in
            other = draw(st.sampled_from(SEEDS))
            start = draw(st.integers(0, len(other) - 1))
            data[at:at] = other[start:start + draw(st.integers(1, 512))]
        elif kind == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 256))] * draw(st.integers(1, 8))
        else:
            del data[at:at + draw(st.integers(1, 64))]
    return bytes(data)


SCALE = float(os.environ.get("HANTEI_FUZZ_SCALE", "1"))  # e.g. 20 for a long hunt on a quiet machine
FUZZ = settings(deadline=None, derandomize=bool(os.environ.get("CI")), suppress_health_check=[HealthCheck.too_slow])


@settings(FUZZ, max_examples=int(1500 * SCALE))
@given(data=mutated_images())
def test_intake_answers_a_photo_or_a_reason(data):
    try:
        photo = read_photo(data, LIMITS)
    except Refused as rejected:
        assert (rejected.code, rejected.status) in {
            ("empty", 400), ("corrupt", 400), ("unsupported", 415), ("too_many_pixels", 422), ("too_small", 422),
            ("over_budget", 422), ("too_slow", 422),
        }
        return
    assert isinstance(photo, Photo) and photo.image.mode == "RGB" and photo.image.info == {}
    assert 1 <= min(photo.size) and max(photo.size) <= LIMITS.long_side


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    return build_app(DATA_DIR=tmp_path_factory.mktemp("fuzz"), MAX_PIXELS=LIMITS.max_pixels,
                     STORE_LONG_SIDE=LIMITS.long_side)


def _rows(app):
    store = app.extensions["hantei.store"]
    with store.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM results").scalar()


def _files(app):
    return app.extensions["hantei.store"].photos.names()


@settings(FUZZ, max_examples=int(250 * SCALE),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=mutated_images())
def test_api_never_answers_500_nor_keeps_a_refused_upload(fuzz_app, data):
    client = fuzz_app.test_client()
    rows, files = _rows(fuzz_app), _files(fuzz_app)
    response = client.post("/api/v1/judge", data={"image": (io.BytesIO(data), "photo.jpg")})
    assert response.status_code in {201, 400, 415, 422}, response.data[:500]
    if response.status_code == 201:
        assert _rows(fuzz_app) == rows + 1 and len(_files(fuzz_app)) == len(files) + 1
        stored = Image.open(io.BytesIO(client.get(f"/r/{response.json['id']}/photo.jpg").data))
        assert stored.format == "JPEG" and max(stored.size) <= LIMITS.long_side
    else:
        assert set(response.json["error"]) == {"code", "message"} and response.json["error"]["message"]
        assert _rows(fuzz_app) == rows and _files(fuzz_app) == files


ROUTES = ["/", "/judge", "/lang/{}", "/r/{}", "/r/{}/photo.jpg", "/r/{}/card.jpg", "/r/{}/reveal", "/r/{}/delete",
          "/judges", "/judges/{}/card", "/judges/{}/{}.png", "/api/v1/judge", "/api/v1/judges", "/robots.txt",
          "/healthz", "/healthz/ready", "/metrics", "/errors/too-large", "/static/{}", "/{}"]
WILD = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@st.composite
def requests_to_routes(draw):
    """A request to one of the app's routes, with odd segments, query, headers, cookies and form fields."""
    template = draw(st.sampled_from(ROUTES))
    path = template.format(*(quote(draw(WILD), safe="") for _ in range(template.count("{}"))))
    query = urlencode(draw(st.dictionaries(st.sampled_from(["next", "lang", "reveal", "token", "v", "judge", "x"]),
                                           WILD, max_size=3)))
    headers = {"Accept": draw(st.sampled_from(["text/html", "application/json", "*/*", "image/*", ""])),
               "Accept-Language": draw(st.sampled_from(["ja", "en", "fr;q=0.1", "", "*"])),
               "Cookie": "lang=" + quote(draw(WILD))}
    form = draw(st.dictionaries(st.sampled_from(["judge", "keep", "token", "csrf_token"]), WILD, max_size=3))
    return draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])), path, query, headers, form


@settings(FUZZ, max_examples=int(400 * SCALE), suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
@given(call=requests_to_routes())
def test_no_route_answers_500_or_werkzeugs_page(fuzz_app, call):
    method, path, query, headers, form = call
    response = fuzz_app.test_client().open(path, method=method, query_string=query, headers=headers, data=form)
    assert response.status_code < 500 or response.status_code == 503, (method, path, query, response.data[:300])
    if response.status_code >= 400:
        body = response.get_data(as_text=True)
        assert "Werkzeug" not in body and "Traceback" not in body
        assert response.is_json and response.json["error"]["message"] or 'class="message' in body or "alert" in body
