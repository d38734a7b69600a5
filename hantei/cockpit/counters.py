"""Launch counters: hourly rows per event, key and judge, added up by upsert so that every server adds to one."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ..store.tables import counts

KEEP_DAYS = 400
# Judging time is kept as a histogram: how many judgings took at most each of these milliseconds.
TIMING_EDGES = (25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000, 120000)
# PostgreSQL and SQLite (3.24+) share this upsert's syntax. It is written out because SQLAlchemy 2.0 cannot cache
# the compiled form of its dialect inserts with ON CONFLICT (no cache key): built by `insert().on_conflict_do_update`
# it was compiled again for every upload.
UPSERT = sa.text(
    'INSERT INTO counts (hour, event, "key", judge, n) VALUES (:hour, :event, :key, :judge, :n) '
    'ON CONFLICT (hour, event, "key", judge) DO UPDATE SET n = counts.n + excluded.n'
).bindparams(sa.bindparam("hour", type_=counts.c.hour.type), sa.bindparam("n", type_=counts.c.n.type))


def hour_of(moment=None):
    """The start of the hour (UTC) a moment falls in."""
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def timing_key(ms):
    """The histogram bucket of a judging time: the first edge it does not exceed."""
    return str(next((edge for edge in TIMING_EDGES if ms <= edge), TIMING_EDGES[-1]))


def percentile(histogram, share):
    """The bucket edge (ms) that `share` of the judgings stayed within, from {edge: count}; None without any."""
    total = sum(histogram.values())
    if not total:
        return None
    running = 0
    for edge in sorted(histogram, key=int):
        running += histogram[edge]
        if running >= share * total:
            return int(edge)
    return None


class Counters:
    """Adds to and reads the hourly counters of one database."""

    def __init__(self, engine):
        self.engine = engine

    def add(self, event, key="", judge="", n=1, at=None):
        """Count n of an event (e.g. "device", "phone") for a judge in the current hour."""
        self.add_many([(event, key, judge)], n, at)

    def add_many(self, events, n=1, at=None):
        """Count n of each (event, key, judge) in one statement and transaction (one disk sync on SQLite)."""
        hour = hour_of(at)
        with self.engine.begin() as connection:
            connection.execute(UPSERT, [{"hour": hour, "event": event, "key": str(key)[:64],
                                               "judge": (judge or "")[:64], "n": n} for event, key, judge in events])

    def totals(self, since, until=None, judge=None):
        """{event: {key: n}} over [since, until), for one judge or all."""
        query = sa.select(counts.c.event, counts.c.key, sa.func.sum(counts.c.n)).where(counts.c.hour >= hour_of(since))
        if until is not None:
            query = query.where(counts.c.hour < until)
        if judge:
            query = query.where(counts.c.judge == judge)
        found = {}
        with self.engine.connect() as connection:
            for event, key, n in connection.execute(query.group_by(counts.c.event, counts.c.key)):
                found.setdefault(event, {})[key] = int(n)
        return found

    def hourly(self, event, since, judge=None):
        """{hour: n} of one event since a moment, hours without any left out."""
        query = sa.select(counts.c.hour, sa.func.sum(counts.c.n)).where(
            counts.c.event == event, counts.c.hour >= hour_of(since))
        if judge:
            query = query.where(counts.c.judge == judge)
        with self.engine.connect() as connection:
            rows = connection.execute(query.group_by(counts.c.hour)).all()
        return {_utc(hour): int(n) for hour, n in rows}

    def judges(self):
        """Every judge id that has a counter."""
        with self.engine.connect() as connection:
            return sorted(j for j in connection.execute(sa.select(counts.c.judge).distinct()).scalars() if j)

    def prune(self, now=None):
        """Forget hours older than KEEP_DAYS; return how many rows went."""
        cutoff = hour_of(now) - timedelta(days=KEEP_DAYS)
        with self.engine.begin() as connection:
            return connection.execute(counts.delete().where(counts.c.hour < cutoff)).rowcount


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
