"""A judge's model card (CARD.md written by flask train, or by its author) rendered as a page, with its figures."""

from pathlib import Path

import markdown
from markupsafe import Markup

CARD = "CARD.md"
FIGURES = ("confusion.png", "roc.png")  # the only files of a judge folder served beside its card


def has_card(judge):
    return (Path(judge.folder) / CARD).is_file()


def render(judge):
    """The card as HTML (the models folder is the admin's own, so its Markdown is trusted)."""
    return render_text((Path(judge.folder) / CARD).read_text(encoding="utf-8"))


def render_text(text):
    """A card's Markdown as HTML."""
    return Markup(markdown.markdown(text, extensions=["tables"], output_format="html"))


def figure(judge, name):
    """The path of one of the card's figures, or None when the name is not one of them."""
    path = Path(judge.folder) / name
    return path if name in FIGURES and path.is_file() else None
