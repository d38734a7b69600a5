"""Settings: the secret key that every worker of an instance shares."""

import multiprocessing
import stat
import time

from hantei.config import secret_key


def test_secret_key_is_made_once_and_kept_private(tmp_path):
    key = secret_key(tmp_path)
    assert len(key) == 64 and secret_key(tmp_path) == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def key_at(folder, moment):
    time.sleep(max(0.0, moment - time.time()))
    return secret_key(folder)


def test_workers_starting_together_share_one_secret_key(tmp_path):
    """Sessions and CSRF tokens signed by one worker must hold on the others: all of them read the same key."""
    with multiprocessing.get_context("fork").Pool(8) as pool:
        for attempt in range(20):
            folder = tmp_path / str(attempt)
            folder.mkdir()
            made = set(pool.starmap(key_at, [(folder, time.time() + 0.2)] * 8))
            assert made == {(folder / "secret_key").read_text()}, made
