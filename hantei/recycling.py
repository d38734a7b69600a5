"""When a gunicorn worker should make way for a fresh one: after its share of judged uploads (jittered, so workers
do not all reload their models at once) or once it has grown in memory, never because of cheap requests."""

import os
import random

PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes(statm="/proc/self/statm"):
    """This process's resident memory."""
    try:
        with open(statm, encoding="ascii") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class Recycling:
    """Counts what a worker has judged and how far it has grown since its models were loaded."""

    def __init__(self, uploads, grown_mb, rng=random):
        # Up to a quarter more uploads for each worker, so that workers started together do not recycle together.
        self.after = uploads + rng.randint(0, uploads // 4) if uploads > 0 else 0
        self.grown_bytes = grown_mb * 1024 * 1024 if grown_mb > 0 else 0
        self.baseline = resident_bytes()
        self.seen = 0

    def due(self, judged):
        """Why the worker should recycle, having judged `judged` photos so far, or None (no new judging: no look)."""
        if judged == self.seen:
            return None
        self.seen = judged
        if self.after and judged >= self.after:
            return f"{judged} uploads judged"
        if self.grown_bytes:
            grown = resident_bytes() - self.baseline
            if grown > self.grown_bytes:
                return f"grew by {grown // 2**20} MB since its models were loaded"
        return None
