"""The operator's cockpit without the web: counters, reports and their review, the training area, judge versions.

It sits beside store/: it may import store/ and records, never web/, cli/ or flask, so pages and commands share it."""

from pathlib import Path

from ..store import LocalPhotos
from .access import Access
from .counters import Counters
from .reports import Reports
from .review import Review


class Cockpit:
    """The cockpit of one instance: its counters, admin access, reports, review and training area."""

    def __init__(self, store, data_dir):
        self.store = store
        self.counters = Counters(store.engine)
        self.access = Access(store.engine)
        self.reports = Reports(store.engine)
        # A folder of its own beside photos/, so that the store's orphan purge never sees these files.
        self.training = LocalPhotos(Path(data_dir) / "training")
        self.review = Review(store, self.reports, self.training)
