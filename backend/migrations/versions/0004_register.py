"""Schema for the complainant loop and the register (issue 13): the first-receiving agency of
each case (首问) and the access log of personal data.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("first_agency", sa.String(32), nullable=True))
    op.create_index("ix_cases_first_agency", "cases", ["first_agency"], unique=False)
    # Existing cases: the lead they were registered with is in their register event; the
    # current lead is the best approximation SQL alone can give.
    op.execute("UPDATE cases SET first_agency = lead_agency WHERE first_agency IS NULL")
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(32), nullable=True),
        sa.Column("case_number", sa.String(32), nullable=True),
        sa.Column("what", sa.String(200), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"], unique=False)
    op.create_index("ix_access_log_actor", "access_log", ["actor"], unique=False)
    op.create_index("ix_access_log_case_number", "access_log", ["case_number"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_access_log_case_number", table_name="access_log")
    op.drop_index("ix_access_log_actor", table_name="access_log")
    op.drop_index("ix_access_log_at", table_name="access_log")
    op.drop_table("access_log")
    op.drop_index("ix_cases_first_agency", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("first_agency")
