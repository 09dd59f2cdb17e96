"""Schema for attachments (issue 15).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("draft_key", sa.String(64), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_ref", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("channel_media_id", sa.String(500), nullable=True),
        sa.Column("original_name", sa.String(200), nullable=True),
        sa.Column("declared_type", sa.String(100), nullable=True),
        _ts("received_at"),
        _ts("attached_at", nullable=True),
        _ts("pruned_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.UniqueConstraint("ref"),
        sa.CheckConstraint(
            "case_id IS NOT NULL OR draft_key IS NOT NULL", name="ck_attachments_owner"
        ),
    )
    op.create_index("ix_attachments_case_id", "attachments", ["case_id"])
    op.create_index("ix_attachments_draft_key", "attachments", ["draft_key"])
    op.create_index("ix_attachments_sha256", "attachments", ["sha256"])
    op.create_index("ix_attachments_received_at", "attachments", ["received_at"])
    op.create_index(
        "ix_attachments_channel_message", "attachments", ["channel", "message_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_attachments_channel_message", table_name="attachments")
    op.drop_index("ix_attachments_received_at", table_name="attachments")
    op.drop_index("ix_attachments_sha256", table_name="attachments")
    op.drop_index("ix_attachments_draft_key", table_name="attachments")
    op.drop_index("ix_attachments_case_id", table_name="attachments")
    op.drop_table("attachments")
