"""Decisive frame: an animated photo judged frame by frame keeps which frame (of how many) decided it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("frame", sa.Integer, nullable=True))
        batch.add_column(sa.Column("frames", sa.Integer, nullable=True))


def downgrade():
    with op.batch_alter_table("results") as batch:
        batch.drop_column("frames")
        batch.drop_column("frame")
