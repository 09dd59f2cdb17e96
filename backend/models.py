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
    """Inbound message ids already handled (channels re-send what they think was lost)."""

    __tablename__ = "processed_messages"
    channel: str = Field(primary_key=True, max_length=32)
    message_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime = _ts()


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
