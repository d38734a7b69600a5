"""Fixtures in the Flask tutorial's shape: app, client, runner; each app gets its own data folder."""

import pytest

from hantei import create_app
from tests.photos import encoded, rgb


@pytest.fixture
def app(tmp_path):
    # CSRF and rate limits have their own tests (test_security.py, test_throttle.py).
    return create_app({"TESTING": True, "DATA_DIR": tmp_path, "WTF_CSRF_ENABLED": False, "RATELIMIT": ""})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def astronaut_jpeg():
    return encoded(rgb("astronaut"), "JPEG", quality=92)
