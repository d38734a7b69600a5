"""Every setting of hantei, read from HANTEI_* environment variables with embedded defaults."""

import os
import secrets
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Results live at least a week: crawlers (X, LINE, Discord) keep a card for days and must find it still there.
MIN_RETENTION_DAYS = 7


def _env(name, default):
    """Return the HANTEI_<name> environment variable, or the default when unset or empty."""
    value = os.environ.get(f"HANTEI_{name}", "")
    return value if value != "" else default


def secret_key(data_dir):
    """Return the instance's secret key, generating it once into the data directory.

    Workers start together: each writes a key of its own to a private file and links it into place, so the
    first one wins, every worker signs with that same key, and nobody ever reads a half-written one."""
    path = Path(data_dir) / "secret_key"
    if not path.exists():
        handle, draft = tempfile.mkstemp(dir=data_dir, prefix=".secret_key-")  # readable by its owner only
        with os.fdopen(handle, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()


def from_environment():
    """Build the Flask config mapping from the environment (without touching the disk)."""
    max_upload_mb = float(_env("MAX_UPLOAD_MB", "20"))
    return {
        "DATA_DIR": Path(_env("DATA_DIR", "instance")).resolve(),
        "SECRET_KEY": _env("SECRET_KEY", None),  # None: generated once into the data dir
        "PUBLIC_URL": _env("PUBLIC_URL", "").rstrip("/"),
        "DATABASE_URL": _env("DATABASE_URL", None),  # None: sqlite:///<data dir>/hantei.db
        "MODELS_DIR": Path(_env("MODELS_DIR", str(PROJECT_ROOT / "models"))).resolve(),
        "DEFAULT_JUDGE": _env("DEFAULT_JUDGE", "age"),
        "MAX_CONTENT_LENGTH": int(max_upload_mb * 1024 * 1024),
        "MAX_PIXELS": int(_env("MAX_PIXELS", str(50_000_000))),
        "UPLOAD_MEMORY_MB": int(_env("UPLOAD_MEMORY_MB", "512")),
        "DECODE_SECONDS": float(_env("DECODE_SECONDS", "10")),
                # a 12 MP JPEG decodes at 1/4 scale straight to it; README "Performance"
                "STORE_LONG_SIDE": int(_env("STORE_LONG_SIDE", "1024")),
        "RETENTION_DAYS": int(_env("RETENTION_DAYS", "30")),
        "SWEEP_MINUTES": float(_env("SWEEP_MINUTES", "10")),
        "SITE_NAME": _env("SITE_NAME", "hantei"),
        "ONNX_THREADS": int(_env("ONNX_THREADS", "1")),
        "RATELIMIT": _env("RATELIMIT", "30/minute;500/day"),
        "RATELIMIT_STORAGE": _env("RATELIMIT_STORAGE", "memory://"),
        "MAX_JUDGING": int(_env("MAX_JUDGING", "1")),
        "QUEUE_SECONDS": float(_env("QUEUE_SECONDS", "5")),
        "PROXY_FIX": int(_env("PROXY_FIX", "0")),
        "TRUSTED_PROXIES": _env("TRUSTED_PROXIES", "127.0.0.1,::1"),  # where the proxy connects from
        "STORAGE_URL": _env("STORAGE_URL", None),  # None: <data dir>/photos; s3://BUCKET/PREFIX for a bucket
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL", None),  # None: AWS itself (boto3's own endpoint)
        "MEDIA_URL": _env("MEDIA_URL", "").rstrip("/"),  # public base of the bucket's media/ (cards, blurred)
        "ALLOWED_HOSTS": _env("ALLOWED_HOSTS", "localhost,127.0.0.1"),
        "METRICS_TOKEN": _env("METRICS_TOKEN", ""),
        "ALBUM_PHOTOS": int(_env("ALBUM_PHOTOS", "10")),
        "ALBUM_MB": float(_env("ALBUM_MB", "60")),
        "ANIMATION_FRAMES": int(_env("ANIMATION_FRAMES", "8")),
        "ANIMATION_MEGAPIXELS": float(_env("ANIMATION_MEGAPIXELS", "40")),
    }


def settle(config):
    """Fill in the settings that depend on the data directory, creating it on first run."""
    data_dir = Path(config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True)
    if shares_no_disk(config) and not config.get("SECRET_KEY"):
        raise RuntimeError("HANTEI_STORAGE_URL is a bucket, so servers share no data folder: set the same "
                           "HANTEI_SECRET_KEY on every server (e.g. `python -c 'import secrets; "
                           "print(secrets.token_hex(32))'`), or sessions, reveal links and forms fail across them")
    config["SECRET_KEY"] = config.get("SECRET_KEY") or secret_key(data_dir)
    config["DATABASE_URL"] = config.get("DATABASE_URL") or f"sqlite:///{data_dir / 'hantei.db'}"
    config["RETENTION_DAYS"] = max(MIN_RETENTION_DAYS, int(config["RETENTION_DAYS"]))
    # postgresql:// means the driver hantei installs (psycopg 3), not SQLAlchemy's default psycopg2.
    for plain in ("postgresql://", "postgres://"):
        if config["DATABASE_URL"].startswith(plain):
            config["DATABASE_URL"] = "postgresql+psycopg://" + config["DATABASE_URL"][len(plain):]


def shares_no_disk(config):
    """Whether the files live in a bucket: then no server's data folder holds anything another one needs."""
    return str(config.get("STORAGE_URL") or "").startswith("s3://")


def deployment(config):
    """One line for the start-up log: where this server keeps what, and what every other server must share."""
    database = config["DATABASE_URL"].split("://", 1)[0].split("+")[0]
    files = config.get("STORAGE_URL") or f"{Path(config['DATA_DIR']) / 'photos'} (local folder)"
    limits = "redis" if str(config.get("RATELIMIT_STORAGE", "")).startswith("redis") else "this worker's memory"
    kept = Path(config["DATA_DIR"]) / "secret_key"
    secret = f"{kept} (this server only)" if kept.exists() and kept.read_text().strip() == config["SECRET_KEY"] \
        else "HANTEI_SECRET_KEY"
    shared = ("every server needs the same HANTEI_SECRET_KEY, HANTEI_DATABASE_URL (PostgreSQL), HANTEI_STORAGE_URL "
              "and HANTEI_RATELIMIT_STORAGE (Redis)") if shares_no_disk(config) else (
        "one server, or several on one shared data folder")
    lonely = [what for what, alone in (("SQLite", database == "sqlite"), ("in-memory limits", limits != "redis"))
              if alone and shares_no_disk(config)]
    warning = f" (but {' and '.join(lonely)} belong to this server alone)" if lonely else ""
    return (f"hantei: database {database}, files in {files}, limits in {limits}, secret key from {secret}; "
            f"{shared}{warning}")
