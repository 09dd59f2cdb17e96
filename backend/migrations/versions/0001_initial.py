"""Initial schema: every table of backend/models.py.

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "case_counters",
        sa.Column("county", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("county", "year"),
    )
    op.create_table(
        "channel_cursors",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.String(1000), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "conversations",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_ref", sa.String(200), nullable=False),
        sa.Column("state", sa.JSON(), nullable=True),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("channel", "user_ref"),
    )
    op.create_table(
        "filers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("township", sa.String(100), nullable=True),
        sa.Column("village", sa.String(100), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("channel_user", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_filers_phone", "filers", ["phone"], unique=False)
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("employer", sa.String(200), nullable=True),
        sa.Column("credit_code", sa.String(18), nullable=True),
        sa.Column("township", sa.String(100), nullable=True),
        sa.Column("village", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_persons_credit_code", "persons", ["credit_code"], unique=False)
    op.create_index("ix_persons_employer", "persons", ["employer"], unique=False)
    op.create_index("ix_persons_id_number", "persons", ["id_number"], unique=False)
    op.create_index("ix_persons_phone", "persons", ["phone"], unique=False)
    op.create_table(
        "processed_messages",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        _ts("received_at"),
        sa.PrimaryKeyConstraint("channel", "message_id"),
    )
    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False),
        _ts("created_at"),
        _ts("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_staff_tokens_staff_id", "staff_tokens", ["staff_id"], unique=False)
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("due_at"),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("channel_user", sa.String(200), nullable=False),
        sa.Column("lead_agency", sa.String(32), nullable=False),
        sa.Column("complainant_id", sa.Integer(), nullable=False),
        sa.Column("filer_id", sa.Integer(), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("insurance_type", sa.String(32), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("people_count", sa.Integer(), nullable=True),
        sa.Column("nlu_confidence", sa.Float(), nullable=True),
        sa.Column("repeat_of", sa.String(32), nullable=True),
        sa.Column("transferred_to", sa.String(200), nullable=True),
        sa.Column("latest_reply", sa.Text(), nullable=True),
        _ts("replied_at", nullable=True),
        _ts("closed_at", nullable=True),
        sa.Column("satisfaction", sa.String(32), nullable=True),
        sa.Column("reminders", sa.JSON(), nullable=True),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(["complainant_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["filer_id"], ["filers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in (
        "category",
        "channel_user",
        "complainant_id",
        "created_at",
        "due_at",
        "filer_id",
        "lead_agency",
        "repeat_of",
        "status",
        "tier",
    ):
        op.create_index(f"ix_cases_{column}", "cases", [column], unique=False)
    op.create_index("ix_cases_number", "cases", ["number"], unique=True)
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _ts("assigned_at"),
        sa.Column("opinion", sa.Text(), nullable=True),
        _ts("opinion_at", nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assignments_agency_id", "assignments", ["agency_id"], unique=False)
    op.create_index("ix_assignments_case_id", "assignments", ["case_id"], unique=False)
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_at", "events", ["at"], unique=False)
    op.create_index("ix_events_case_id", "events", ["case_id"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("due_label", sa.String(100), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=True),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        _ts("locked_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("sent_at", nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key"),
    )
    op.create_index("ix_outbox_case_id", "outbox", ["case_id"], unique=False)
    op.create_index("ix_outbox_channel", "outbox", ["channel"], unique=False)
    op.create_index("ix_outbox_next_attempt_at", "outbox", ["next_attempt_at"], unique=False)
    op.create_index("ix_outbox_status", "outbox", ["status"], unique=False)


def downgrade() -> None:
    for table in (
        "outbox",
        "events",
        "assignments",
        "cases",
        "staff_tokens",
        "processed_messages",
        "persons",
        "filers",
        "conversations",
        "channel_cursors",
        "case_counters",
    ):
        op.drop_table(table)
