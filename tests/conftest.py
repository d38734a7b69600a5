"""Fixtures in the Flask tutorial's shape, app, client and runner, all built by make_app on the test's own folder.

A test runs on SQLite alone unless it stores (results, albums, reports, counters): a test marked `stores`, or one
that asks for database_url, runs on the embedded SQLite and again on a real PostgreSQL."""

import pytest

from tests.helpers import build_app
from tests.photos import encoded, rgb
from tests.servers import RUNNING, PostgreSQL

DATABASES = ["sqlite", "postgresql"]


def pytest_configure(config):
    config.addinivalue_line("markers", "stores: the test stores, so it runs on SQLite and on a real PostgreSQL")


def pytest_generate_tests(metafunc):
    """The SQLite/PostgreSQL matrix, only for the tests that store."""
    if metafunc.definition.get_closest_marker("stores") or "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database", DATABASES, indirect=True)


@pytest.fixture(scope="session")
def postgresql():
    """One PostgreSQL cluster for the whole run; each test that needs it gets its own database."""
    server = PostgreSQL()
    yield server
    server.stop()


@pytest.fixture
def database(request):
    """Which database this test's apps use: SQLite, or each of the two for the tests that store."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(request, database, tmp_path):
    """This test's database: a SQLite file in its folder, or a fresh database on the session's PostgreSQL."""
    if database == "sqlite":
        return f"sqlite:///{tmp_path / 'hantei.db'}"
    return request.getfixturevalue("postgresql").new_database()


@pytest.fixture
def make_app(request, database, tmp_path):
    """make_app(**settings): an app on this test's own data folder, TEST_SETTINGS underneath the given settings.

    Its database is SQLite in the app's data folder, or the test's PostgreSQL database when the test runs there
    (every app of that test then shares it, as the servers of one site do)."""
    on_postgresql = {"DATABASE_URL": request.getfixturevalue("database_url")} if database == "postgresql" else {}

    def make(**settings):
        return build_app(**{"DATA_DIR": tmp_path, **on_postgresql, **settings})

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def astronaut_jpeg():
    return encoded(rgb("astronaut"), "JPEG", quality=92)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows the logs of every real server (gunicorn, nginx) running at the time."""
    report = yield
    if report.failed:
        for server in RUNNING:
            report.sections.extend(server.logs().items())
    return report
