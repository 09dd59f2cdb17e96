"""Idempotent case opening: the dialogue's draft key, unique per case.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("draft_key", sa.String(64), nullable=True))
    op.create_index("ix_cases_draft_key", "cases", ["draft_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_cases_draft_key", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("draft_key")
