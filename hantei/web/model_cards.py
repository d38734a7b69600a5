"""A judge's model card (CARD.md written by flask train, or by its author) rendered as a page, with its figures."""

import os
import re
from pathlib import Path

import markdown
import nh3
from markupsafe import Markup

CARD = "CARD.md"
QUOTED_PATH = re.compile(r"`(/[^`\n]*?)/?`")  # an absolute path quoted as code, as older cards wrote the data folder
FIGURES = ("confusion.png", "roc.png")  # the only files of a judge folder served beside its card


def has_card(judge):
    return (Path(judge.folder) / CARD).is_file()


def card_path(judge, lang="en"):
    """CARD.<lang>.md when the judge's author wrote one in that language, else CARD.md."""
    localised = Path(judge.folder) / f"CARD.{lang}.md"
    return localised if localised.is_file() else Path(judge.folder) / CARD


def render(judge, lang="en"):
    """The card as sanitised HTML: label folder names and whatever else it quotes cannot add markup or script,
    and the server's own paths are cut down to the folder's name."""
    text = without_server_paths(card_path(judge, lang).read_text(encoding="utf-8"), Path(judge.folder))
    return render_text(text)


def render_text(text):
    """A card's Markdown as sanitised HTML (no markup or script from what it quotes)."""
    html = markdown.markdown(text, extensions=["tables"], output_format="html")
    clean = nh3.clean(html, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    # A wide table scrolls inside the page on a phone; a scrolling box must take the keyboard's focus too.
    return Markup(clean.replace("<table>", '<div class="table-scroll" tabindex="0"><table>')
                  .replace("</table>", "</table></div>"))


def without_server_paths(text, folder):
    """The text with this server's absolute paths (the judge's folders, the home directory) as names only."""
    known = {str(folder.resolve()): folder.name, str(folder.resolve().parent): folder.resolve().parent.name,
             os.path.expanduser("~"): "~"}
    for path, name in sorted(known.items(), key=lambda item: -len(item[0])):
        if len(path) > 1:
            text = text.replace(path, name)
    return QUOTED_PATH.sub(lambda match: f"`{Path(match.group(1)).name}/`", text)


def figure(judge, name):
    """The path of one of the card's figures, or None when the name is not one of them."""
    path = Path(judge.folder) / name
    return path if name in FIGURES and path.is_file() else None
