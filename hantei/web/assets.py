"""Static assets for slow phone connections: compressed, cached for a year, with the file's hash in the URL."""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_compress import Compress

compress = Compress()
YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def fingerprint(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _version_static_urls(endpoint, values):
    """Add ?v=<content hash> to static URLs, so that a changed file is a new URL and old ones can be cached long."""
    if endpoint in ("static", "bootstrap.static") and "filename" in values and "v" not in values:
        blueprint = current_app if endpoint == "static" else current_app.blueprints["bootstrap"]
        folder = blueprint.static_folder
        path = Path(folder) / values["filename"]
        if path.is_file():
            values["v"] = fingerprint(str(path))


def init_app(app):
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "text/javascript", "application/javascript",
                                                 "application/json", "image/svg+xml"])
    app.config.setdefault("COMPRESS_STREAMS", True)  # static files are sent as streams
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 512)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = YEAR
    compress.init_app(app)
    app.url_defaults(_version_static_urls)
