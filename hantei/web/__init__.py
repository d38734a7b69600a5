"""The web side. Floors, top to bottom: views/ (the blueprints, which never import each other); answers, presenting,
posting, uploads and the request plumbing they use; hantei.services, the one reader of the app's services."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5

from .. import proxies, services
from . import assets, fast_bodies, metrics, retention, security, throttle
from .bodies import GuardBodies
from .language import select_locale
from .posting import widen_body_limit
from .views import albums, api, catalogue, cockpit, errors, feedback, health, installable, pages, results

BLUEPRINTS = (pages.bp, errors.bp, results.bp, albums.bp, albums.api, catalogue.bp, api.bp, health.bp, feedback.bp,
              cockpit.bp, installable.bp)


def init_app(app):
    """Everything a request meets: templates' helpers, security, limits, metrics, assets and every blueprint."""
    app.request_class = fast_bodies.request_class(app.logger)
    app.config.update(BOOTSTRAP_SERVE_LOCAL=True, BABEL_DEFAULT_LOCALE="ja")
    Bootstrap5(app)
    Babel(app, locale_selector=select_locale)
    assets.init_app(app)
    security.init_app(app)
    services.install(app, capacity=throttle.init_app(app))
    metrics.init_app(app)
    if app.config["PROXY_FIX"]:  # forwarded headers believed from the proxy's address alone
        app.wsgi_app = proxies.FromProxyOnly(app.wsgi_app, app.config["PROXY_FIX"],
                                             proxies.networks(app.config["TRUSTED_PROXIES"]))
    app.wsgi_app = GuardBodies(app.wsgi_app)
    # Before anything reads the form (CSRF), an album's body limit is widened.
    app.before_request_funcs.setdefault(None, []).insert(0, widen_body_limit)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    cockpit_service = services.service("cockpit", app)
    retention.init_app(app, services.service("store", app), also=(cockpit_service.counters.prune,))
