"""Schema migrations (Alembic) run once at start-up, under a lock so that workers starting together agree."""

import fcntl
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_ID = 0x68616E74  # "hant": PostgreSQL advisory lock taken while migrating


def _config(connection):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_lock(engine, lock_dir):
    """One process at a time: an advisory lock on PostgreSQL, a file lock beside an SQLite database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": LOCK_ID})
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
                connection.commit()
    else:
        with open(Path(lock_dir) / "migrations.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def head():
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(_config(None)).get_current_head()


def current(engine):
    """The revision the database is at (None before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine, lock_dir):
    """Bring the database to the newest schema, if it is not there yet."""
    if current(engine) == head():
        return
    with _migration_lock(engine, lock_dir):
        with engine.begin() as connection:
            config = _config(connection)
            if MigrationContext.configure(connection).get_current_revision() is None and \
                    sa.inspect(connection).has_table("results"):
                command.stamp(config, "0001")  # a database made before migrations existed has 0001's tables
            command.upgrade(config, "head")
