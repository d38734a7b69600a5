"""Which language a page is answered in: the visitor's pick (a cookie), else the browser's, else Japanese."""

from flask import request

from ..i18n import LANGUAGES

COOKIE = "lang"  # the language a visitor picked with the switch


def select_locale():
    """The language a visitor asked for with the switch, else what the browser prefers, else Japanese."""
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="ja")
