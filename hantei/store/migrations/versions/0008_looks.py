"""Looks: a result keeps how its verdict was drawn when it was judged (colour, comment, reading), so that a later
edit of the judge's manifest changes no old page, card or share text; each region its own answer's look; and
the size of the photo as uploaded, which the API gives boxes in.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("look", sa.Text, nullable=True))
        batch.add_column(sa.Column("uploaded_width", sa.Integer, nullable=True))
        batch.add_column(sa.Column("uploaded_height", sa.Integer, nullable=True))
    with op.batch_alter_table("regions") as batch:
        batch.add_column(sa.Column("look", sa.Text, nullable=True))


def downgrade():
    with op.batch_alter_table("regions") as batch:
        batch.drop_column("look")
    with op.batch_alter_table("results") as batch:
        batch.drop_column("uploaded_height")
        batch.drop_column("uploaded_width")
        batch.drop_column("look")
