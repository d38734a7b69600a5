"""What judging an animation costs against one still frame, with the default frame count and pixel budget.

    .venv/bin/python bench/animation.py [--runs 3]

A 300-frame GIF (480x480, the astronaut turning) is judged by the default judge on up to
HANTEI_ANIMATION_FRAMES frames within HANTEI_ANIMATION_MEGAPIXELS; the ratio to the same photo
as a still JPEG is what an animation costs. Also times an album's collage card. Writes
bench/results/animation.md (median of runs).
"""

import argparse
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from hantei.intake import Limits  # noqa: E402
from hantei.judges import Judges  # noqa: E402
from hantei.judges.judging import judge_bytes  # noqa: E402
from bench.preprocess import median_ms  # noqa: E402
from hantei.share import collage  # noqa: E402
from tests.photos import rgb  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    judge = Judges(ROOT / "models", "keshikaran").get("keshikaran")
    judge.load()
    photo = rgb("astronaut").resize((480, 480))
    frames = [photo.rotate(n) for n in range(300)]
    gif, still = io.BytesIO(), io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=40)
    photo.save(still, "JPEG", quality=90)
    limits = Limits()
    judge_bytes(still.getvalue(), judge, limits)
    still_ms = median_ms(lambda: judge_bytes(still.getvalue(), judge, limits), runs)
    gif_ms = median_ms(lambda: judge_bytes(gif.getvalue(), judge, limits), runs)
    tiles = [collage.Tile("健全", 0.0, "clear")] * 4
    card_ms = median_ms(lambda: collage.render(collage.CollageText("けしからん判定 · 4 枚", "hantei"), tiles,
                                               [(photo, photo.size)] * 4), runs)
    lines = ["# Animations and album cards", "", f"median of {runs} runs, one thread, {limits.frames} frames, "
             f"{limits.frame_pixels / 1e6:g} MP budget", "",
             "| what | ms | ratio to a still |", "|---|---|---|",
             f"| still 480x480 JPEG | {still_ms:.0f} | 1.0 |",
             f"| 300-frame 480x480 GIF | {gif_ms:.0f} | {gif_ms / still_ms:.1f} |",
             f"| album collage card (4 photos) | {card_ms:.0f} | {card_ms / still_ms:.1f} |", ""]
    out = ROOT / "bench" / "results" / "animation.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
