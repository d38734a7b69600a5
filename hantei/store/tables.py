"""The database tables, as SQLAlchemy metadata: what migrations build and the store reads and writes."""

import sqlalchemy as sa

metadata = sa.MetaData()
results = sa.Table(
    "results",
    metadata,
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
    sa.Column("frame", sa.Integer, nullable=True),  # of an animation: the frame that decided (0-based)
    sa.Column("frames", sa.Integer, nullable=True),  # and how many frames it has
)
regions = sa.Table(
    "regions",
    metadata,
    sa.Column("result_id", sa.String(32), sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("x", sa.Integer, nullable=False),
    sa.Column("y", sa.Integer, nullable=False),
    sa.Column("w", sa.Integer, nullable=False),
    sa.Column("h", sa.Integer, nullable=False),
    sa.Column("labels", sa.Text, nullable=False),
    sa.Column("verdict", sa.Text, nullable=True),  # {ja, en} of a region classified on its own, as judged
)
# A deleted or expired result leaves only the SHA-256 of its id, so that its address answers 410, not 404.
tombstones = sa.Table(
    "tombstones",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("gone_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
# An album: several photos judged together, each its own result; it lives as long as they do.
albums = sa.Table(
    "albums",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("judge", sa.String(64), nullable=False),
    sa.Column("failures", sa.Text, nullable=False),  # JSON [{position, name, code, values}] of files refused
    sa.Column("owner_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
album_photos = sa.Table(
    "album_photos",
    metadata,
    sa.Column("album_id", sa.String(32), sa.ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("result_id", sa.String(32), sa.ForeignKey("results.id", ondelete="CASCADE"), nullable=False,
              index=True),
)
