"""Migrations build the schema the store's tables describe, on SQLite and PostgreSQL alike, once."""

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hantei import schema
from hantei.store import Store, metadata, regions, results

ROOT = Path(__file__).resolve().parent.parent


def test_migrated_schema_matches_the_tables(tmp_path, database_url):
    store = Store(database_url, tmp_path, retention_days=30)
    assert schema.current(store.engine) == schema.head()
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_second_start_does_not_migrate_again(tmp_path, database_url):
    Store(database_url, tmp_path, retention_days=30)
    engine = sa.create_engine(database_url)
    before = schema.current(engine)
    Store(database_url, tmp_path, retention_days=30)
    assert schema.current(engine) == before == schema.head()


def test_workers_starting_together_migrate_once(tmp_path, database_url):
    code = ("import sys; from hantei.store import Store; "
            "Store(sys.argv[1], sys.argv[2], 30); print('ok')")
    workers = [subprocess.Popen([sys.executable, "-c", code, database_url, str(tmp_path)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [out for out, _ in outputs] == ["ok\n"] * 3, [err for _, err in outputs]


def test_a_database_from_before_migrations_is_adopted(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    metadata.create_all(sa.create_engine(url), tables=[results, regions])  # how the first version made its tables
    store = Store(url, tmp_path, retention_days=30)
    assert schema.current(store.engine) == schema.head()
