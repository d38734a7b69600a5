"""Tombstones: the SHA-256 of a deleted or expired result's id, so that its address answers 410.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tombstones",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("gone_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tombstones_gone_at", "tombstones", ["gone_at"])


def downgrade():
    op.drop_table("tombstones")
