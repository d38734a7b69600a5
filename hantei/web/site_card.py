"""The home page as a link unfolds: its title, description and 1200x630 card (the operator's, or drawn)."""

import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import gettext

from ..share import cards
from ..services import judges, lang
from .assets import fingerprint
from .links import external

OPERATOR_CARD = "site-card.jpg"  # a file of this name in DATA_DIR replaces the drawn card


def _titles():
    """The judges' titles in the visitor's language, the default judge's first (as on the home page)."""
    default = judges().default
    return [judge.title[lang()] for judge in sorted(judges(), key=lambda judge: judge.id != default)]


def facts():
    """What the home page's og:/twitter: tags say, in the visitor's language."""
    titles = _titles()
    title = " · ".join(titles[:3]) if titles else current_app.config["SITE_NAME"]
    operator = _operator_card()
    drawn = "|".join([*titles, _invite(), *_sample(), str(cards.SITE_VERSION)]).encode()
    version = fingerprint(str(operator)) if operator else hashlib.sha256(drawn).hexdigest()
    return {
        "url": external("pages.index"),
        "title": f"{title} | {current_app.config['SITE_NAME']}",
        "description": _invite(),
        "card_url": external("pages.card", lang=lang(), v=version[:8]),
        "touch_icon": url_for("static", filename="apple-touch-icon.png"),
    }


def _invite():
    return gettext("Upload a photo and an AI gives its verdict in seconds. Share the result with a link.")


def _sample():
    """The sample verdict stamped on the drawn card: a word and its caption, in the visitor's language."""
    return gettext("Nice shot!"), gettext("AI verdict")


def _operator_card():
    path = Path(current_app.config["DATA_DIR"]) / OPERATOR_CARD
    return path if path.is_file() else None


def image():
    """(path, None) for the operator's card, else (None, JPEG bytes) of the card drawn from the judges' titles."""
    operator = _operator_card()
    if operator:
        return operator, None
    site = current_app.config["SITE_NAME"]
    host = urlsplit(external("pages.index")).netloc
    return None, _drawn(tuple(_titles()), site, f"{site} · {host}" if host and host != site else site, _invite(),
                        _sample())


@lru_cache(maxsize=8)
def _drawn(titles, name, site, invite, sample):
    return cards.site_card(list(titles), name, site, invite, sample)
