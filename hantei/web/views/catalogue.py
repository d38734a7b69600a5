"""The judges' pages: which judges this instance serves, and each model card with its figures."""


from flask import Blueprint, abort, render_template, send_file

from ...services import judges, lang
from .. import model_cards

bp = Blueprint("catalogue", __name__)


@bp.get("/judges/<judge_id>/card")
def model_card(judge_id):
    """A judge's model card: how it was trained and how well it does on held-out photos."""
    judge = judges().loaded.get(judge_id)
    if judge is None or not model_cards.has_card(judge):
        abort(404)
    return render_template("model_card.html", judge=judge, card=model_cards.render(judge, lang()),
                           localised=model_cards.card_path(judge, lang()).name != model_cards.CARD)


@bp.get("/judges/<judge_id>/<name>.png")
def model_card_figure(judge_id, name):
    judge = judges().loaded.get(judge_id)
    path = model_cards.figure(judge, name + ".png") if judge else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)


@bp.get("/judges/<judge_id>/labels/<label>.jpg")
def label_picture(judge_id, label):
    """The picture a look-alike judge's operator shows beside its label's matches (judge.toml's image)."""
    judge = judges().loaded.get(judge_id)
    gallery = judge.spec.gallery if judge else None
    picture = gallery.images.get(label) if gallery else None
    if picture is None or not picture["path"].is_file():
        abort(404)
    return send_file(picture["path"], max_age=3600)


@bp.get("/judges")
def judges_page():
    return render_template("judges.html", judges=list(judges()), default_judge=judges().default,
                           has_card=model_cards.has_card, license_line=license_line)


def license_line(license, page_lang):
    """A judge's licence line as (text, its language) for a page: the manifest's text in the page's language; an
    all-ASCII line on a Japanese page is English, and says so (for screen readers)."""
    text = str((license or {}).get(page_lang) or "")
    return text, ("en" if text and page_lang != "en" and text.isascii() else page_lang)
