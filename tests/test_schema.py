"""Migrations build the schema the store's tables describe, on SQLite and PostgreSQL alike, once."""

import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hantei.store import open_store, schema
from hantei.store.tables import metadata

ROOT = Path(__file__).resolve().parent.parent


def test_migrated_schema_matches_the_tables(tmp_path, database_url):
    store = open_store(database_url, tmp_path, retention_days=30)
    assert schema.current(store.engine) == schema.head()
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_second_start_does_not_migrate_again(tmp_path, database_url):
    open_store(database_url, tmp_path, retention_days=30)
    engine = sa.create_engine(database_url)
    before = schema.current(engine)
    open_store(database_url, tmp_path, retention_days=30)
    assert schema.current(engine) == before == schema.head()


STARTS = """
import sys, time
from pathlib import Path
from hantei.store import open_store
start, urls = float(sys.argv[1]), sys.argv[2:]
for n, url in enumerate(urls):
    time.sleep(max(0, start + n * 0.4 - time.time()))
    folder = Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:") else Path("data")
    open_store(url, folder, 30)
print("ok")
"""


def test_workers_starting_together_all_start(tmp_path, database_url):
    """Eight processes open each new database at the same moment, as gunicorn's workers do: every one starts.

    On SQLite, twelve new files in turn: switching a new file to WAL once failed one worker in about fifty."""
    urls = [database_url]
    if database_url.startswith("sqlite"):
        urls = [f"sqlite:///{tmp_path / str(n) / 'hantei.db'}" for n in range(12)]
        for url in urls:
            Path(url.removeprefix("sqlite:///")).parent.mkdir()
    start = time.time() + 6  # by then every process has imported hantei
    workers = [subprocess.Popen([sys.executable, "-c", STARTS, str(start), *urls], cwd=tmp_path,
                                env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
    outputs = [worker.communicate(timeout=180) for worker in workers]
    assert [out for out, _ in outputs] == ["ok\n"] * 8, [err[-300:] for _, err in outputs if err]
    for url in urls:
        engine = sa.create_engine(url)
        assert schema.current(engine) == schema.head() and schema.journal_mode(engine) in (None, "wal")


def test_a_database_from_before_migrations_is_adopted(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # how the first version made its tables: 0001's, before migrations existed
        command.upgrade(schema.alembic_config(connection), "0001")
        connection.exec_driver_sql("DROP TABLE alembic_version")
    store = open_store(url, tmp_path, retention_days=30)
    assert schema.current(store.engine) == schema.head()
