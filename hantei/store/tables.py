"""The database tables, as SQLAlchemy metadata: what migrations build and the store reads and writes."""

import sqlalchemy as sa

metadata = sa.MetaData()


def table(name, *columns):
    """A table of hantei's metadata."""
    return sa.Table(name, metadata, *columns)


results = table(
    "results",
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("judge", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("verdict_ja", sa.Text, nullable=False),
    sa.Column("verdict_en", sa.Text, nullable=False),
    sa.Column("sensitive", sa.Boolean, nullable=False),
    sa.Column("labels", sa.Text, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("has_photo", sa.Boolean, nullable=False),
    sa.Column("timings", sa.Text, nullable=False),
    sa.Column("owner_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("tags", sa.Text, nullable=True),  # tags judges: the tags given, as judged (JSON)
    sa.Column("judge_version", sa.String(64), nullable=True),  # the judge's version that gave this verdict
    sa.Column("frame", sa.Integer, nullable=True),  # of an animation: the frame that decided (0-based)
    sa.Column("frames", sa.Integer, nullable=True),  # and how many frames it has
    sa.Column("look", sa.Text, nullable=True),  # how the verdict is drawn, as judged (JSON: colour, comment, reading)
    sa.Column("uploaded_width", sa.Integer, nullable=True),  # the photo as uploaded, upright: the API's boxes' size
    sa.Column("uploaded_height", sa.Integer, nullable=True),
)
regions = table(
    "regions",
    sa.Column("result_id", sa.String(32), sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    *(sa.Column(side, sa.Integer, nullable=False) for side in ("x", "y", "w", "h")),  # the box, in photo pixels
    sa.Column("labels", sa.Text, nullable=False),
    sa.Column("verdict", sa.Text, nullable=True),  # {ja, en} of a region classified on its own, as judged
    sa.Column("look", sa.Text, nullable=True),  # its own answer's look, as judged (JSON: value, colour, comment)
)
# A deleted or expired result leaves only the SHA-256 of its id, so that its address answers 410, not 404.
tombstones = table(
    "tombstones",
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("gone_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# The operator's cockpit (hantei.cockpit). Counters: one row per hour, event, key and judge ('' when none), adding
# up across servers by upsert; only numbers, never who or what browser.
counts = table(
    "counts",
    sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("event", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("judge", sa.String(64), primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)
# "判定が違う？": what was judged and what the reporter said; the visitor only as a keyed hash per result.
reports = table(
    "reports",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("result_id", sa.String(32), nullable=False, index=True),
    sa.Column("visitor_hash", sa.String(64), nullable=False),
    sa.Column("judge", sa.String(64), nullable=False),
    sa.Column("judge_version", sa.String(64), nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("judged", sa.String(64), nullable=False),
    sa.Column("answer", sa.String(64), nullable=False),
    sa.Column("consent", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("result_id", "visitor_hash", name="one_report_per_visitor"),
)
# The admin's decision on a reported result, kept after the result expires.
reviews = table(
    "reviews",
    sa.Column("result_id", sa.String(32), primary_key=True),
    sa.Column("judge", sa.String(64), nullable=False),
    sa.Column("judged", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # accepted | rejected
    sa.Column("label", sa.String(64), nullable=True),
    sa.Column("training_name", sa.String(200), nullable=True),  # the photo kept in the training area
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
admin_settings = table(
    "admin_settings",
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
admin_sessions = table(
    "admin_sessions",
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)
# An album: several photos judged together, each its own result; it lives as long as they do.
albums = table(
    "albums",
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("judge", sa.String(64), nullable=False),
    sa.Column("failures", sa.Text, nullable=False),  # JSON [{position, name, code, values}] of files refused
    sa.Column("owner_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
album_photos = table(
    "album_photos",
    sa.Column("album_id", sa.String(32), sa.ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("result_id", sa.String(32), sa.ForeignKey("results.id", ondelete="CASCADE"), nullable=False,
              index=True),
)
