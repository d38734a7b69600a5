"""Animated GIF, WebP and APNG: a score judge looks at frames spread through them, within a pixel-work budget."""

import io

import pytest
from PIL import GifImagePlugin, Image

from hantei import intake
from hantei.intake import Limits
from hantei.judges import open_judge
from hantei.judges.judging import judge_bytes
from tests.helpers import RED_JUDGE, redness_model

@pytest.fixture
def red_judge(tmp_path):
    folder = tmp_path / "red"
    folder.mkdir()
    redness_model(folder / "model.onnx")
    (folder / "judge.toml").write_text(RED_JUDGE, encoding="utf-8")
    return open_judge(folder)


def animation(fmt, colours, size=(96, 64)):
    """An animation with one flat frame per colour, as the format stores it (each frame a little different, since
    Pillow merges equal neighbours)."""
    frames = [Image.new("RGB", size, (r, (g + 7 * n) % 256, b)) for n, (r, g, b) in enumerate(colours)]
    buffer = io.BytesIO()
    extra = {"lossless": True} if fmt == "WEBP" else {}
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=80, loop=0, **extra)
    return buffer.getvalue()


BLUE, RED = (20, 40, 200), (230, 20, 20)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_a_later_explicit_frame_decides_and_is_the_photo_kept(red_judge, fmt):
    data = animation(fmt, [BLUE] * 5 + [RED] + [BLUE] * 2)
    photo, judgement = judge_bytes(data, red_judge, Limits())
    assert judgement.frame == {"index": 5, "count": 8}
    assert judgement.score > 0.7 and judgement.verdict["en"] == "Red"
    assert photo.image.getpixel((10, 10))[0] > 200  # the stored photo is the red frame
    first_only, _ = judge_bytes(animation(fmt, [BLUE] * 8), red_judge, Limits())
    assert first_only.image.getpixel((10, 10))[2] > 150


def test_a_still_photo_has_no_frame(red_judge):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), RED).save(buffer, "PNG")
    _, judgement = judge_bytes(buffer.getvalue(), red_judge, Limits())
    assert judgement.frame is None and "frame" not in judgement.as_dict()


def test_frames_are_spread_through_the_animation():
    assert intake.spread(300, 8) == [0, 43, 85, 128, 171, 214, 256, 299]
    assert intake.spread(5, 8) == [0, 1, 2, 3, 4]


def test_a_300_frame_gif_stays_within_the_work_budget(red_judge, monkeypatch):
    """Every frame decoded on the way to a picked one is counted, by a spy on Pillow's own GIF decoder."""
    size = (200, 150)
    data = animation("GIF", [BLUE] * 299 + [RED], size=size)
    budget = 3_000_000  # pixels: 100 frames of 200x150
    decoded = []
    real_seek = GifImagePlugin.GifImageFile._seek

    def counting_seek(self, frame, update_image=True):
        if update_image:
            decoded.append(frame)
        return real_seek(self, frame, update_image)

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "_seek", counting_seek)
    judged = []
    real_judge = red_judge.judge
    monkeypatch.setattr(red_judge, "judge", lambda image, source=None: judged.append(1) or real_judge(image, source))
    _, judgement = judge_bytes(data, red_judge, Limits(frames=6, frame_pixels=budget))
    assert len(judged) <= 6
    assert len(decoded) * size[0] * size[1] <= budget + 2 * size[0] * size[1]  # read_photo's own first frame
    assert max(decoded) < budget // (size[0] * size[1])  # the red last frame lies beyond the budget
    assert judgement.frame["count"] == 300 and judgement.score < 0.1
    animation_seen = intake.animation_frames(data, Limits(frames=6, frame_pixels=budget))
    assert animation_seen.decoded_pixels <= budget and len(animation_seen.frames) == 5


def test_the_api_and_page_say_which_frame_decided_and_keep_it(make_app, tmp_path, red_judge):
    app = make_app(DATA_DIR=tmp_path / "data", MODELS_DIR=tmp_path, DEFAULT_JUDGE="red")
    client = app.test_client()
    data = animation("GIF", [BLUE] * 3 + [RED] + [BLUE] * 4)
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(data), "loop.gif")},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 201 and answer.json["frame"] == {"index": 3, "count": 8}
    photo = Image.open(io.BytesIO(client.get(f"/r/{answer.json['id']}/photo.jpg").data)).convert("RGB")
    assert photo.getpixel((10, 10))[0] > 200
    page = client.get(f"/r/{answer.json['id']}?lang=en").get_data(as_text=True)
    assert "Frame 4 of 8 decided" in page


@pytest.mark.parametrize("fmt", ["JPEG", "GIF"])
def test_the_bytes_are_opened_once_whatever_the_format(red_judge, monkeypatch, fmt):
    """A still JPEG is not reopened to look for frames it cannot have, and an animation is not reopened either."""
    opened = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(1) or real_open(*args, **kwargs))
    data = animation(fmt, [BLUE, RED, BLUE]) if fmt == "GIF" else encoded_jpeg()
    _, judgement = judge_bytes(data, red_judge, Limits())
    assert len(opened) == 1
    assert (judgement.frame is not None) == (fmt == "GIF")


def encoded_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), RED).save(buffer, "JPEG")
    return buffer.getvalue()
