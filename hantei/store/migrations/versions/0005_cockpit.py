"""The operator's cockpit: hourly counters, wrong-verdict reports and their reviews, the admin's password and
sessions, and the judge version of each result.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("judge_version", sa.String(64), nullable=True))
    op.create_table(
        "counts",
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("event", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("judge", sa.String(64), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
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
    op.create_table(
        "reviews",
        sa.Column("result_id", sa.String(32), primary_key=True),
        sa.Column("judge", sa.String(64), nullable=False),
        sa.Column("judged", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("label", sa.String(64), nullable=True),
        sa.Column("training_name", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "admin_settings",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    for table in ("admin_sessions", "admin_settings", "reviews", "reports", "counts"):
        op.drop_table(table)
    with op.batch_alter_table("results") as batch:
        batch.drop_column("judge_version")
