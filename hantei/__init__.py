"""hantei: upload a photo, get a verdict from a real model, share the link."""

from flask import Flask
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, assets, catalogue, cli, config, health, i18n, metrics, results, retention, security, throttle, web
from .bodies import UploadRequest
from .intake import Limits
from .judges import Judges
from .store import Store
from .vision import runtime


def create_app(overrides=None):
    """Application factory: settings from the environment (then overrides), judges, store, blueprints."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.request_class = UploadRequest
    app.config.from_mapping(config.from_environment())
    app.config.update(BOOTSTRAP_SERVE_LOCAL=True, BABEL_DEFAULT_LOCALE="ja", JSON_AS_ASCII=False)
    app.config.update(overrides or {})
    config.settle(app.config)
    app.json.ensure_ascii = False

    Bootstrap5(app)
    Babel(app, locale_selector=i18n.select_locale)
    runtime.configure(app.config["ONNX_THREADS"])
    app.extensions["hantei.judges"] = Judges(app.config["MODELS_DIR"], app.config["DEFAULT_JUDGE"])
    app.extensions["hantei.store"] = Store(
        app.config["DATABASE_URL"], app.config["DATA_DIR"], app.config["RETENTION_DAYS"]
    )
    app.extensions["hantei.limits"] = Limits(
        max_pixels=app.config["MAX_PIXELS"], long_side=app.config["STORE_LONG_SIDE"]
    )

    assets.init_app(app)
    security.init_app(app)
    throttle.init_app(app)
    metrics.init_app(app)
    if app.config["PROXY_FIX"]:
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)

    app.register_blueprint(web.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(catalogue.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    cli.register(app)
    retention.init_app(app)
    return app
