"""Region verdicts: each region classified on its own keeps the verdict it was given when the photo was judged.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("regions") as batch:
        batch.add_column(sa.Column("verdict", sa.Text, nullable=True))


def downgrade():
    with op.batch_alter_table("regions") as batch:
        batch.drop_column("verdict")
