"""Fixtures in the Flask tutorial's shape: app, client, runner; each app gets its own data folder."""

import pytest

from hantei import create_app
from tests.helpers import TEST_SETTINGS
from tests.photos import encoded, rgb
from tests.servers import RUNNING, PostgreSQL


@pytest.fixture(scope="session")
def postgresql():
    """One PostgreSQL cluster for the whole run; each test that needs it gets its own database."""
    server = PostgreSQL()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Every test that stores results runs on the embedded SQLite and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hantei.db'}"
    return request.getfixturevalue("postgresql").new_database()


@pytest.fixture
def make_app(tmp_path):
    """Build an app on this test's own data folder (SQLite) with settings on top of the test ones."""
    def make(**settings):
        return create_app({**TEST_SETTINGS, "DATA_DIR": tmp_path / "data", **settings})
    return make


@pytest.fixture
def app(tmp_path, database_url):
    return create_app({**TEST_SETTINGS, "DATA_DIR": tmp_path, "DATABASE_URL": database_url})


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
