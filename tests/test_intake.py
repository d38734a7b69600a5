"""Intake: any real photo becomes upright, metadata-free RGB; anything else is refused with a reason."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from hantei.intake import Limits, jpeg_bytes, read_photo
from hantei.refusals import Refused
from tests.photos import encoded, gps_exif, phone_jpeg, rgb


def test_jpeg_with_gps_is_stored_without_any_metadata():
    data = encoded(rgb("astronaut"), "JPEG", exif=gps_exif())
    assert b"Apple" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    stored = jpeg_bytes(read_photo(data).image)
    reopened = Image.open(io.BytesIO(stored))
    assert dict(reopened.getexif()) == {}
    assert not {"exif", "icc_profile", "xmp", "photoshop"} & set(reopened.info)
    assert b"Apple" not in stored and b"Exif" not in stored


@pytest.mark.parametrize("orientation,turn", [
    (1, None), (2, Image.Transpose.FLIP_LEFT_RIGHT), (3, Image.Transpose.ROTATE_180),
    (4, Image.Transpose.FLIP_TOP_BOTTOM), (5, Image.Transpose.TRANSPOSE), (6, Image.Transpose.ROTATE_270),
    (7, Image.Transpose.TRANSVERSE), (8, Image.Transpose.ROTATE_90),
])
def test_every_exif_orientation_is_applied(orientation, turn):
    upright = Image.new("RGB", (120, 60), (0, 0, 255))
    upright.paste((255, 0, 0), (0, 0, 30, 30))  # a red mark top-left of the upright photo
    # The camera stores the pixels turned; the EXIF tag says how to turn them back.
    inverse = {Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90,
               Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270}
    stored = upright if turn is None else upright.transpose(inverse.get(turn, turn))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    photo = read_photo(encoded(stored, "PNG", exif=exif))
    assert photo.size == (120, 60)
    red, green, blue = photo.image.getpixel((10, 10))
    assert red > 200 and blue < 60


def test_big_jpeg_is_decoded_reduced_and_capped():
    photo = read_photo(phone_jpeg(size=(4032, 3024)), Limits(long_side=1000))
    assert max(photo.size) == 1000
    assert photo.source_size == (4032, 3024)


def test_transparent_png_is_flattened_on_white():
    image = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    assert read_photo(encoded(image, "PNG")).image.getpixel((5, 5)) == (255, 255, 255)


def test_sixteen_bit_grayscale_keeps_its_brightness():
    pixels = np.full((40, 40), 32768, dtype=np.uint16)
    image = Image.fromarray(pixels)
    photo = read_photo(encoded(image, "PNG"))
    assert abs(photo.image.getpixel((1, 1))[0] - 128) <= 1


@pytest.mark.parametrize("data,reason,status", [
    (b"", "empty", 400),
    (b"hello, this is text and not a photo", "unsupported", 415),
    (b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"/>', "unsupported", 415),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "unsupported", 415),
    (b"MZ\x90\x00" + bytes(200), "unsupported", 415),
])
def test_what_is_not_an_image_is_refused(data, reason, status):
    with pytest.raises(Refused) as refused:
        read_photo(data)
    assert (refused.value.code, refused.value.status) == (reason, status)


def test_truncated_jpeg_is_refused_as_corrupt():
    data = phone_jpeg(size=(800, 600))
    with pytest.raises(Refused) as refused:
        read_photo(data[: len(data) // 2])
    assert (refused.value.code, refused.value.status) == ("corrupt", 400)


def test_too_many_pixels_is_refused_before_decoding():
    bomb = encoded(Image.new("L", (10000, 10000)), "PNG", optimize=True)
    assert len(bomb) < 200_000
    with pytest.raises(Refused) as refused:
        read_photo(bomb, Limits(max_pixels=50_000_000))
    assert refused.value.code == "too_many_pixels" and refused.value.status == 422


def test_tiny_image_is_refused():
    with pytest.raises(Refused) as refused:
        read_photo(encoded(Image.new("RGB", (16, 200)), "PNG"))
    assert refused.value.code == "too_small"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF", "HEIF"])
def test_common_formats_are_read(fmt):
    photo = read_photo(encoded(rgb("coffee"), fmt))
    assert photo.size == rgb("coffee").size and photo.image.mode == "RGB"


CORPUS = Path(__file__).parent / "corpus"
MARKS = [((16, 16), (220, 30, 30)), ((176, 16), (30, 170, 40)), ((16, 112), (30, 60, 220))]
K_HALF = [((176, 112), (127, 127, 127))]  # a patch of black ink only, K = 50%


@pytest.mark.parametrize("name,patches", [
    ("cmyk_adobe.jpg", MARKS + K_HALF),
    ("ycck_adobe.jpg", MARKS + K_HALF),
    ("prophoto_icc.jpg", MARKS),
    ("prophoto_icc.png", MARKS),
    ("rgb16.png", MARKS),
    ("photo.heic", MARKS),
])
def test_colours_come_out_right_in_srgb(name, patches):
    photo = read_photo((CORPUS / name).read_bytes())
    for at, colour in patches:
        got = photo.image.getpixel(at)
        assert max(abs(a - b) for a, b in zip(got, colour)) <= 6, f"{name} at {at}: {got}, want {colour}"


def test_icc_profile_is_what_makes_the_colour_right():
    # The same pixels without their ProPhoto profile are far off: the test above cannot pass by accident.
    image = Image.open(CORPUS / "prophoto_icc.png")
    image.info.pop("icc_profile")
    assert max(abs(a - b) for a, b in zip(image.convert("RGB").getpixel((16, 16)), (220, 30, 30))) > 40


def test_only_the_first_frame_is_decoded():
    # Its second frame is cut off: decoding it would fail, and the first frame is all that is needed.
    data = (CORPUS / "gif_broken_after_first_frame.gif").read_bytes()
    with pytest.raises((OSError, IndexError)):
        animation = Image.open(io.BytesIO(data))
        animation.seek(1)
        animation.load()
    assert read_photo(data).image.getpixel((16, 16)) == (220, 30, 30)


def test_a_12_megapixel_jpeg_is_decoded_at_half_scale_and_stays_under_the_cap():
    photo = read_photo(phone_jpeg(size=(4032, 3024)), Limits(long_side=2048))
    assert photo.size == (2016, 1512)


def test_mpo_from_a_phone_is_read_as_its_first_picture():
    photo = read_photo((CORPUS / "mpo_two_pictures.jpg").read_bytes())
    assert photo.source_format == "MPO" and photo.size == (192, 128)


def test_damaged_exif_keeps_the_photo():
    data = bytearray(encoded(rgb("coffee"), "JPEG", exif=gps_exif()))
    tiff = data.index(b"Exif\x00\x00") + 6
    data[tiff + 4:tiff + 8] = b"\xff\xff\xff\x7f"  # IFD0 offset far past the end
    assert read_photo(bytes(data)).size == (600, 400)


def test_other_formats_are_halved_when_that_lands_just_under_the_cap():
    # 1960 px halves to 980 px, 2% under a 1000 px cap: a 2x2 average instead of a bicubic resize.
    photo = read_photo(encoded(rgb("coffee").resize((1960, 1470)), "BMP"), Limits(long_side=1000))
    assert photo.size == (980, 735)
    assert read_photo(encoded(rgb("coffee").resize((1800, 1350)), "BMP"), Limits(long_side=1000)).size == (1000, 750)
