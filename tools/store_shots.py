"""Screenshots behind the stored copy's default size: the same 12 MP photo kept at 1024 px and at 2048 px.

Usage: .venv/bin/python tools/store_shots.py   (needs Debian's chromium and the playwright package)

Two gunicorns (HANTEI_STORE_LONG_SIDE=1024 and 2048) judge the same 12 MP portrait and landscape phone
JPEGs (a real photo with fine text drawn at full resolution, the hardest case for a smaller copy); Chromium
shows each result page on an iPhone 13 (DPR 3) and on a desktop (1280 x 800, DPR 2). The band of the photo
with the text, in device pixels, is saved to docs/screenshots/store-<side>-<device>-<shape>.png, and how far
the two sizes differ as a screen shows the whole photo (PSNR of the 1024 px copy's shot against the 2048 px
copy's, in dB) to docs/screenshots/store-shots.md.
"""

import io
import math
from importlib import resources
import sys
import tempfile
from pathlib import Path

import numpy as np
import requests
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
from bench.photos import camera_image, encode  # noqa: E402
from hantei.share.cards import FONT_FILE, FONT_PACKAGE  # noqa: E402
from tests.servers import Gunicorn  # noqa: E402

SIDES = (1024, 2048)
DEVICES = {"phone": "iPhone 13", "desktop": None}
TEXT = "けしからん判定 hantei 0123456789 The quick brown fox jumps over the lazy dog"


def chart(size):
    """A phone-sized photo with lines of text from 24 to 120 px tall drawn on it at full resolution."""
    image = camera_image(size)
    draw = ImageDraw.Draw(image)
    font_path = str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE))
    heights = (24, 36, 48, 72, 96, 120)
    top = size[1] // 2
    draw.rectangle((0, top - 6, size[0], top + sum(h + 30 for h in heights)), fill=(250, 250, 245))
    y = top
    for height in heights:
        draw.text((20, y), f"{height}px {TEXT}", font=ImageFont.truetype(font_path, height), fill=(20, 20, 20))
        y += height + 30
    return encode(image, "JPEG", quality=92)


def shoot(browser, playwright, url, device, path):
    """Open a result page, save the text band of the photo as the screen shows it (device pixels); return it all."""
    if DEVICES[device]:
        options = {k: v for k, v in playwright.devices[DEVICES[device]].items() if k != "default_browser_type"}
    else:
        options = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 2}
    context = browser.new_context(**options, locale="ja-JP")
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    shot = Image.open(io.BytesIO(page.locator(".photo-wrap img").screenshot())).convert("RGB")
    context.close()
    width, height = shot.size
    shot.crop((0, height // 2 - height // 60, width, height // 2 + height // 4)).save(path, optimize=True)
    return np.asarray(shot, dtype=np.float64)


def psnr(a, b):
    height, width = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    mse = np.mean((a[:height, :width] - b[:height, :width]) ** 2)
    return 99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def main():
    photos = {"portrait": chart((3024, 4032)), "landscape": chart((4032, 3024))}
    servers = {side: Gunicorn(tempfile.mkdtemp(prefix=f"hantei-store-{side}-"), workers=1, ratelimit="off",
                              store_long_side=side) for side in SIDES}
    lines = ["# The stored copy at 1024 px against 2048 px, as screens show it", "",
             "| device | photo | stored copy 1024 px | stored copy 2048 px | PSNR of the shots (dB) |",
             "|---|---|---|---|---|"]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--disable-gpu", "--no-first-run", "--disable-background-networking"])
            for shape, data in photos.items():
                urls, sizes = {}, {}
                for side, server in servers.items():
                    answer = requests.post(server.url + "/api/v1/judge", timeout=60,
                                           files={"image": ("photo.jpg", data, "image/jpeg")}).json()
                    urls[side] = answer["url"].replace("http://localhost", server.url)
                    stored = requests.get(urls[side] + "/photo.jpg", timeout=10).content
                    sizes[side] = Image.open(io.BytesIO(stored)).size
                for device in DEVICES:
                    shots = {side: shoot(browser, p, urls[side], device, OUT / f"store-{side}-{device}-{shape}.png")
                             for side in SIDES}
                    lines.append(f"| {device} | {shape} | {sizes[1024][0]}x{sizes[1024][1]} | "
                                 f"{sizes[2048][0]}x{sizes[2048][1]} | {psnr(shots[1024], shots[2048]):.1f} |")
            browser.close()
    finally:
        for server in servers.values():
            server.stop()
    (OUT / "store-shots.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
