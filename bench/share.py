"""Benchmark the share path: drawing a card, blurring a photo, and serving a cached card through the app.

    .venv/bin/python bench/share.py            # prints median milliseconds and card sizes

Never a test: timings depend on the machine and its load.
"""

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hantei import create_app  # noqa: E402
from hantei.share import blur  # noqa: E402
from hantei.share import cards as share  # noqa: E402
from tests.photos import encoded, phone_jpeg, rgb  # noqa: E402


def median_ms(run, repeat=15):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main():
    from PIL import Image

    stored = Image.open(io.BytesIO(phone_jpeg(size=(4032, 3024)))).convert("RGB")
    stored.thumbnail((2048, 2048))  # what the store keeps of a phone photo
    text = share.CardText(judge="けしからん判定", verdict="大変けしからん", score=0.83, score_label="スコア",
                          site="hantei · hantei.example", note="センシティブな写真のため、ぼかしています")
    boxes = [[800, 300, 400, 400]]
    print(f"blur a 2048 px photo:        {median_ms(lambda: blur.obscure(stored)):7.1f} ms")
    print(f"draw a card (2048 px photo): {median_ms(lambda: share.render(text, stored, boxes)):7.1f} ms")
    blurred = blur.obscure(stored)
    print(f"draw a card (blurred copy):  {median_ms(lambda: share.render(text, blurred, boxes, stored.size)):7.1f} ms")
    print(f"draw a card (no photo):      {median_ms(lambda: share.render(text)):7.1f} ms")
    for name in ["astronaut", "grace_hopper", "coffee"]:
        print(f"card size, {name}: {len(share.render(text, rgb(name))) / 1024:.0f} KB")

    with tempfile.TemporaryDirectory() as data:
        client = create_app({"DATA_DIR": data}).test_client()
        location = client.post("/judge", data={"image": (io.BytesIO(encoded(stored, "JPEG")), "a.jpg")}).location
        started = time.perf_counter()
        client.get(location + "/card.jpg")
        print(f"first card fetch (draws it): {(time.perf_counter() - started) * 1000:7.1f} ms")
        print(f"cached card fetch:           {median_ms(lambda: client.get(location + '/card.jpg').close()):7.1f} ms")


if __name__ == "__main__":
    main()
