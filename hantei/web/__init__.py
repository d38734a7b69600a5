"""The web side: init_app wires blueprints, security, limits, metrics and assets; the typed accessors below are
the only web code that reads app.extensions."""

from flask import current_app, request
from flask_babel import Babel, get_locale
from flask_bootstrap import Bootstrap5

from .. import proxies
from ..i18n import LANGUAGES

COOKIE = "lang"  # the language a visitor picked with the switch


def judges():
    """This app's judges (hantei.judges.Judges)."""
    return current_app.extensions["hantei.judges"]


def store():
    """This app's store of results and their files (hantei.store.Store)."""
    return current_app.extensions["hantei.store"]


def limits():
    """What intake accepts (hantei.intake.Limits)."""
    return current_app.extensions["hantei.limits"]


def capacity():
    """This worker's judging slots (hantei.web.throttle.Capacity)."""
    return current_app.extensions["hantei.capacity"]


def cockpit():
    """This app's counters, admin access, reports and review (hantei.admin.Cockpit)."""
    return current_app.extensions["hantei.cockpit"]


def lang():
    """The language of the page being answered."""
    return str(get_locale())


def select_locale():
    """The language a visitor asked for with the switch, else what the browser prefers, else Japanese."""
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="ja")


def init_app(app):
    """Everything a request meets: templates' helpers, security, limits, metrics, assets and every blueprint."""
    from . import (admin, albums, api, assets, catalogue, errors, feedback, health, installable, metrics, pages,
                   results, retention, security, throttle)
    from .bodies import GuardBodies, UploadRequest

    app.request_class = UploadRequest
    app.config.update(BOOTSTRAP_SERVE_LOCAL=True, BABEL_DEFAULT_LOCALE="ja")
    Bootstrap5(app)
    Babel(app, locale_selector=select_locale)
    assets.init_app(app)
    security.init_app(app)
    app.extensions["hantei.capacity"] = throttle.init_app(app)
    metrics.init_app(app)
    if app.config["PROXY_FIX"]:  # forwarded headers believed from the proxy's address alone
        app.wsgi_app = proxies.FromProxyOnly(app.wsgi_app, app.config["PROXY_FIX"],
                                             proxies.networks(app.config["TRUSTED_PROXIES"]))
    app.wsgi_app = GuardBodies(app.wsgi_app)
    for module in (pages, errors, results, catalogue, api, health, feedback, admin, installable):
        app.register_blueprint(module.bp)
    albums.init_app(app)
    retention.init_app(app, app.extensions["hantei.store"], also=(app.extensions["hantei.cockpit"].counters.prune,))
