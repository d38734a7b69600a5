"""Albums: several photos posted together, each judged as its own result, listed in the order they came.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "albums",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("judge", sa.String(64), nullable=False),
        sa.Column("failures", sa.Text, nullable=False),
        sa.Column("owner_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_albums_expires_at", "albums", ["expires_at"])
    op.create_table(
        "album_photos",
        sa.Column("album_id", sa.String(32), sa.ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("result_id", sa.String(32), sa.ForeignKey("results.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_album_photos_result_id", "album_photos", ["result_id"])


def downgrade():
    op.drop_table("album_photos")
    op.drop_table("albums")
