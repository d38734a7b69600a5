"""Judges: every judge folder under the models directory, read once per process; a broken one is reported; a judge
the cockpit publishes is read again by every process on its next request."""

import json
import logging
import os
import threading
import uuid
from pathlib import Path

from ..vision.classifiers import SignatureError
from . import manifest
from .judge import Judge
from .manifest import ManifestError

_loading = threading.Lock()
PUBLISHED = ".published"  # MODELS_DIR/.published: {judge id: a new token each time the cockpit puts it live}
log = logging.getLogger(__name__)


class UnknownJudge(LookupError):
    """A judge id that no loaded judge has."""


def open_judge(folder):
    """The judge of one folder, its model checked against its manifest (raises ManifestError)."""
    judge = Judge(manifest.read(folder))
    try:
        judge.check()
    except SignatureError as error:
        raise ManifestError(f"{Path(folder) / 'judge.toml'}: {error}") from None
    return judge


class Judges:
    """Every judge folder under the models directory; a broken one is reported and the rest serve.

    The folders are read on first use in each process (so after gunicorn forks its workers, and
    again in the new workers a HUP starts), never at import: each worker opens its own sessions.
    """

    def __init__(self, models_dir, default):
        self.models_dir = Path(models_dir)
        self.default = default
        self._pid = None
        self._loaded = {}
        self._problems = {}
        self._stamp = None  # what .published was (its mtime and size) when this process last read it
        self._published = {}

    def _ensure(self):
        if self._pid == os.getpid():
            self._catch_up()
            return
        with _loading:
            if self._pid != os.getpid():
                self._stamp, self._published = self._read_published()
                self._loaded, self._problems = self.read(self.models_dir)
                for problem in self._problems.values():
                    log.warning("judge left out: %s", problem)
                self._pid = os.getpid()

    def _read_published(self):
        path = self.models_dir / PUBLISHED
        try:
            stat = path.stat()
            return (stat.st_mtime_ns, stat.st_size), json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None, {}

    def _catch_up(self):
        """Read again the folders published since this process last looked (one stat a call when none was)."""
        try:
            stat = (self.models_dir / PUBLISHED).stat()
        except OSError:
            return
        if (stat.st_mtime_ns, stat.st_size) == self._stamp:
            return
        with _loading:
            stamp, published = self._read_published()
            changed = [judge_id for judge_id, token in published.items() if self._published.get(judge_id) != token]
            loaded, problems = dict(self._loaded), dict(self._problems)
            warm = any(judge.warm for judge in loaded.values())  # a worker that loaded its judges loads these too
            for judge_id in changed:
                loaded.pop(judge_id, None)
                problems.pop(judge_id, None)
                folder = self.models_dir / judge_id
                if not (folder / "judge.toml").is_file():
                    continue
                try:
                    loaded[judge_id] = open_judge(folder)
                    if warm:
                        loaded[judge_id].load()
                except ManifestError as error:
                    problems[judge_id] = str(error)
                    log.warning("judge left out: %s", error)
            self._loaded = dict(sorted(loaded.items()))
            self._problems = problems
            self._stamp, self._published = stamp, published

    def publish(self, judge_id):
        """Tell every process serving this models directory to read MODELS_DIR/<judge_id>/ again on its next request
        (a judge folder put live, changed or removed without a restart); this process reads it now."""
        published = self._read_published()[1]
        published[judge_id] = uuid.uuid4().hex
        part = self.models_dir / f"{PUBLISHED}.{os.getpid()}.part"
        part.write_text(json.dumps(published), encoding="utf-8")
        os.replace(part, self.models_dir / PUBLISHED)
        self._ensure()

    @staticmethod
    def read(models_dir):
        """Read every judge folder (skipping hidden ones, such as an install in progress)."""
        loaded, problems = {}, {}
        folders = sorted(Path(models_dir).iterdir()) if Path(models_dir).is_dir() else []
        for folder in folders:
            if folder.name.startswith(".") or not (folder / "judge.toml").is_file():
                continue
            try:
                judge = open_judge(folder)
            except ManifestError as error:
                problems[folder.name] = str(error)
            else:
                if judge.id in loaded:
                    taken = f"id = {judge.id!r} is already taken by another folder"
                    problems[folder.name] = f"{folder / 'judge.toml'}: {taken}"
                    continue
                loaded[judge.id] = judge
        return loaded, problems

    @property
    def read_here(self):
        """Whether this process has read the folders yet (each worker reads them after the fork)."""
        return self._pid == os.getpid()

    @property
    def loaded(self):
        self._ensure()
        return self._loaded

    @property
    def problems(self):
        self._ensure()
        return self._problems

    def get(self, judge_id=None):
        """The judge with this id, or the default judge when none is named."""
        judge = self.loaded.get(judge_id or self.default)
        if judge is None:
            raise UnknownJudge(judge_id or self.default)
        return judge

    def load(self):
        """Load every judge's models in this process."""
        for judge in self:
            judge.load()

    def __iter__(self):
        """The judges, the default first, then by folder name."""
        loaded = self.loaded
        first = [loaded[self.default]] if self.default in loaded else []
        return iter(first + [judge for judge_id, judge in loaded.items() if judge_id != self.default])
