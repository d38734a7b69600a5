"""Tags judges: a photo is `photo` + `face` + `megane` at once; each tag passes its own threshold."""

import io
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus

import numpy as np
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from hantei.judges import ManifestError, open_judge
from hantei.share import cards
from tests.helpers import TAGS, tags_judge
from tests.photos import encoded, rgb

def test_every_tag_over_its_own_threshold_is_given(tmp_path):
    photo = rgb("astronaut")
    scores = {e["label"]: e["score"] for e in open_judge(tags_judge(tmp_path / "a")).judge(photo).labels}
    lowest = min(scores, key=scores.get)
    strict = {tag: 0.999 for tag in TAGS if tag != lowest}
    judge = open_judge(tags_judge(tmp_path / "b", "{ " + ", ".join(f"{t} = {v}" for t, v in strict.items())
                                  + f", {lowest} = 0.0 }}"))
    judgement = judge.judge(photo)
    assert judgement.kind == "tags" and judgement.tags == [lowest]
    assert judgement.verdict["en"] == judge.names[lowest]["en"]
    assert judgement.as_dict()["tags"] == [lowest]
    nothing = open_judge(tags_judge(tmp_path / "c", "{ " + ", ".join(f"{t} = 1.0" for t in TAGS) + " }"))
    assert nothing.judge(photo).tags == [] and nothing.judge(photo).verdict["en"] == "No tags"
    assert not nothing.judge(photo).sensitive  # nsfw, never given, blurs nothing


def test_several_tags_at_once_through_the_api_kept_as_judged(make_app, tmp_path):
    tags_judge(tmp_path / "models" / "tagger", "{ nsfw = 0.0, megane = 0.0 }")
    settings = {"DATA_DIR": tmp_path / "data", "MODELS_DIR": tmp_path / "models", "DEFAULT_JUDGE": "tagger"}
    client = make_app(**settings).test_client()
    data = encoded(rgb("astronaut"), "JPEG")
    answer = client.post("/api/v1/judge", data={"image": (io.BytesIO(data), "a.jpg")}).json
    assert {"nsfw", "megane"} <= set(answer["tags"]) and answer["sensitive"] is True  # nsfw is given: blurred
    assert "メガネ" in answer["verdict"]["ja"] and "Glasses" in answer["verdict"]["en"]
    tags_judge(tmp_path / "models" / "tagger", "{ nsfw = 1.0, megane = 1.0 }")
    later = make_app(**settings)
    with later.app_context():
        record = later.extensions["hantei.store"].get(answer["id"])
    assert record.judgement.tags == answer["tags"]


@pytest.mark.parametrize("change, complaint", [
    ('thresholds = {}', "thresholds = { hat = 0.5 }"),
    ('activation = "sigmoid"', 'activation = "softmax"'),
    ('thresholds = {}', "thresholds = { face = nan }"),
])
def test_tags_manifest_mistakes_are_named(tmp_path, change, complaint):
    folder = tags_judge(tmp_path / "t")
    text = (folder / "judge.toml").read_text(encoding="utf-8")
    (folder / "judge.toml").write_text(text.replace(*((change, complaint))), encoding="utf-8")
    with pytest.raises(ManifestError, match="thresholds|activation"):
        open_judge(folder)


def tagged_result(make_app, tmp_path, lang):
    """A tags judge that gives megane and nsfw to every photo, the result page of one photo, and its client."""
    tags_judge(tmp_path / "models" / "tagger", "{ nsfw = 0.0, megane = 0.0, photo = 1.0, illust = 1.0, face = 1.0 }")
    app = make_app(DATA_DIR=tmp_path / "data", MODELS_DIR=tmp_path / "models", DEFAULT_JUDGE="tagger")
    client = app.test_client()
    headers = {"Accept-Language": lang}
    location = client.post("/judge", data={"image": (io.BytesIO(encoded(rgb("astronaut"), "JPEG")), "a.jpg")},
                           headers=headers).headers["Location"]
    return BeautifulSoup(client.get(location, headers=headers).data, "html.parser"), client, headers


@pytest.mark.parametrize("lang, megane", [("ja", "メガネ"), ("en", "Glasses")])
def test_the_page_shows_the_tags_as_chips_and_the_share_text_carries_them(make_app, tmp_path, lang, megane):
    page, _, _ = tagged_result(make_app, tmp_path, lang)
    chips = [chip.get_text() for chip in page.select("#verdict .tag-chip")]
    assert sorted(chips) == sorted([megane, "nsfw"])
    assert page.select_one("[data-stamp] text").get_text() == chips[0]  # the stamp shows the first tag
    given = {li["data-label"] for li in page.select(".tag-bars li.is-given")}
    assert given == {"megane", "nsfw"} and len(page.select(".tag-bars li")) == len(TAGS)  # every tag's score
    post = page.select_one("#share-x")["href"] + page.select_one("#share")["data-text"]
    assert all(quote_plus(chip) in post or chip in post for chip in chips)
    assert ("【" if lang == "ja" else "[") in page.select_one("#share")["data-text"]


def test_the_card_draws_the_tags_as_chips(make_app, tmp_path):
    page, client, headers = tagged_result(make_app, tmp_path, "en")
    card = client.get(page.find("meta", property="og:image")["content"], headers=headers)
    assert card.status_code == 200 and card.mimetype == "image/jpeg"
    band = np.asarray(Image.open(io.BytesIO(card.data)).convert("RGB"))[96:316, 600:1140].astype(int)
    accent = (np.abs(band - np.array(cards.ACCENT)).sum(axis=2) < 60).mean()
    assert accent > 0.02  # chips in the accent colour where a verdict would be written in white
    plain = cards.render(cards.CardText(judge="Tagger", verdict="Glasses, nsfw", score=0.9, score_label="Glasses 90%",
                                        site="hantei"))
    plain_band = np.asarray(Image.open(io.BytesIO(plain)).convert("RGB"))[96:316, 600:1140].astype(int)
    assert (np.abs(plain_band - np.array(cards.ACCENT)).sum(axis=2) < 60).mean() < 0.001


def test_the_cockpit_counts_each_tag_given(make_app, tmp_path):
    tags_judge(tmp_path / "models" / "tagger", "{ nsfw = 0.0, megane = 0.0, photo = 1.0, illust = 1.0, face = 1.0 }")
    app = make_app(DATA_DIR=tmp_path / "data", MODELS_DIR=tmp_path / "models", DEFAULT_JUDGE="tagger")
    client = app.test_client()
    for _ in range(2):
        client.post("/api/v1/judge", data={"image": (io.BytesIO(encoded(rgb("astronaut"), "JPEG")), "a.jpg")})
    with app.app_context():
        totals = app.extensions["hantei.cockpit"].counters.totals(datetime.now(timezone.utc) - timedelta(hours=1))
    assert totals["verdict"] == {"megane": 2, "nsfw": 2} and totals["upload"] == {"": 2}
