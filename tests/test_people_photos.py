"""けしからん on ordinary photos of people from sources its weights were never set on: parties, groups, sport."""

from pathlib import Path

import pytest

from hantei.intake import Limits
from hantei.judges.judging import judge_bytes
from hantei.judges.registry import open_judge
from tests.people import people_photos

KESHIKARAN = Path(__file__).resolve().parent.parent / "models" / "keshikaran"

WHOLESOME = "健全"
NAUGHTY = ("けしからん", "大変けしからん")


@pytest.fixture(scope="module")
def judged():
    judge = open_judge(KESHIKARAN)
    return [(row, judge_bytes(path.read_bytes(), judge, Limits())[1]) for row, path in people_photos("heldout")]


def test_held_out_photos_of_people_are_wholesome(judged):
    wholesome = [row["path"] for row, judgement in judged if judgement.verdict["ja"] == WHOLESOME]
    others = {row["path"]: (round(judgement.score, 3), judgement.verdict["ja"]) for row, judgement in judged
              if judgement.verdict["ja"] != WHOLESOME}
    assert len({row["source"] for row, _ in judged}) >= 3  # several sources, none of them calibrated on
    assert len(wholesome) >= 0.98 * len(judged), others


def test_no_group_photo_is_naughty_nor_blurred(judged):
    groups = [(row, judgement) for row, judgement in judged if row["people"] == "group"]
    assert len(groups) >= 6
    assert not [row["path"] for row, judgement in groups if judgement.verdict["ja"] in NAUGHTY or judgement.sensitive]
