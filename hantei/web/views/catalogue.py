"""The judges' pages: which judges this instance serves, and each model card with its figures."""

from collections.abc import Mapping

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


@bp.get("/judges")
def judges_page():
    return render_template("judges.html", judges=list(judges()), default_judge=judges().default,
                           has_card=model_cards.has_card, license_line=license_line)


def license_line(license, page_lang):
    """A judge's licence line as (text, its language) for a page: a {ja, en} table gives the page's own language, a
    plain string is the one line it is (English when it is all ASCII, which a Japanese page then marks as such)."""
    if isinstance(license, Mapping):
        for code in (page_lang, "en", "ja"):
            if license.get(code):
                return str(license[code]), code
        return "", page_lang
    text = str(license or "")
    return text, ("en" if text and text.isascii() else page_lang)
