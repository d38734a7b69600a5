"""A judgement as database rows and back: the one place that knows how a Record is laid out in the tables."""

import json
from datetime import timezone

from ..records import JudgedRegion, Judgement, Record


def result_row(judgement, size, has_photo, uploaded=None):
    """The results row of a judgement (without id, owner and lifetime, which the store adds)."""
    width, height = size
    return {
        "judge": judgement.judge,
        "kind": judgement.kind,
        "score": float(judgement.score),
        "verdict_ja": judgement.verdict["ja"],
        "verdict_en": judgement.verdict["en"],
        "sensitive": bool(judgement.sensitive),
        "labels": json.dumps(judgement.labels),
        "width": width,
        "height": height,
        "has_photo": bool(has_photo),
        "timings": json.dumps(judgement.timings_ms),
        "tags": json.dumps(judgement.tags) if judgement.tags is not None else None,
        "judge_version": judgement.version,
        "frame": judgement.frame["index"] if judgement.frame else None,
        "frames": judgement.frame["count"] if judgement.frame else None,
        "look": json.dumps(judgement.look, ensure_ascii=False) if judgement.look is not None else None,
        "uploaded_width": uploaded[0] if uploaded else None,
        "uploaded_height": uploaded[1] if uploaded else None,
    }


def region_rows(result_id, regions):
    return [
        {"result_id": result_id, "position": n, "label": r.label, "score": float(r.score),
         "x": r.box[0], "y": r.box[1], "w": r.box[2], "h": r.box[3], "labels": json.dumps(r.labels),
         "verdict": json.dumps(r.verdict, ensure_ascii=False) if r.verdict else None,
         "look": json.dumps(r.look, ensure_ascii=False) if r.look is not None else None}
        for n, r in enumerate(regions)
    ]


def record(row, regions):
    """The Record that a results row and its region rows make."""
    judgement = Judgement(
        judge=row["judge"],
        kind=row["kind"],
        score=row["score"],
        verdict={"ja": row["verdict_ja"], "en": row["verdict_en"]},
        sensitive=row["sensitive"],
        labels=json.loads(row["labels"]),
        regions=[
            JudgedRegion(r["label"], r["score"], [r["x"], r["y"], r["w"], r["h"]], json.loads(r["labels"]),
                         json.loads(r["verdict"]) if r["verdict"] else None,
                         json.loads(r["look"]) if r.get("look") is not None else None)
            for r in regions
        ],
        timings_ms=json.loads(row["timings"]),
        tags=json.loads(row["tags"]) if row["tags"] is not None else None,
        version=row.get("judge_version"),
        frame={"index": row["frame"], "count": row["frames"]} if row.get("frame") is not None else None,
        look=json.loads(row["look"]) if row.get("look") is not None else None,
    )
    return Record(
        id=row["id"],
        judgement=judgement,
        width=row["width"],
        height=row["height"],
        has_photo=row["has_photo"],
        created_at=_utc(row["created_at"]),
        expires_at=_utc(row["expires_at"]),
        uploaded=(row["uploaded_width"], row["uploaded_height"]) if row.get("uploaded_width") else None,
    )


def _utc(moment):
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
