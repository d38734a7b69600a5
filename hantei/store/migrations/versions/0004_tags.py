"""Tags: a tags judge's result keeps the tags it was given when the photo was judged.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("tags", sa.Text, nullable=True))


def downgrade():
    with op.batch_alter_table("results") as batch:
        batch.drop_column("tags")
