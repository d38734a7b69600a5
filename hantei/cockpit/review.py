"""The admin's review of reported results, and the training area where accepted photos (with consent) outlive
their result's expiry until the admin removes them, or its owner withdraws consent or deletes it; files go through
the store's photos interface."""

import json
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from ..store import photo_name
from ..store.tables import reviews


def training_name(judge, label, result_id):
    return f"{judge}/{label}/{result_id}.jpg"


class Review:
    """Accepts or rejects reported results, and exports what was accepted."""

    def __init__(self, store, reports, training):
        self.store, self.reports, self.training = store, reports, training

    def decide(self, result_id, accepted, label=None):
        """Accept a reported result with its right label (keeping its photo when its uploader consented), or reject
        it; False when there is no such report."""
        reported = self.reports.one(result_id)
        if reported is None:
            return False
        kept = None
        if accepted and reported.consent:
            photo = self.store.photos.read(photo_name(result_id))
            if photo is not None:
                kept = training_name(reported.judge, label, result_id)
                self.training.put(kept, photo)
        row = {"result_id": result_id, "judge": reported.judge, "judged": reported.judged,
               "status": "accepted" if accepted else "rejected", "label": label if accepted else None,
               "training_name": kept, "decided_at": datetime.now(timezone.utc)}
        with self.store.engine.begin() as connection:
            connection.execute(reviews.delete().where(reviews.c.result_id == result_id))
            connection.execute(reviews.insert(), row)
        return True

    def decided(self, judge=None, status=None):
        query = sa.select(reviews).order_by(reviews.c.decided_at)
        if judge:
            query = query.where(reviews.c.judge == judge)
        if status:
            query = query.where(reviews.c.status == status)
        with self.store.engine.connect() as connection:
            return connection.execute(query).mappings().all()

    def remove(self, result_id):
        """Take an accepted photo out of the training area (the review stays)."""
        with self.store.engine.begin() as connection:
            name = connection.execute(sa.select(reviews.c.training_name).where(
                reviews.c.result_id == result_id)).scalar()
            connection.execute(reviews.update().where(reviews.c.result_id == result_id).values(training_name=None))
        if name:
            self.training.delete(name)
        return bool(name)

    def withdraw(self, result_id):
        """The uploader withdrew consent: the training copy goes, and a later accept keeps no photo."""
        self.reports.withdraw(result_id)
        self.remove(result_id)

    def forget(self, result_id):
        """Its owner deleted the result: its training copy, its review and its reports go with it."""
        self.remove(result_id)
        with self.store.engine.begin() as connection:
            connection.execute(reviews.delete().where(reviews.c.result_id == result_id))
        self.reports.forget(result_id)

    def confusion(self, judge):
        """{(judged as, should be): count} over a judge's accepted reviews."""
        table = {}
        for row in self.decided(judge, "accepted"):
            table[(row["judged"], row["label"])] = table.get((row["judged"], row["label"]), 0) + 1
        return table

    def export(self, folder, judge=None):
        """Write accepted training photos as folder/<label>/<result id>.jpg, the layout flask train reads, with
        folder/provenance.json telling where each came from; return how many were written."""
        folder = Path(folder)
        written = []
        for row in self.decided(judge, "accepted"):
            data = self.training.read(row["training_name"]) if row["training_name"] else None
            if data is None:
                continue
            target = folder / row["label"] / f"{row['result_id']}.jpg"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            reported = self.reports.one(row["result_id"])
            written.append({"file": f"{row['label']}/{target.name}", "result_id": row["result_id"],
                            "judge": row["judge"], "judged": row["judged"], "label": row["label"],
                            "answers": reported.answers if reported else {},
                            "reviewed_at": _iso(row["decided_at"]), "consent": True})
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "provenance.json").write_text(json.dumps(written, ensure_ascii=False, indent=1), encoding="utf-8")
        return len(written)


def _iso(moment):
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()
