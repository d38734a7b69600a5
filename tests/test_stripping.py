"""A JPEG small enough to keep is kept as sent with its metadata taken out: same pixels, no location, still upright."""

import io

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms

from hantei.intake import Limits, Need, read_upload
from hantei.stripping import stripped
from tests.photos import encoded, gps_exif, rgb, upload

NEED = Need(long_side=320)  # a detector's, as judge_need gives it for keshikaran


def phone_shaped(**params):
    """A photo as the page sends it (1024 px, quality 90), with whatever metadata params add."""
    return encoded(rgb("astronaut").resize((1024, 768)), "JPEG", quality=90, **params)


def pixels(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_a_small_jpeg_is_kept_as_sent_without_gps_exif_comments_or_what_follows_it():
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>35,40.87N</exif:GPSLatitude></x:xmpmeta>'
    data = phone_shaped(exif=gps_exif(), comment=b"taken at home", xmp=xmp) + b"GPS 35.68N 139.77E trailer"
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    photo = read_upload(data, kept_need=NEED).photo
    kept = photo.jpeg()
    assert photo.kept is not None and kept.endswith(b"\xff\xd9")
    for trace in (b"Exif", b"Apple", b"iPhone", b"GPS", b"xmpmeta", b"taken at home", b"2026:11:01"):
        assert trace not in kept
    reopened = Image.open(io.BytesIO(kept))
    assert dict(reopened.getexif()) == {} and not {"exif", "icc_profile", "xmp", "comment"} & set(reopened.info)
    assert (pixels(kept) == pixels(data)).all()  # not a second encode: the very pixels sent
    # Decoded for the judge alone, boxes given in the kept photo's pixels.
    assert photo.size == (1024, 768) and max(photo.image.size) < 1024


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_turned_jpeg_is_encoded_again_upright(orientation):
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = orientation
    data = phone_shaped(exif=exif)
    photo = read_upload(data, kept_need=NEED).photo
    kept = Image.open(io.BytesIO(photo.jpeg()))
    assert photo.kept is None and not kept.getexif()
    assert kept.size == ((1024, 768) if orientation == 3 else (768, 1024))


def test_a_colour_profile_or_a_large_photo_is_encoded_again():
    p3ish = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    with_profile = read_upload(phone_shaped(icc_profile=p3ish), kept_need=NEED).photo
    assert with_profile.kept is None and b"icc" not in with_profile.jpeg().lower()
    large = read_upload(encoded(rgb("astronaut").resize((2048, 1536)), "JPEG"), kept_need=NEED).photo
    assert large.kept is None and Image.open(io.BytesIO(large.jpeg())).size == (1024, 768)


def test_without_a_need_nothing_is_kept_as_sent():
    """Callers that ask for no judge's need (the CLI's exact judges, keep=0) decode and encode as before."""
    photo = read_upload(phone_shaped(exif=gps_exif()), Limits()).photo
    assert photo.kept is None and b"Exif" not in photo.jpeg()


@pytest.mark.parametrize("damage", [
    lambda data: data[:-2],  # no end of image
    lambda data: data.replace(b"\xff\xc0", b"\xff\xc3", 1),  # lossless coding
    lambda data: b"\x89PNG" + data[4:],
])
def test_what_is_not_a_plain_jpeg_is_not_stripped(damage):
    assert stripped(damage(phone_shaped())) is None


@pytest.mark.stores
def test_the_page_s_photo_is_served_as_sent_without_its_location(client):
    data = phone_shaped(exif=gps_exif())
    location = upload(client, data).headers["Location"]
    served = client.get(location + "/photo.jpg").data
    assert b"Exif" not in served and b"Apple" not in served
    assert (pixels(served) == pixels(data)).all()


@pytest.mark.parametrize("mode, progressive", [("L", False), ("RGB", True)])
def test_a_greyscale_or_progressive_jpeg_is_re_encoded(mode, progressive):
    sent = io.BytesIO()
    Image.new(mode, (64, 48), 128).save(sent, "JPEG", progressive=progressive)
    assert stripped(sent.getvalue()) is None
