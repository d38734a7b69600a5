"""hantei: upload a photo, get a verdict from a real model, share the link."""

import logging


def create_app(overrides=None):
    """Application factory: settings from the environment (then overrides), services, the web side, commands.

    Imports happen here, not at the package's top, so that `import hantei.store` (Alembic's env) loads
    neither Flask nor the model runtime."""
    from flask import Flask

    from . import cli, config, services, web
    from .cockpit import Cockpit
    from .intake import Limits
    from .judges import Judges
    from .store import open_store
    from .vision import runtime

    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_mapping(config.from_environment())
    app.config.update(overrides or {})
    config.settle(app.config)
    app.json.ensure_ascii = False

    runtime.configure(app.config["ONNX_THREADS"])
    store = open_store(
        app.config["DATABASE_URL"], app.config["DATA_DIR"], app.config["RETENTION_DAYS"],
        app.config["STORAGE_URL"], app.config["S3_ENDPOINT_URL"],
    )
    services.install(
        app,
        judges=Judges(app.config["MODELS_DIR"], app.config["DEFAULT_JUDGE"]),
        store=store,
        limits=Limits(
            max_pixels=app.config["MAX_PIXELS"], long_side=app.config["STORE_LONG_SIDE"],
            memory_mb=app.config["UPLOAD_MEMORY_MB"], seconds=app.config["DECODE_SECONDS"],
            frames=app.config["ANIMATION_FRAMES"], frame_pixels=int(app.config["ANIMATION_MEGAPIXELS"] * 1e6),
        ),
        cockpit=Cockpit(store, app.config["DATA_DIR"]),
    )
    web.init_app(app)
    cli.register(app)
    if not app.testing:
        app.logger.setLevel(logging.INFO)
        app.logger.info(config.deployment(app.config))
    return app
