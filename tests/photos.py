"""Real photos for tests, from the sample data that scikit-image and matplotlib ship (no download)."""

import io
from pathlib import Path

import matplotlib
import skimage
from PIL import ExifTags, Image

SKIMAGE = Path(skimage.__file__).parent / "data"
MATPLOTLIB = Path(matplotlib.get_data_path()) / "sample_data"

# Photos of people (NudeNet finds their faces) and photos with no one in them.
PEOPLE = {
    "astronaut": SKIMAGE / "astronaut.png",
    "camera": SKIMAGE / "camera.png",
    "grace_hopper": MATPLOTLIB / "grace_hopper.jpg",
}
NOBODY = {
    "coffee": SKIMAGE / "coffee.png",
    "chelsea": SKIMAGE / "chelsea.png",
    "rocket": SKIMAGE / "rocket.jpg",
    "motorcycle": SKIMAGE / "motorcycle_left.png",
}


def rgb(name):
    """A named sample photo as an RGB image."""
    return Image.open({**PEOPLE, **NOBODY}[name]).convert("RGB")


def encoded(image, format="JPEG", **params):
    """An image encoded to bytes, as a phone would upload it."""
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


def phone_jpeg(name="astronaut", size=(4032, 3024), **params):
    """A sample photo enlarged to phone-camera size and saved as a JPEG."""
    return encoded(rgb(name).resize(size, Image.Resampling.BICUBIC), "JPEG", quality=90, **params)


def gps_exif():
    """EXIF as a phone writes it: camera, time and a GPS position (Tokyo Station)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.Base.DateTime] = "2026:11:01 12:00:00"
    exif[ExifTags.Base.Orientation] = 1
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (35.0, 40.0, 52.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (139.0, 46.0, 1.0),
    })
    return exif


def upload(client, data, name="photo.jpg", path="/judge", headers=None, **form):
    """POST a photo as the upload form sends it (or, with path="/api/v1/judge", as an API client does)."""
    return client.post(path, data={"image": (io.BytesIO(data), name), **form}, headers=headers or {})


def result_url(client, data, **form):
    """Upload through the form and return the result page it redirects to."""
    response = upload(client, data, **form)
    assert response.status_code == 303, response.status_code
    return response.headers["Location"]
