"""The database set up once at start-up, under a lock so that workers starting together agree: SQLite's WAL
mode, then the schema migrations (Alembic)."""

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


def alembic_config(connection):
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
    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def current(engine):
    """The revision the database is at (None before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def journal_mode(engine):
    """SQLite's journal mode ("wal" once set up); None for other databases."""
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA journal_mode").scalar()


def _use_wal(engine):
    """Switch an SQLite file to WAL, so workers read while one writes. The switch needs the file to itself, and
    SQLite refuses it at once (no busy wait) while another connection is switching: hence only under the lock."""
    connection = engine.raw_connection()
    try:
        connection.cursor().execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def upgrade(engine, lock_dir):
    """Bring the database to the newest schema (an SQLite file into WAL mode first), if it is not there yet."""
    if current(engine) == head() and journal_mode(engine) in (None, "wal"):
        return
    with _migration_lock(engine, lock_dir):
        if engine.dialect.name == "sqlite":
            _use_wal(engine)
        with engine.begin() as connection:
            config = alembic_config(connection)
            if MigrationContext.configure(connection).get_current_revision() is None and \
                    sa.inspect(connection).has_table("results"):
                command.stamp(config, "0001")  # a database made before migrations existed has 0001's tables
            command.upgrade(config, "head")
