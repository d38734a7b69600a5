"""Every UI string exists in Japanese and English, and the compiled catalogue matches its source."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from hantei.i18n import REFUSALS, REGION_LABELS, translate

CATALOGUE = Path(__file__).resolve().parent.parent / "hantei" / "translations"


def catalogue():
    with open(CATALOGUE / "ja" / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def test_every_message_has_a_japanese_translation():
    untranslated = [m.id for m in catalogue() if m.id and not m.string]
    fuzzy = [m.id for m in catalogue() if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_catalogue_covers_every_string_in_code_and_templates(tmp_path):
    pot = tmp_path / "messages.pot"
    root = CATALOGUE.parent.parent
    subprocess.run([Path(sys.executable).parent / "pybabel", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-o", pot, "."], cwd=root, check=True, capture_output=True)
    with open(pot, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    assert wanted - {m.id for m in catalogue()} == set()


def test_compiled_catalogue_is_up_to_date():
    with open(CATALOGUE / "ja" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    assert compiled == {m.id: m.string for m in catalogue() if m.id}, "run `make translations`"


def test_refusals_and_region_names_are_translated():
    for text in [*REFUSALS.values(), *REGION_LABELS.values()]:
        assert translate(text, "ja") != text, f"no Japanese for {text!r}"
