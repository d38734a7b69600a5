"""Wrong-verdict reports ("判定が違う？"): one per visitor per result, what was judged and what the reporter said."""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from ..store.tables import reports, reviews

SCORE_ANSWERS = ("higher", "lower")
NONE_OF_THESE = "none"


class AlreadyReported(Exception):
    """This visitor already reported this result."""


def answers_for(judge_spec_kind, labels):
    """The answers a report may give: a label or "none" for label judges, "higher"/"lower" for score judges."""
    return SCORE_ANSWERS if judge_spec_kind == "score" else (*labels, NONE_OF_THESE)


def judged_of(record):
    """What a result was judged, as a report keeps it: the top label, or the score to two places."""
    judgement = record.judgement
    if judgement.kind == "labels" and judgement.labels:
        return str(judgement.labels[0]["label"])[:64]
    return f"{judgement.score:.2f}"


def visitor_hash(secret, visitor, result_id):
    """A visitor's report key for one result: keyed by the app's secret, useless for anything else."""
    return hmac.new(secret.encode(), f"{visitor}:{result_id}".encode(), hashlib.sha256).hexdigest()


@dataclass
class Reported:
    """A reported result waiting for review: what was judged and the reporters' answers with their counts."""

    result_id: str
    judge: str
    kind: str
    judged: str
    answers: dict = field(default_factory=dict)
    consent: bool = False
    first: datetime = None


class Reports:
    """Files reports and reads the queue of one database."""

    def __init__(self, engine):
        self.engine = engine

    def file(self, record, answer, visitor, consent=False):
        """Keep one visitor's report on a result (raises AlreadyReported)."""
        row = {"result_id": record.id, "visitor_hash": visitor, "judge": record.judgement.judge,
               "judge_version": record.judgement.version, "kind": record.judgement.kind,
               "judged": judged_of(record), "answer": answer[:64], "consent": bool(consent),
               "created_at": datetime.now(timezone.utc)}
        try:
            with self.engine.begin() as connection:
                connection.execute(reports.insert(), row)
        except sa.exc.IntegrityError:
            raise AlreadyReported() from None

    def withdraw(self, result_id):
        """The uploader takes back their consent: no report of the result keeps it; True if one had it."""
        with self.engine.begin() as connection:
            return connection.execute(reports.update().where(
                reports.c.result_id == result_id, reports.c.consent.is_(True)).values(consent=False)).rowcount > 0

    def forget(self, result_id):
        """Delete every report of a result (its owner deleted it)."""
        with self.engine.begin() as connection:
            connection.execute(reports.delete().where(reports.c.result_id == result_id))

    def reported(self, visitor, result_id):
        with self.engine.connect() as connection:
            return connection.execute(sa.select(reports.c.id).where(
                reports.c.result_id == result_id, reports.c.visitor_hash == visitor)).first() is not None

    def queue(self, judge=None):
        """Reported results not reviewed yet, oldest first."""
        reviewed = sa.select(reviews.c.result_id)
        query = sa.select(reports).where(reports.c.result_id.not_in(reviewed)).order_by(reports.c.id)
        if judge:
            query = query.where(reports.c.judge == judge)
        return list(_group(self._rows(query)).values())

    def one(self, result_id):
        """The Reported of one result (reviewed or not), or None."""
        return _group(self._rows(sa.select(reports).where(reports.c.result_id == result_id))).get(result_id)

    def _rows(self, query):
        with self.engine.connect() as connection:
            return connection.execute(query).mappings().all()

    def wrong_share(self, judge, since):
        """How many distinct results of a judge were reported since a moment."""
        query = sa.select(sa.func.count(sa.distinct(reports.c.result_id))).where(
            reports.c.judge == judge, reports.c.created_at >= since)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)


def _group(rows):
    grouped = {}
    for row in rows:
        item = grouped.setdefault(row["result_id"], Reported(row["result_id"], row["judge"], row["kind"],
                                                              row["judged"], first=row["created_at"]))
        item.answers[row["answer"]] = item.answers.get(row["answer"], 0) + 1
        item.consent = item.consent or row["consent"]
    return grouped
