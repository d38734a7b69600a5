"""The cost budget in time: what the header counts is refused before decoding, what it cannot count is ended at
HANTEI_DECODE_SECONDS, and integers from headers are bounded by what the bytes hold."""

import io
import time
import zlib

import pytest
from PIL import Image, TiffImagePlugin

from hantei import intake
from hantei.intake import Limits, read_upload
from hantei.refusals import Refused
from tests.bombs import progressive_with_scans
from tests.photos import encoded, rgb


def test_a_progressive_jpeg_of_many_empty_scans_is_refused_before_decoding():
    data = progressive_with_scans((2000, 1500), 20_000)  # under 300 kB; minutes of decoding before
    started = time.perf_counter()
    with pytest.raises(Refused) as refused:
        read_upload(data, Limits(seconds=10))
    assert refused.value.code == "too_slow" and refused.value.status == 422
    assert time.perf_counter() - started < 0.5
    assert "10 seconds" in refused.value.message("en") and "10 秒" in refused.value.message("ja")


def test_an_ordinary_progressive_jpeg_is_decoded_in_the_worker():
    upload = read_upload(encoded(rgb("astronaut"), "JPEG", progressive=True), Limits(seconds=10))
    assert upload.photo.size == (512, 512) and not upload.cost.isolated


def test_a_gif_of_thousands_of_tiny_frames_costs_a_floor_per_frame():
    frames = [Image.new("P", (32, 32), n % 250) for n in range(12_000)]
    for n, frame in enumerate(frames):
        frame.putpixel((n % 32, n // 32 % 32), (n + 1) % 250)
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=10)
    started = time.perf_counter()
    upload = read_upload(data, Limits(), frames=True)
    took = time.perf_counter() - started
    assert upload.animation.count == intake.MAX_FRAMES_COUNTED  # counted up to the cap, not walked to the end
    assert upload.animation.decoded_pixels <= Limits().frame_pixels // intake.FRAME_FLOOR * 32 * 32 + 32 * 32
    assert took < 2.0, took


def test_an_apng_claiming_two_to_the_31_frames_counts_the_frames_it_holds():
    frames = [Image.new("RGB", (64, 64), (n * 60, 20, 20)) for n in range(3)]
    data = bytearray(encoded(frames[0], "PNG", save_all=True, append_images=frames[1:]))
    at = data.find(b"acTL")
    data[at + 4:at + 8] = (2**31 - 1).to_bytes(4, "big")  # num_frames
    data[at + 12:at + 16] = zlib.crc32(bytes(data[at:at + 12])).to_bytes(4, "big")
    upload = read_upload(bytes(data), Limits(), frames=True)
    assert upload.animation.count <= 3


def many_strips_tiff(rows):
    """An uncompressed gray TIFF of one row per strip, rows tall."""
    buffer = io.BytesIO()
    Image.new("L", (32, rows), 7).save(buffer, "TIFF", tiffinfo={TiffImagePlugin.ROWSPERSTRIP: 1})
    return buffer.getvalue()


def test_a_tiff_of_too_many_strips_is_refused_before_pillow_reads_them():
    data = many_strips_tiff(intake.MAX_TIFF_PARTS + 1)
    assert intake._tiff_parts(data) == intake.MAX_TIFF_PARTS + 1
    started = time.perf_counter()
    with pytest.raises(Refused) as refused:
        read_upload(data)
    assert refused.value.code == "too_slow" and time.perf_counter() - started < 1.0
    assert read_upload(many_strips_tiff(2000)).photo.size == (16, 1000)  # an ordinary strip count is decoded


def test_a_decode_past_the_deadline_is_ended_and_refused():
    """HEIF decoding cannot be counted from the header: it runs in a child killed at the deadline."""
    data = encoded(rgb("astronaut").resize((3000, 3000)), "HEIF", quality=30)
    started = time.perf_counter()
    with pytest.raises(Refused) as refused:
        read_upload(data, Limits(seconds=0.05))
    assert refused.value.code == "too_slow" and time.perf_counter() - started < 1.0
    upload = read_upload(data, Limits(seconds=60))
    assert upload.cost.isolated and upload.cost.peak_bytes > 0 and upload.photo.size == (1000, 1000)


def test_the_heif_estimate_knows_ten_bits_and_chroma():
    eight = Image.open(io.BytesIO(encoded(rgb("astronaut"), "HEIF", quality=50)))
    ten = Image.open(io.BytesIO(encoded(rgb("astronaut"), "HEIF", quality=50, chroma=444, save_as_10bit=True)))
    assert intake.decoder_bytes(eight) < intake.decoder_bytes(ten)


PEAK_PROBE = r"""
import io, json, sys
from PIL import Image
from hantei import intake
def status(key):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(key))
data = open(sys.argv[1], "rb").read()
image = Image.open(io.BytesIO(data))
estimate = intake._within_budget(image, intake.Limits(memory_mb=10**6), False, data)
del image
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS:")
intake.decode_here(data, intake.Limits(max_pixels=10**9, memory_mb=10**6, seconds=10**6))
print(json.dumps({"estimate": estimate, "peak": status("VmHWM:") - before}))
"""


def heif_of_depth(size, bits, chroma, mode="RGB"):
    """A HEIF of this bit depth and chroma subsampling: flat with bars, so that it encodes fast."""
    import numpy as np
    import pillow_heif

    pixels = np.full((size[1], size[0], len(mode)), 20 << (bits - 8), dtype=np.uint16)
    pixels[:, ::64] = 900 << (bits - 10) if bits > 8 else 200
    if bits == 8:
        pixels = pixels.astype(np.uint8)
    else:
        pixels <<= 16 - bits
    buffer = io.BytesIO()
    twelve, pillow_heif.options.SAVE_HDR_TO_12_BIT = pillow_heif.options.SAVE_HDR_TO_12_BIT, bits == 12
    try:
        pillow_heif.from_bytes(mode + (";16" if bits > 8 else ""), size, pixels.tobytes()).save(
            buffer, quality=30, chroma=chroma)
    finally:
        pillow_heif.options.SAVE_HDR_TO_12_BIT = twelve
    return buffer.getvalue()


@pytest.mark.parametrize("bits,chroma,mode", [(8, 420, "RGB"), (10, 422, "RGB"), (10, 444, "RGBA"),
                                              (12, 444, "RGB")])
def test_the_memory_estimate_covers_a_heif_decode_of_any_depth_and_chroma(tmp_path, bits, chroma, mode):
    """Measured as VmHWM of a fresh process: a 27 KB 10-bit HEIF took 762 MB past the budget's estimate."""
    import json
    import subprocess
    import sys

    from tests.helpers import ROOT

    path = tmp_path / "photo.heif"
    path.write_bytes(heif_of_depth((2400, 1600), bits, chroma, mode))
    image = Image.open(path)
    assert (image.info["bit_depth"], image.info.get("chroma", 444)) == (bits, chroma)
    out = subprocess.run([sys.executable, "-c", PEAK_PROBE, str(path)], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={"MALLOC_ARENA_MAX": "2", "PATH": "/usr/bin:/bin"}).stdout
    facts = json.loads(out.splitlines()[-1])
    assert facts["peak"] <= facts["estimate"], facts
    assert facts["estimate"] <= 2 * facts["peak"] + intake.BUDGET_OVERHEAD, facts  # and not wildly over
