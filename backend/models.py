"""Database tables (SQLModel). Schema changes go through Alembic migrations only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _json() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.JSON(), nullable=True))


class CaseCounter(SQLModel, table=True):
    """Last sequence number per county and year: incremented under a row lock."""

    __tablename__ = "case_counters"
    county: str = Field(primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    last_seq: int = 0


class Person(SQLModel, table=True):
    """The complainant (缴费人): an individual or an employer."""

    __tablename__ = "persons"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="person", max_length=16)  # person | employer
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32, index=True)
    id_number: str | None = Field(default=None, max_length=18, index=True)
    employer: str | None = Field(default=None, max_length=200, index=True)
    credit_code: str | None = Field(default=None, max_length=18, index=True)
    township: str | None = Field(default=None, max_length=100)
    village: str | None = Field(default=None, max_length=100)


class Filer(SQLModel, table=True):
    """Someone filing on the complainant's behalf (网格员代办)."""

    __tablename__ = "filers"
    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(default="grid_worker", max_length=32)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=32, index=True)
    township: str | None = Field(default=None, max_length=100)
    village: str | None = Field(default=None, max_length=100)
    channel: str | None = Field(default=None, max_length=32)
    channel_user: str | None = Field(default=None, max_length=200)


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    status: str = Field(max_length=32, index=True)
    category: str = Field(max_length=32, index=True)
    tier: str = Field(max_length=16, index=True)
    description: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    created_at: datetime = _ts(index=True)
    due_at: datetime = _ts(index=True)
    channel: str = Field(max_length=32)
    channel_user: str = Field(max_length=200, index=True)
    lead_agency: str = Field(max_length=32, index=True)
    complainant_id: int = Field(foreign_key="persons.id", index=True)
    filer_id: int | None = Field(default=None, foreign_key="filers.id", index=True)
    consent: bool = False
    insurance_type: str | None = Field(default=None, max_length=32)
    #: Every insurance the case is about, comma-separated keys, when more than one was named
    #: (``insurance_type`` is the first); None for one or none.
    insurance_types: str | None = Field(default=None, max_length=200)
    period_start: date | None = None
    period_end: date | None = None
    amount: float | None = None
    people_count: int | None = None
    nlu_confidence: float | None = None
    #: The dialogue's key of the draft this case was opened from: a repeated 确认 (after a
    #: crash, or reaching two processes) finds the case instead of opening a second one.
    draft_key: str | None = Field(default=None, max_length=64, unique=True, index=True)
    #: Earlier case this one repeats (重复件), if any.
    repeat_of: str | None = Field(default=None, max_length=32, index=True)
    #: Where the case went when transferred out of the county (转外地).
    transferred_to: str | None = Field(default=None, max_length=200)
    #: The agency that first received the case (首问): keeps read access after a transfer.
    first_agency: str | None = Field(default=None, max_length=32, index=True)
    latest_reply: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    replied_at: datetime | None = _ts(nullable=True)
    closed_at: datetime | None = _ts(nullable=True)
    satisfaction: str | None = Field(default=None, max_length=32)
    #: Reminders already queued, so the scanner does not repeat them: ["due_soon", "overdue"].
    reminders: list[str] | None = _json()
    updated_at: datetime = _ts()


class Assignment(SQLModel, table=True):
    """An agency's part in a case: the lead (承办) or a co-agency (联办)."""

    __tablename__ = "assignments"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    agency_id: str = Field(max_length=32, index=True)
    role: str = Field(max_length=8)  # lead | co
    active: bool = True
    assigned_at: datetime = _ts()
    opinion: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    opinion_at: datetime | None = _ts(nullable=True)


class Event(SQLModel, table=True):
    """The audit trail and archive: every transition with who, when and the written text."""

    __tablename__ = "events"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    at: datetime = _ts(index=True)
    actor: str = Field(
        max_length=200
    )  # "system", "staff:<id>", "complainant", "grid_worker:<phone>"
    action: str = Field(max_length=32)
    text: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False, default=""))
    data: dict[str, Any] | None = _json()


class OutboxMessage(SQLModel, table=True):
    """A notification to deliver, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    channel: str = Field(max_length=32, index=True)
    recipient: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    due_label: str | None = Field(default=None, max_length=100)
    actions: list[list[str]] | None = _json()
    dedup_key: str = Field(max_length=200, unique=True)
    status: str = Field(default="pending", max_length=16, index=True)  # pending|sent|dead
    attempts: int = 0
    next_attempt_at: datetime = _ts(index=True)
    locked_until: datetime | None = _ts(nullable=True)
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True)


class Conversation(SQLModel, table=True):
    """Dialogue state per (channel, user): a restart or another process continues it."""

    __tablename__ = "conversations"
    channel: str = Field(primary_key=True, max_length=32)
    user_ref: str = Field(primary_key=True, max_length=200)
    state: dict[str, Any] | None = _json()
    updated_at: datetime = _ts()


class ProcessedMessage(SQLModel, table=True):
    """Inbound message ids already handled (channels re-send what they think was lost).

    A dialogue message's row is written in the same transaction as the conversation state it
    produced, with the replies of that turn: a re-delivery after a crash between the commit
    and the sending gets those replies again (``answered_at`` unset), never a second turn."""

    __tablename__ = "processed_messages"
    channel: str = Field(primary_key=True, max_length=32)
    message_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime = _ts()
    replies: list[dict[str, Any]] | None = _json()
    answered_at: datetime | None = _ts(nullable=True)


class RateSlot(SQLModel, table=True):
    """Shared rate limits (``backend.ratelimit.DbRateLimiter``): ``limit`` slots per channel and
    recipient, each holding the time it was last used; a message may go when the least
    recently used slot is older than the window. Every ``serve`` process sees the same slots."""

    __tablename__ = "rate_slots"
    channel: str = Field(primary_key=True, max_length=32)
    recipient: str = Field(primary_key=True, max_length=200)
    slot: int = Field(primary_key=True)
    used_at: datetime = _ts()


class StaffToken(SQLModel, table=True):
    __tablename__ = "staff_tokens"
    id: int | None = Field(default=None, primary_key=True)
    staff_id: str = Field(max_length=64, index=True)
    token_hash: str = Field(max_length=128, unique=True)
    created_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)


class ChannelCursor(SQLModel, table=True):
    """Opaque per-key cursors of channel APIs (e.g. 微信客服 sync_msg per open_kfid)."""

    __tablename__ = "channel_cursors"
    key: str = Field(primary_key=True, max_length=200)
    value: str = Field(default="", max_length=1000)
    updated_at: datetime = _ts()


class ConsoleSession(SQLModel, table=True):
    """A signed-in staff member of the web console (``bot.desk``). The cookie holds a random
    session id; only its SHA-256 hash is stored, so a database leak opens no session."""

    __tablename__ = "console_sessions"
    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=64, unique=True)
    staff_id: str = Field(max_length=64, index=True)
    #: How the staff member proved who they are: "token" or "wecom".
    via: str = Field(default="token", max_length=16)
    created_at: datetime = _ts()
    expires_at: datetime = _ts(index=True)
    last_seen_at: datetime = _ts()


class AccessLog(SQLModel, table=True):
    """Who viewed which case's personal data, when, and through what (个人信息保护法 §51/§55):
    written when staff open a case's full details (API, CLI, web console) or export them."""

    __tablename__ = "access_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    #: "staff:tax01", "cli:root" …: the same references as ``Event.actor``.
    actor: str = Field(max_length=200, index=True)
    actor_name: str = Field(default="", max_length=100)
    agency: str | None = Field(default=None, max_length=32)
    #: The case viewed; None for a register export (``what`` says which cases).
    case_number: str | None = Field(default=None, max_length=32, index=True)
    #: "detail", "export", …; ``via``: "api", "cli", "console".
    what: str = Field(max_length=200)
    via: str = Field(default="api", max_length=16)


class Attachment(SQLModel, table=True):
    """A photo, voice message, video or file a resident sent (issue 15). The bytes live in the
    attachment store under ``sha256``; this row says whose it is. It belongs to a draft
    (``draft_key``, while the dialogue collects the report) and then to a case (``case_id``).
    ``ref`` is random: URLs name it, never the sequential id."""

    __tablename__ = "attachments"
    __table_args__ = (
        sa.CheckConstraint(
            "case_id IS NOT NULL OR draft_key IS NOT NULL", name="ck_attachments_owner"
        ),
        # A channel re-delivering the same message stores nothing twice.
        sa.Index("ix_attachments_channel_message", "channel", "message_id", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=32, unique=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    draft_key: str | None = Field(default=None, max_length=64, index=True)
    #: The event that added it to the case (registration, or a later "attachment" event).
    event_id: int | None = Field(default=None, foreign_key="events.id")
    channel: str = Field(max_length=32)
    user_ref: str = Field(max_length=200)
    message_id: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=16)  # image | voice | video | file
    content_type: str = Field(max_length=100)  # sniffed from the bytes
    size: int
    sha256: str = Field(max_length=64, index=True)
    channel_media_id: str | None = Field(default=None, max_length=500)
    original_name: str | None = Field(default=None, max_length=200)
    declared_type: str | None = Field(default=None, max_length=100)
    received_at: datetime = _ts(index=True)
    attached_at: datetime | None = _ts(nullable=True)
    #: When retention removed the bytes (the row stays: the archive records what was sent).
    pruned_at: datetime | None = _ts(nullable=True)
