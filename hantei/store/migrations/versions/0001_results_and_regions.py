"""Results and the regions found in them.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
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
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_results_expires_at", "results", ["expires_at"])
    op.create_table(
        "regions",
        sa.Column("result_id", sa.String(32), sa.ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("x", sa.Integer, nullable=False),
        sa.Column("y", sa.Integer, nullable=False),
        sa.Column("w", sa.Integer, nullable=False),
        sa.Column("h", sa.Integer, nullable=False),
        sa.Column("labels", sa.Text, nullable=False),
    )


def downgrade():
    op.drop_table("regions")
    op.drop_table("results")
