"""A judge's model card (CARD.md written by flask train, or by its author) rendered as a page, with its figures."""

import re
from pathlib import Path, PurePosixPath

import markdown
from markupsafe import Markup

CARD = "CARD.md"
ABSOLUTE = re.compile(r"`(/[^`\s]+?)/?`")
FIGURES = ("confusion.png", "roc.png")  # the only files of a judge folder served beside its card


def has_card(judge):
    return (Path(judge.folder) / CARD).is_file()


def card_path(judge, lang="en"):
    """CARD.<lang>.md when the judge's author wrote one in that language, else CARD.md."""
    localised = Path(judge.folder) / f"CARD.{lang}.md"
    return localised if localised.is_file() else Path(judge.folder) / CARD


def without_server_paths(text):
    """The card with every absolute path in backticks shortened to its last part: visitors need not see the
    server's folders (a trained card names the folder it was trained from)."""
    return ABSOLUTE.sub(lambda match: f"`{PurePosixPath(match.group(1)).name}/`", text)


def render(judge, lang="en"):
    """The card as HTML (the models folder is the admin's own, so its Markdown is trusted)."""
    text = without_server_paths(card_path(judge, lang).read_text(encoding="utf-8"))
    return Markup(markdown.markdown(text, extensions=["tables"], output_format="html"))


def figure(judge, name):
    """The path of one of the card's figures, or None when the name is not one of them."""
    path = Path(judge.folder) / name
    return path if name in FIGURES and path.is_file() else None
