"""keep=0: a photo is decoded only as large as the judge's models need, and judged as if its copy were kept."""

import io
from pathlib import Path

import pillow_heif
import pytest
from flask import request
from PIL import ExifTags, Image

from hantei.web.bodies import uploaded_bytes
from hantei.intake import CAP_SLACK, MARGIN, Limits, Need, read_photo
from hantei.judges import judge_bytes, open_judge
from hantei.judges.needs import judge_need
from tests.photos import encoded, phone_jpeg, rgb
from tests.helpers import labels_judge, smile_judge

ROOT = Path(__file__).resolve().parent.parent
FACES = Path(__file__).resolve().parent / "faces"


@pytest.fixture(scope="module")
def keshikaran():
    return open_judge(ROOT / "models" / "keshikaran")


def enlarged(name):
    """A photo of tests/faces enlarged to a 12 MP phone photo's long side (4032 px)."""
    image = Image.open(FACES / name).convert("RGB")
    scale = 4032 / max(image.size)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC)


def twelve_megapixels(name):
    """That photo as a phone's JPEG."""
    return encoded(enlarged(name), "JPEG", quality=92)


def test_a_12_megapixel_jpeg_is_decoded_at_an_eighth_for_the_detector_alone():
    data = phone_jpeg(size=(4032, 3024))
    photo = read_photo(data, Limits(), need=Need(long_side=320))
    assert photo.image.size == (504, 378)  # the DCT's 1/8 scale: the smallest that covers 1.5 x 320 px (within 5%)
    assert photo.size == read_photo(data, Limits()).size == (1008, 756)  # the frame of the copy it would keep


def test_other_formats_are_averaged_down_by_a_whole_factor():
    data = encoded(rgb("coffee").resize((2000, 1500)), "PNG", compress_level=1)
    photo = read_photo(data, Limits(), need=Need(long_side=320))
    assert photo.image.size == (500, 375)
    assert photo.size == read_photo(data, Limits()).size


def test_the_frame_turns_with_the_exif_orientation():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored landscape, shown portrait
    data = phone_jpeg(size=(4032, 3024), exif=exif)
    photo = read_photo(data, Limits(), need=Need(long_side=320))
    assert photo.image.size == (378, 504) and photo.size == (756, 1008) == read_photo(data, Limits()).size


def iphone_heic(image, thumbnails=(320,)):
    """A HEIC shaped like an iPhone's: a grid of 512 px tiles and a 320 px preview."""
    pillow_heif.options.GRID_TILE_SIZE = 512
    try:
        return encoded(image, "HEIF", quality=60, thumbnails=list(thumbnails))
    finally:
        pillow_heif.options.GRID_TILE_SIZE = 0


def test_a_heic_preview_stands_in_for_the_photo_when_it_holds_what_the_judge_needs(keshikaran):
    image = enlarged("astronaut.jpg")
    data = iphone_heic(image)
    photo = read_photo(data, Limits(), need=Need(long_side=320))
    assert photo.image.size == (320, 320) and photo.size == read_photo(data, Limits()).size == (1008, 1008)
    assert read_photo(data, Limits(), need=Need(long_side=640)).image.size == (1008, 1008)  # too small
    assert read_photo(iphone_heic(image, ()), Limits(), need=Need(long_side=320)).image.size == (504, 504)
    kept, kept_judgement = judge_bytes(data, keshikaran, Limits(), keep_photo=True)
    bare, bare_judgement = judge_bytes(data, keshikaran, Limits(), keep_photo=False)
    assert bare_judgement.verdict == kept_judgement.verdict and bare.size == kept.size
    assert [r.label for r in bare_judgement.regions] == [r.label for r in kept_judgement.regions] == ["FACE_FEMALE"]


def test_a_short_side_need_covers_portrait_and_landscape():
    photo = read_photo(phone_jpeg(size=(4032, 3024)), Limits(), need=Need(short_side=300))
    assert min(photo.image.size) >= 300 * MARGIN * (1 - CAP_SLACK) and photo.image.size == (1008, 756)


def test_a_need_never_decodes_more_than_the_stored_copy():
    photo = read_photo(phone_jpeg(size=(4032, 3024)), Limits(long_side=512), need=Need(long_side=2000))
    assert photo.image.size == photo.size and max(photo.size) <= 512


def test_what_each_kind_of_judge_needs(tmp_path, keshikaran):
    assert judge_need(keshikaran) == Need(long_side=320)
    whole = open_judge(labels_judge(tmp_path / "whole", shape=(1, 3, 48, 64)))
    assert judge_need(whole) == Need(short_side=64)
    folder = smile_judge(tmp_path / "smile")
    assert judge_need(open_judge(folder)) == Need(long_side=640)  # CenterFace's 640 over 4 x 32


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


@pytest.mark.parametrize("name", ["astronaut.jpg", "astronaut_tilted.jpg", "camera.jpg", "grace_hopper_tilted.jpg"])
def test_keep_0_judges_like_keep_1_at_a_fraction_of_the_pixels(keshikaran, name):
    data = twelve_megapixels(name)
    kept, kept_judgement = judge_bytes(data, keshikaran, Limits(), keep_photo=True)
    bare, bare_judgement = judge_bytes(data, keshikaran, Limits(), keep_photo=False)
    assert max(bare.image.size) * 2 <= max(kept.image.size)  # decoded at a smaller scale
    assert bare.size == kept.size  # and described in the same frame
    assert bare_judgement.verdict == kept_judgement.verdict
    assert abs(bare_judgement.score - kept_judgement.score) <= 0.1  # a region at the cut-off may come or go
    sure = [region for region in kept_judgement.regions if region.score >= 0.5]
    assert sure  # every photo here has a face the detector is sure of
    for region in sure:
        twin = max(bare_judgement.regions, key=lambda other: iou(region.box, other.box))
        assert twin.label == region.label and iou(region.box, twin.box) >= 0.7
        assert abs(twin.score - region.score) <= 0.15


@pytest.mark.stores
def test_the_api_answers_keep_0_in_the_frame_of_keep_1(client):
    data = twelve_megapixels("astronaut.jpg")
    answers = [client.post("/api/v1/judge", data={"image": (io.BytesIO(data), "p.jpg"), "keep": keep}).get_json()
               for keep in ("1", "0")]
    kept, bare = answers
    assert bare["image"] == {**kept["image"], "kept": False}
    assert bare["verdict"] == kept["verdict"]
    face = next(r for r in kept["regions"] if r["label"] == "FACE_FEMALE")
    twin = next(r for r in bare["regions"] if r["label"] == "FACE_FEMALE")
    assert iou(face["box"], twin["box"]) >= 0.7


def test_an_upload_lands_in_memory_and_reaches_intake_without_a_copy(app):
    data = phone_jpeg(size=(2000, 1500))
    with app.test_request_context("/api/v1/judge", method="POST", data={"image": (io.BytesIO(data), "p.jpg")}):
        file = request.files["image"]
        assert isinstance(file.stream, io.BytesIO)  # not a temporary file on disk
        body = uploaded_bytes(file)
        assert body == data and body is uploaded_bytes(file)  # the stream's own buffer, handed over as it is


@pytest.mark.stores
def test_the_default_stored_copy_fills_a_phone_and_a_12_megapixel_jpeg_decodes_at_a_quarter(client, app):
    assert app.config["STORE_LONG_SIDE"] == 1024
    location = client.post("/api/v1/judge", data={"image": (io.BytesIO(phone_jpeg(size=(4032, 3024))), "p.jpg")}
                           ).headers["Location"]
    stored = Image.open(io.BytesIO(client.get(location + "/photo.jpg").data))
    assert stored.size == (1008, 756)  # 4032 / 4: the JPEG decoder's own 1/4 scale, no resize after it


def test_a_1080p_photo_is_halved_by_the_decoder_rather_than_resized():
    assert read_photo(phone_jpeg(size=(1920, 1080)), Limits()).size == (960, 540)  # 1/16 under the 1024 px cap
