"""Judges are read from their manifests; the keshikaran score and verdict follow its documented rules."""

import shutil

from pathlib import Path

import pytest

from hantei.judges.verdicts import noisy_or
from hantei.judges import Judges, ManifestError, UnknownJudge, open_judge
from hantei.vision.regions import Region
from tests.photos import rgb


@pytest.fixture(scope="module")
def keshikaran():
    return open_judge("models/keshikaran")


def test_keshikaran_manifest_loads(keshikaran):
    assert keshikaran.id == "keshikaran"
    assert keshikaran.title == {"ja": "けしからん判定", "en": "Naughtiness judge"}
    assert keshikaran.detector.name == "nudenet"
    assert keshikaran.spec.sensitive_above == 0.5


def test_score_is_noisy_or_of_weighted_regions(keshikaran):
    exposed = Region("FEMALE_BREAST_EXPOSED", 0.8, [0, 0, 10, 10])
    covered = Region("BUTTOCKS_COVERED", 0.6, [0, 0, 10, 10])
    face = Region("FACE_FEMALE", 0.99, [0, 0, 10, 10])
    assert noisy_or(keshikaran.spec, []) == 0
    assert noisy_or(keshikaran.spec, [face]) == 0
    assert noisy_or(keshikaran.spec, [exposed]) == pytest.approx(0.9 * 0.8)
    assert noisy_or(keshikaran.spec, [exposed, covered]) == pytest.approx(1 - (1 - 0.72) * (1 - 0.02 * 0.6))
    assert noisy_or(keshikaran.spec, [exposed] * 20) <= 1


def test_clothes_never_leave_wholesome_and_exposed_parts_still_count(keshikaran):
    """Four people in dresses (NudeNet sure of every covered breast, and of two covered bottoms) are 健全; one
    exposed part NudeNet is fairly sure of is still けしからん and blurred, as before the covered weights were
    lowered."""
    dressed = [Region("FEMALE_BREAST_COVERED", 0.8, [0, 0, 10, 10])] * 4 + [
        Region("BUTTOCKS_COVERED", 0.8, [0, 0, 10, 10])] * 2 + [Region("ARMPITS_EXPOSED", 0.6, [0, 0, 10, 10])]
    assert keshikaran.verdict(noisy_or(keshikaran.spec, dressed))["ja"] == "健全"
    for label in ("FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_EXPOSED",
                  "BUTTOCKS_EXPOSED"):
        score = noisy_or(keshikaran.spec, [Region(label, 0.75, [0, 0, 10, 10])])
        assert keshikaran.verdict(score)["ja"] in ("けしからん", "大変けしからん") and score > 0.5, label


def test_verdict_bands(keshikaran):
    assert keshikaran.verdict(0.0) == {"ja": "健全", "en": "Wholesome"}
    assert keshikaran.verdict(0.15)["en"] == "A little spicy"
    assert keshikaran.verdict(0.69)["ja"] == "けしからん"
    assert keshikaran.verdict(1.0)["ja"] == "大変けしからん"


def test_judging_a_real_photo_of_a_person_is_wholesome(keshikaran):
    judgement = keshikaran.judge(rgb("astronaut"))
    assert judgement.score < 0.15 and judgement.verdict["en"] == "Wholesome"
    assert [r.label for r in judgement.regions] == ["FACE_FEMALE"]
    assert set(judgement.timings_ms) == {"detect", "classify"}


def test_a_broken_judge_is_reported_and_the_others_serve(tmp_path):
    shutil.copytree("models/keshikaran", tmp_path / "keshikaran")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "judge.toml").write_text('id = "broken"\ntitle = "no languages"\n')
    (tmp_path / "typo").mkdir()
    (tmp_path / "typo" / "judge.toml").write_text("id = [unclosed\n")
    judges = Judges(tmp_path, "keshikaran")
    assert list(judges.loaded) == ["keshikaran"]
    assert "title" in judges.problems["broken"] and "judge.toml" in judges.problems["broken"]
    assert "TOML" in judges.problems["typo"]
    with pytest.raises(UnknownJudge):
        judges.get("broken")


@pytest.mark.parametrize("change,complaint", [
    (('detector = "nudenet"', 'detector = "nope"'), "detector"),
    (("FEMALE_BREAST_EXPOSED = 0.9", "FEMALE_BREAST_EXPOSD = 0.9"), "FEMALE_BREAST_EXPOSD"),
    (('  { ja = "大変けしからん", en = "Outrageously naughty", color = "#a61e1e", '
      'comment = { ja = "実にけしからん！ 取り扱い注意。", en = "Outrageous! Handle with care." } },\n', ""),
     "no 'below'"),
    (('color = "#237a3b"', 'color = "green"'), "color"),
    (('BUTTOCKS_EXPOSED = 0.4,', 'BUTTOCKS_EXPOSD = 0.4,'), "BUTTOCKS_EXPOSD"),
])
def test_manifest_mistakes_are_named(tmp_path, change, complaint):
    text = Path("models/keshikaran/judge.toml").read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / "judge.toml").write_text(text.replace(*change), encoding="utf-8")
    with pytest.raises(ManifestError, match=complaint):
        open_judge(tmp_path)
