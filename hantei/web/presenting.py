"""A result as a page, its card and its share text draw it, worked out once per request from what was stored when
it was judged: present(record) -> ResultView. Plus the names pages give labels and regions."""

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import format_date, gettext
from markupsafe import Markup, escape

from ..i18n import region_label
from ..judges import verdicts
from ..services import judges, lang
from ..share import cards, layout, phrases
from .links import external

INK = "#c2255c"  # the stamp's colour when a judge's band names none


@dataclass(frozen=True)
class Finding:
    """A region worth showing, numbered as the page and the card number it."""

    number: int
    region: object  # records.JudgedRegion
    name: str
    doubtful: bool  # under its label's display threshold: shown as "maybe an AI mistake", never boxed


@dataclass(frozen=True)
class FaceAnswer:
    """One face's own answer, numbered left to right, with its sticker beside the face on the photo."""

    number: int
    region: object  # records.JudgedRegion
    answer: str  # "27歳", "笑顔 87%", "サーバル 92%"
    comment: str
    color: str
    sticker: object  # layout.Sticker, or None when it fits nowhere on the photo (the list below still has it)
    heads: bool  # the face the headline is about
    picture: str = ""  # look-alike judges: the address of the matched label's picture, when the operator shows one
    card_picture: str = ""  # … its file, when share cards may show it too


@dataclass(frozen=True)
class Share:
    """What a shared post says, and the links that post it without a third-party script."""

    text: str
    tagged: str
    x: str
    line: str


@dataclass(frozen=True)
class ResultView:
    """A result as it is drawn: headline, stamp, findings, card text and share links, in the reader's language."""

    record: object  # records.Record
    judge: object  # the judge as it is served now (None once it is gone): for its form and label names only
    title: str
    verdict: str
    stamp: tuple  # one or two lines
    reading: str  # e.g. "けしからん度 8%"
    percent: int
    color: str
    comment: str
    tags: tuple  # tags judges: (tag, name, percent) of every tag given, highest first
    findings: tuple  # of Finding: what the detector found, for judges that do not answer each face
    faces: tuple  # of FaceAnswer: each face's own answer, for judges that answer per face
    pick: str  # for a group: which face the headline is about ("最年少：2番の人"); "" otherwise
    caption: str  # the stamp's small line under its words ("87%", or the pick of a group)
    meter: bool  # whether the reading is a percentage drawn as a bar
    stamp_box: tuple  # (x, y, side) of the stamp on the photo, in its pixels; None: the stamp stands beside it
    deleted_on: str  # when the result goes, in the reader's words
    private: bool  # what the judge found is the uploader's to see, and this reader is not the uploader
    others: tuple  # the other judges this instance serves, for "try another"
    share: Share
    card: cards.CardText
    page_url: str
    card_url: str
    card_alt: str


def present(record, owner=False):
    """Everything a result's page, card and share text show, from the record and the look it was judged with.

    A judge's regions that visitors may not see (its manifest's [detect] public = false: body parts) are shown to
    the uploader alone, never on the card."""
    judge = judges().loaded.get(record.judgement.judge)
    j, look = record.judgement, stored_look(judge, record)
    faces = face_answers(judge, record)
    head = next((face for face in faces if face.heads), None)
    given = tuple(given_tags(judge, record))
    verdict = head.answer if head and j.kind == "number" else j.verdict[lang()]
    percent = round(j.score * 100)
    reading_name = (look.get("reading") or {}).get(lang()) or (given[0][1] if given else (
        gettext("Score") if j.kind == "score" else gettext("Sure")))
    pick = ""
    if head and len(faces) > 1:
        pick = gettext("%(pick)s: No. %(number)s", pick=(look.get("pick") or {}).get(lang()) or gettext("Top"),
                       number=head.number)
    caption = pick if j.kind == "number" else f"{percent}%"
    headline = dict(
        title=judge.title[lang()] if judge else j.judge,
        verdict=verdict,
        stamp=tuple(phrases.two_lines(given[0][1] if given else verdict)),
        reading="" if j.kind == "number" else f"{reading_name} {percent}%",
        percent=percent,
        color=(head.color if head else "") or look.get("color") or INK,
        comment=head.comment if head and head.comment else pick_line(look.get("comment"), record.id),
        tags=given,
        pick=pick,
        caption=caption,
    )
    public = judge is None or judge.spec.detect is None or judge.spec.detect.public
    found = () if faces else tuple(findings(judge, record))
    shown = found if public or owner else ()
    size = (record.width, record.height)
    stickers = [face.sticker for face in faces]
    stamp_box = layout.stamp_place(size, [face.region.box for face in faces], stickers) if record.has_photo else None
    card = card_text(record, headline, faces if public else ())
    page_url = result_url(record.id)
    return ResultView(
        record=record,
        judge=judge,
        findings=shown,
        faces=faces,
        meter=j.kind != "number",
        stamp_box=stamp_box,
        deleted_on=format_date(record.expires_at, "long"),
        private=bool(found) and not shown,
        others=tuple(other for other in judges() if other.id != j.judge),
        share=share(judge, headline, page_url),
        card=card,
        page_url=page_url,
        card_url=external("results.card", result_id=record.id, lang=lang(), v=cards.card_key(record, card)[:8]),
        card_alt=f"{headline['title']}: {' '.join(filter(None, (pick, verdict, headline['reading'])))}",
        **headline,
    )


def face_answers(judge, record):
    """Each face's own answer and its sticker, for results whose judge answered every region on its own."""
    regions = [region for region in record.judgement.regions if region.verdict]
    if not regions:
        return ()
    size = (record.width, record.height)
    answers = [region_answer(record.judgement.kind, region) for region in regions]
    labels = [sticker_label(record.judgement.kind, region) for region in regions]
    stickers = layout.place(size, [region.box for region in regions], labels, sticker_font(size))
    head = head_of(record, regions)
    return tuple(
        FaceAnswer(number=number, region=region, answer=answer,
                   comment=pick_line((region.look or {}).get("comment"), f"{record.id}/{number}"),
                   color=(region.look or {}).get("color", ""), sticker=sticker, heads=number == head,
                   **label_picture(judge, record.judgement.kind, region))
        for number, (region, answer, sticker) in enumerate(zip(regions, answers, stickers), 1)
    )


def label_picture(judge, kind, region):
    """The picture the operator shows beside a look-alike face's match (judge.toml's image of its label), if any."""
    images = judge.spec.gallery.images if judge is not None and kind == "gallery" and judge.spec.gallery else {}
    matched = region.labels[0]["label"] if region.labels and (region.look or {}).get("value", 0.0) >= 0.5 else None
    if matched not in images:
        return {}
    return {"picture": external("catalogue.label_picture", judge_id=judge.id, label=matched),
            "card_picture": str(images[matched]["path"]) if images[matched]["card"] else ""}


def sticker_font(size):
    """A sticker's font size in photo pixels: it scales with the photo, so that it reads the same on any screen."""
    return max(size) / 22


def sticker_label(kind, region):
    """What a face's sticker says, as short as How-Old.net's: the number (with a unit of a character or two: 27歳,
    27), the percentage of a score judge (87%), the name a labels or look-alike judge gives."""
    verdict = region.verdict[lang()]
    look = region.look or {}
    if kind == "number":
        number = re.match(r"-?\d+(?:\.\d+)?", verdict)
        unit = (look.get("unit") or {}).get(lang(), "")
        return (number.group() + (unit if len(unit) <= 2 else "")) if number else verdict
    if kind == "score":
        return f"{round(look.get('value', region.labels[0]['score'] if region.labels else 0.0) * 100)}%"
    return verdict


def region_answer(kind, region):
    """A face's answer in words: the number (27歳), or the verdict with how sure the judge is (笑顔 87%)."""
    verdict = region.verdict[lang()]
    if kind == "number":
        return verdict
    value = (region.look or {}).get("value", region.labels[0]["score"] if region.labels else 0.0)
    if kind == "gallery" and value < 0.5:  # under the threshold: "Looks like nobody here", not "… 39%"
        return verdict
    return f"{verdict} {round(value * 100)}%"


def head_of(record, regions):
    """The number of the face the headline is about: the one whose answer made the result's score."""
    values = [(region.look or {}).get("value", region.labels[0]["score"] if region.labels else 0.0)
              for region in regions]
    closest = min(range(len(values)), key=lambda i: abs(values[i] - record.judgement.score))
    return closest + 1


def stored_look(judge, record):
    """The colour, comment and reading name the result was judged with; for results stored before looks were
    kept, the band the judge serves now."""
    if record.judgement.look is not None:
        return record.judgement.look
    if judge is None or judge.kind != "score" or not judge.spec.bands:
        return {}
    return verdicts.look(judge.spec, record.judgement.score)


def pick_line(comment, key):
    """One line of a band's comment in the reader's language: a list gives each result its own line, always the
    same one for the same result."""
    lines = (comment or {}).get(lang()) or ""
    if isinstance(lines, str):
        return lines
    return lines[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(lines)] if lines else ""


def card_text(record, headline, faces=()):
    """What the result's card says, in the reader's language (with each face's answer when the judge gives one)."""
    sensitive, kept = record.judgement.sensitive, record.has_photo
    note = gettext("Sensitive photo: blurred") if sensitive and kept else ""
    note = note or ("" if kept else gettext("The uploader chose not to keep the photo."))
    site = current_app.config["SITE_NAME"]
    host = urlsplit(current_app.config.get("PUBLIC_URL", "")).netloc  # the configured site only, never the request's
    return cards.CardText(
        judge=headline["title"],
        verdict=headline["verdict"],
        score=round(record.judgement.score, 2),
        score_label=headline["reading"],
        site=f"{site} · {host}" if host and host != site else site,
        note=note,
        color=headline["color"],
        comment=headline["comment"],
        invite=gettext("Try yours at"),
        stamp=headline["stamp"],
        caption=headline["caption"],
        tags=tuple(name for _, name, _ in headline["tags"]),
        faces=tuple((tuple(face.region.box), face.answer) for face in faces),
        pictures=tuple(face.card_picture for face in faces) if any(face.card_picture for face in faces) else (),
        pick=headline["pick"],
    )


def dare(judge):
    if judge is not None and judge.spec.dare:
        return judge.spec.dare[lang()]
    return gettext("Your turn: what does your photo get?")


def share(judge, headline, page_url):
    """Text that invites (verdict, score, a dare) and links that share it without a third-party script."""
    if headline["tags"]:
        chips = ("" if lang() == "ja" else " ").join(gettext("[%(tag)s]", tag=name) for _, name, _ in headline["tags"])
        text = gettext("Tagged %(tags)s. %(dare)s", tags=chips, dare=dare(judge))
    elif not headline["reading"]:
        said = f"{headline['pick']} {headline['verdict']}" if headline["pick"] else headline["verdict"]
        text = gettext("%(verdict)s! %(dare)s", verdict=said, dare=dare(judge))
    else:
        text = gettext("%(verdict)s! %(reading)s. %(dare)s", verdict=headline["verdict"],
                       reading=headline["reading"], dare=dare(judge))
    hashtag = (judge.hashtag[lang()] if judge else "") or current_app.config["SITE_NAME"]
    tagged = f"{text} #{hashtag}"
    return Share(
        text=text,
        tagged=tagged,
        x="https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": page_url, "hashtags": hashtag}),
        line="https://social-plugins.line.me/lineit/share?" + urlencode({"url": page_url, "text": tagged}),
    )


def result_url(result_id):
    """The result's address to share: in English only when the reader reads it in English (Japanese is the default)."""
    extra = {"lang": "en"} if lang() == "en" else {}
    return external("results.result", result_id=result_id, **extra)


def title_of(record):
    """The title of the judge that judged a record, in the reader's language (its id once the judge is gone)."""
    judge = judges().loaded.get(record.judgement.judge)
    return judge.title[lang()] if judge else record.judgement.judge


def given_tags(judge, record):
    """A tags judge's tags as judged, each with its name (the judge's, or the tag itself when it is gone) and score."""
    scores = {entry["label"]: entry["score"] for entry in record.judgement.labels or ()}
    for tag in record.judgement.tags or ():
        yield tag, label_name(judge, tag), round(scores.get(tag, 0.0) * 100)


def label_name(judge, label):
    """A classifier label as its judge names it in the reader's language (as it is when the judge is gone)."""
    return judge.names.get(label, {}).get(lang(), label) if judge and label in judge.names else label


def region_name(judge, label):
    """A detector label as pages name it: the judge's own name for it, else hantei's (which never says a gender)."""
    named = judge.spec.detect.names if judge is not None and judge.spec.detect else None
    return named[label][lang()] if named and label in named else region_label(label, lang())


def findings(judge, record):
    """The regions worth showing, numbered. A score judge's weightless regions (faces, feet) and the labels its
    manifest hides are left out; a region under its label's display threshold is kept as doubtful."""
    regions = record.judgement.regions
    if judge is not None and judge.kind == "score" and judge.spec.model is None:
        regions = [r for r in regions if judge.spec.weights.get(r.label, 0.0) > 0]
    if judge is not None and judge.spec.detect:
        regions = [r for r in regions if r.label not in judge.spec.detect.hidden]
    for number, region in enumerate(regions, 1):
        doubtful = judge is not None and not judge.spec.shown(region)
        yield Finding(number, region, region_name(judge, region.label), doubtful)


def phrase_filter(text):
    """Japanese text with <wbr> between its phrases (BudouX), in a span that breaks only there."""
    text = str(text)
    if lang() != "ja" or text.isascii():
        return escape(text)
    return Markup('<span class="ph">{}</span>').format(Markup("<wbr>").join(escape(p) for p in phrases.split(text)))
