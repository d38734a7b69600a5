"""What a result page shows of a judgement: its band (colour, comment), one reading of the score, the stamp's
lines and only the regions that count; plus the `phrases` filter that keeps Japanese lines from breaking mid-word."""

from dataclasses import dataclass

from flask_babel import gettext
from markupsafe import Markup, escape

from ..i18n import region_label
from ..share import phrases
from . import lang

INK = "#c2255c"  # the stamp's colour when a judge's band names none


@dataclass(frozen=True)
class Shown:
    """The headline of a result as the page and the card draw it."""

    verdict: str
    stamp: list  # one or two lines
    reading: str  # e.g. "けしからん度 8%"
    percent: int
    color: str
    comment: str
    tags: tuple = ()  # tags judges: (tag, name, percent) of every tag given, highest first


def band(judge, record):
    """The band a score judge's result falls in (None for label judges or a judge no longer served)."""
    if judge is None or judge.kind != "score" or not judge.spec.bands:
        return None
    return next(b for b in judge.spec.bands if record.judgement.score < b.below)


def shown(judge, record):
    """The verdict, the stamp, the score read one way, the colour and the comment of a result."""
    j, here = record.judgement, band(judge, record)
    percent = round(j.score * 100)
    if judge is not None and judge.spec.score_name:
        name = judge.spec.score_name[lang()]
    else:
        name = gettext("Score") if j.kind == "score" else gettext("Match")
    verdict = j.verdict[lang()]
    given = tuple(given_tags(judge, record))
    if given and not (judge is not None and judge.spec.score_name):
        name = given[0][1]  # the stamp shows the first tag; its percentage is that tag's
    return Shown(
        verdict=verdict,
        stamp=phrases.two_lines(given[0][1] if given else verdict),
        reading=f"{name} {percent}%",
        percent=percent,
        color=(here.color if here and here.color else INK),
        comment=(here.comment[lang()] if here and here.comment else ""),
        tags=given,
    )


def given_tags(judge, record):
    """A tags judge's tags as judged, each with its name (the judge's, or the tag itself when it is gone) and score."""
    scores = {entry["label"]: entry["score"] for entry in record.judgement.labels or ()}
    for tag in record.judgement.tags or ():
        yield tag, label_name(judge, tag), round(scores.get(tag, 0.0) * 100)


def label_name(judge, label):
    """A classifier label as its judge names it in the visitor's language (as it is when the judge is gone)."""
    return judge.names.get(label, {}).get(lang(), label) if judge and label in judge.names else label


def region_name(judge, label):
    """A detector label as pages name it: the judge's own name for it, else hantei's (which never says a gender)."""
    named = judge.spec.detect.names if judge is not None and judge.spec.detect else None
    return named[label][lang()] if named and label in named else region_label(label, lang())


def findings(judge, record):
    """The regions worth showing, numbered: (number, region, doubtful). A score judge's weightless regions (faces,
    feet) and the labels its manifest hides are left out; a region under its label's display threshold is kept as
    doubtful ("AI の見間違いかも")."""
    regions = record.judgement.regions
    if judge is not None and judge.kind == "score" and judge.spec.model is None:
        regions = [r for r in regions if judge.spec.weights.get(r.label, 0.0) > 0]
    if judge is not None and judge.spec.detect:
        regions = [r for r in regions if r.label not in judge.spec.detect.hidden]
    shown_list = []
    for region in regions:
        doubtful = judge is not None and not judge.spec.shown(region)
        shown_list.append((len(shown_list) + 1, region, doubtful))
    return shown_list


def phrase_filter(text):
    """Japanese text with <wbr> between its phrases (BudouX), in a span that breaks only there."""
    text = str(text)
    if lang() != "ja" or text.isascii():
        return escape(text)
    return Markup('<span class="ph">{}</span>').format(Markup("<wbr>").join(escape(p) for p in phrases.split(text)))
