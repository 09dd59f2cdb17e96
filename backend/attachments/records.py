"""Attachment rows: storing what a resident sent, attaching it to a case, listing, fetching.

The bytes go to the ``AttachmentStore`` first (content-addressed, so a retry rewrites nothing);
the row, its event and the outbox rows are then written in ONE transaction. A blob whose row
was never committed is swept by ``yichuang attachments prune``.

Who calls what (phase 2 wiring):
- a channel, for a photo/voice/file while the dialogue has a draft open:
  ``store_draft_upload(db, store, upload, draft_key)``;
- the intake (``CaseService`` opening a case), inside its own session and transaction:
  ``attach_draft_uploads(session, draft_key, case_id, event_id=register.id, now=now)``;
- a channel, for one sent about an existing case: ``add_to_case(db, store, county, number,
  upload)`` (event + notification to the handling agencies);
- the desk / staff API: ``case_attachments(db, county, staff, number)`` and
  ``fetch_attachment(db, store, county, staff, ref)`` (agency scoping of ``backend.access``);
- pushes and the register: ``counts_for_cases(session, case_ids)`` / ``counts_by_number``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend import access_log, outbox
from backend.access import actor_for, refusal
from backend.attachments.limits import NOUN, Accepted, Refused, check_upload, noun_of
from backend.attachments.sniff import extension_for
from backend.attachments.store import AttachmentStore
from backend.db import Database
from backend.models import Assignment, Attachment, Case, Event, Filer
from backend.workflow import CaseNotFound, Forbidden

#: A draft collects at most this many; a case at most ``MAX_PER_CASE`` (abuse, not evidence).
MAX_PER_DRAFT = 20
MAX_PER_CASE = 60
FULL_DRAFT = "这次反映已经收到 {n} 个附件，不能再多了；其余材料可在登记后交给办理单位。"
FULL_CASE = "此案件已有 {n} 个附件，不能再补充了；如有其他材料，请联系办理单位。"
ARCHIVED = "案件 {number} 已归档，不能再补充材料；如有新情况，请重新反映。"
NOT_YOURS = "只有反映人本人（或代办的网格员）可以为此案件补充材料。"
NOT_FOUND = "没有这个附件。"

ATTACHMENT_ACTION = "attachment"  # event action (label: 补充材料)
NOTE_KIND = "attachment"  # outbox kind
_UNIT = {"image": "张", "voice": "条", "video": "段", "file": "份"}


class AttachmentNotFound(CaseNotFound):
    """No attachment with this ref (or not one the caller may know about)."""


@dataclass(frozen=True)
class Upload:
    """What a channel received, as plain data (no channel types)."""

    data: bytes
    kind: str  # image | voice | video | file (the channel's word; checked against the bytes)
    channel: str
    user_ref: str
    received_at: datetime
    declared_name: str | None = None
    declared_type: str | None = None
    channel_media_id: str | None = None
    #: The inbound message id: a re-delivered message stores nothing twice.
    message_id: str | None = None


@dataclass(frozen=True)
class AttachmentView:
    ref: str
    case_number: str | None
    draft_key: str | None
    kind: str
    content_type: str
    size: int
    sha256: str
    original_name: str | None
    channel: str
    user_ref: str
    channel_media_id: str | None
    received_at: datetime
    attached_at: datetime | None
    pruned_at: datetime | None

    @property
    def download_name(self) -> str:
        """A name for a download: the original one, or kind + date + the sniffed extension."""
        if self.original_name:
            return self.original_name
        ext = extension_for(self.content_type)
        return f"{noun_of(self.kind)}-{self.received_at:%Y%m%d-%H%M%S}.{ext}"

    @property
    def noun(self) -> str:
        return noun_of(self.kind)


@dataclass(frozen=True)
class Stored:
    """The upload was kept (``duplicate``: the same message had been stored before)."""

    attachment: AttachmentView
    duplicate: bool = False
    #: The case it joined directly (the draft's case was already open), else None.
    case_number: str | None = None


@dataclass
class AttachmentCounts:
    image: int = 0
    voice: int = 0
    video: int = 0
    file: int = 0

    @property
    def total(self) -> int:
        return self.image + self.voice + self.video + self.file

    def add(self, kind: str, n: int = 1) -> None:
        if kind in _UNIT:
            setattr(self, kind, getattr(self, kind) + n)

    def summary(self) -> str:
        """ "照片 2 张、语音 1 条", or "" when there are none."""
        parts = [
            f"{noun_of(k)} {getattr(self, k)} {_UNIT[k]}"
            for k in ("image", "voice", "video", "file")
            if getattr(self, k)
        ]
        return "、".join(parts)

    def to_json(self) -> dict[str, int]:
        return {
            "image": self.image,
            "voice": self.voice,
            "video": self.video,
            "file": self.file,
            "total": self.total,
        }


@dataclass(frozen=True)
class AddedToCase:
    attachment: AttachmentView
    event_id: int | None
    counts: AttachmentCounts = field(default_factory=AttachmentCounts)
    duplicate: bool = False


@dataclass(frozen=True)
class Fetched:
    attachment: AttachmentView
    data: bytes


# --- storing ---------------------------------------------------------------------------------


async def store_draft_upload(
    db: Database,
    store: AttachmentStore,
    upload: Upload,
    draft_key: str,
    *,
    county: Any = None,
) -> Stored | Refused:
    """Keep a resident's upload with the draft the dialogue is collecting.

    Refused (with the sentence to send) when the bytes fail ``check_upload`` or the draft is
    full. When the draft has already become a case (the photo arrived after 确认), it joins
    that case as ``add_to_case`` would (notifying the agencies when ``county`` is given),
    without the sender check: it is their own draft."""
    key = _clip(draft_key.strip(), 64)
    if not key:
        raise ValueError("draft_key is empty")
    earlier = await _by_message(db, upload)
    if earlier is not None:
        return Stored(earlier, duplicate=True, case_number=earlier.case_number)
    checked = check_upload(upload.data, upload.declared_name, upload.declared_type, upload.kind)
    if isinstance(checked, Refused):
        return checked
    async with db.session() as s:
        case = (
            await s.execute(sa.select(Case).where(col(Case.draft_key) == key))
        ).scalar_one_or_none()
        if case is None:
            n = await _count(s, col(Attachment.draft_key) == key)
            if n >= MAX_PER_DRAFT:
                return Refused(FULL_DRAFT.format(n=n))
    if case is not None:
        added = await _add(db, store, county, case.number, upload, checked, check_sender=False)
        if isinstance(added, Refused):
            return added
        return Stored(added.attachment, added.duplicate, case_number=case.number)
    await store.put(upload.data)
    row = _row(upload, checked, draft_key=key)
    try:
        async with db.session(write=True) as s:
            s.add(row)
            await s.commit()
    except sa.exc.IntegrityError:
        earlier = await _by_message(db, upload)  # the same message, stored concurrently
        if earlier is None:
            raise
        return Stored(earlier, duplicate=True, case_number=earlier.case_number)
    return Stored(_view(row, None))


async def attach_draft_uploads(
    s: AsyncSession,
    draft_key: str | None,
    case_id: int,
    *,
    event_id: int | None = None,
    now: datetime | None = None,
    new_case: bool = True,
) -> AttachmentCounts:
    """Move a draft's uploads to the case being opened, in the CALLER's transaction (the
    intake calls this after flushing the case and its register event, before commit).
    Returns what the case now carries from the draft (for the staff push). One statement
    (``UPDATE … RETURNING``) for a case being opened (``new_case``: it holds nothing else);
    no statement at all when ``draft_key`` is None (the dialogue kept no upload)."""
    counts = AttachmentCounts()
    key = _clip((draft_key or "").strip(), 64)
    if not key:
        return counts
    when = now or datetime.now(UTC)
    moved = await s.execute(
        sa.update(Attachment)
        .where(col(Attachment.draft_key) == key, col(Attachment.case_id).is_(None))
        .values(case_id=case_id, event_id=event_id, attached_at=when)
        .returning(col(Attachment.kind))
        .execution_options(synchronize_session=False)
    )
    if new_case:
        for (kind,) in moved.all():
            counts.add(kind)
        return counts
    rows = await s.execute(
        sa.select(col(Attachment.kind), sa.func.count())
        .where(col(Attachment.case_id) == case_id)
        .group_by(col(Attachment.kind))
    )
    for kind, n in rows.all():
        counts.add(kind, int(n))
    return counts


async def adopt_uploads(db: Database, from_key: str, to_key: str) -> int:
    """Uploads kept under ``from_key`` and not yet with a case now belong to the draft
    ``to_key`` (a photo sent before the story: it follows the report that starts after it).
    Returns how many moved."""
    old, new = _clip(from_key.strip(), 64), _clip(to_key.strip(), 64)
    if not old or not new or old == new:
        return 0
    async with db.session(write=True) as s:
        done = await s.execute(
            sa.update(Attachment)
            .where(col(Attachment.draft_key) == old, col(Attachment.case_id).is_(None))
            .values(draft_key=new)
            .execution_options(synchronize_session=False)
        )
        await s.commit()
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


async def attach_draft_to_case(db: Database, draft_key: str, *, now: datetime) -> AttachmentCounts:
    """The same, in a transaction of its own, for a caller that opened the case without it
    (idempotent: uploads already attached stay as they are). Adds one ``attachment`` event
    when something moved."""
    key = _clip(draft_key.strip(), 64) or "-"
    async with db.session(write=True) as s:
        case = (
            await s.execute(sa.select(Case).where(col(Case.draft_key) == key))
        ).scalar_one_or_none()
        if case is None or case.id is None:
            raise CaseNotFound("这份草稿还没有登记成案件。")
        pending = await _count(
            s, sa.and_(col(Attachment.draft_key) == key, col(Attachment.case_id).is_(None))
        )
        event_id: int | None = None
        if pending:
            event = Event(
                case_id=case.id,
                at=now,
                actor="system",
                action=ATTACHMENT_ACTION,
                text=f"登记时随附材料 {pending} 个。",
                data={"from_draft": True, "count": pending},
            )
            s.add(event)
            await s.flush()
            event_id = event.id
        counts = await attach_draft_uploads(
            s, key, case.id, event_id=event_id, now=now, new_case=False
        )
        await s.commit()
    return counts


async def add_to_case(
    db: Database,
    store: AttachmentStore,
    county: Any,
    number: str,
    upload: Upload,
    *,
    actor: str | None = None,
) -> AddedToCase | Refused:
    """A resident sends material about an existing case: checked, stored, and in ONE
    transaction the row, an ``attachment`` event and a notification to the handling
    agencies (lead and active co-agencies). Only the case's own complainant (or the grid
    worker who filed it) may add; ``Forbidden`` otherwise, ``CaseNotFound`` for no case."""
    earlier = await _by_message(db, upload)
    if earlier is not None:
        return AddedToCase(earlier, None, duplicate=True)
    checked = check_upload(upload.data, upload.declared_name, upload.declared_type, upload.kind)
    if isinstance(checked, Refused):
        return checked
    return await _add(db, store, county, number, upload, checked, check_sender=True, actor=actor)


async def _add(
    db: Database,
    store: AttachmentStore,
    county: Any,
    number: str,
    upload: Upload,
    checked: Accepted,
    *,
    check_sender: bool,
    actor: str | None = None,
) -> AddedToCase | Refused:
    number = number.strip().upper()
    async with db.session() as s:
        case = await _case(s, number)
        filer = await s.get(Filer, case.filer_id) if case.filer_id else None
        if check_sender and not _is_sender(case, filer, upload):
            raise Forbidden(NOT_YOURS)
        if case.status == "archived":
            return Refused(ARCHIVED.format(number=case.number))
        assert case.id is not None
        n = await _count(s, col(Attachment.case_id) == case.id)
        if n >= MAX_PER_CASE:
            return Refused(FULL_CASE.format(n=n))
    await store.put(upload.data)
    now = upload.received_at.astimezone(UTC)
    who = actor or _actor(case, filer, upload)
    row = _row(upload, checked, draft_key=case.draft_key)
    try:
        async with db.session(write=True) as s:
            case = await _case(s, number, lock=db.dialect_name == "postgresql")
            assert case.id is not None
            name = f"（{checked.original_name}）" if checked.original_name else ""
            event = Event(
                case_id=case.id,
                at=now,
                actor=who,
                action=ATTACHMENT_ACTION,
                text=f"补充{NOUN[checked.kind]}{name}。",
                data={
                    "ref": row.ref,
                    "kind": checked.kind,
                    "content_type": checked.content_type,
                    "size": checked.size,
                    "sha256": checked.sha256,
                },
            )
            s.add(event)
            await s.flush()
            assert event.id is not None
            row.case_id, row.event_id, row.attached_at = case.id, event.id, now
            s.add(row)
            await s.flush()
            counts = (await counts_for_cases(s, [case.id])).get(case.id, AttachmentCounts())
            if county is not None:
                await _notify_agencies(s, county, case, event.id, checked, counts, now)
            await s.commit()
    except sa.exc.IntegrityError:
        earlier = await _by_message(db, upload)
        if earlier is None:
            raise
        return AddedToCase(earlier, None, duplicate=True)
    return AddedToCase(_view(row, case.number), event.id, counts)


async def _notify_agencies(
    s: AsyncSession,
    county: Any,
    case: Case,
    event_id: int,
    checked: Accepted,
    counts: AttachmentCounts,
    now: datetime,
) -> None:
    assert case.id is not None
    co = (
        await s.execute(
            sa.select(col(Assignment.agency_id)).where(
                col(Assignment.case_id) == case.id,
                col(Assignment.role) == "co",
                col(Assignment.active).is_(True),
            )
        )
    ).all()
    agencies = dict.fromkeys([case.lead_agency, *(r[0] for r in co)])
    body = "\n".join(
        [
            f"【补充材料】{case.number}",
            f"反映人补充了{NOUN[checked.kind]} 1 {_UNIT[checked.kind]}。",
            f"本案附件：{counts.summary()}。",
            "请在工作台案件详情中查看。",
        ]
    )
    targets = list(
        dict.fromkeys(t for agency in agencies for t in outbox.agency_targets(county, agency))
    )
    note = outbox.Note(NOTE_KIND, f"补充材料 {case.number}", body, targets, outbox.DETAIL_ONLY)
    outbox.write(s, case, f"{case.number}:{event_id}", [note], now)


# --- reading ---------------------------------------------------------------------------------


async def list_attachments(db: Database, number: str) -> list[AttachmentView]:
    """A case's attachments, oldest first (no permission check: for backend callers)."""
    async with db.session() as s:
        case = await _case(s, number.strip().upper())
        return await _list(s, case)


async def case_attachments(
    db: Database, county: Any, staff: Any, number: str
) -> list[AttachmentView]:
    """A case's attachments for a staff member of an agency handling it (or the office)."""
    async with db.session() as s:
        case = await _case(s, number.strip().upper())
        await _authorise(s, county, staff, case)
        return await _list(s, case)


async def fetch_attachment(
    db: Database,
    store: AttachmentStore,
    county: Any,
    staff: Any,
    ref: str,
    *,
    via: str = "console",
    now: datetime | None = None,
) -> Fetched:
    """One attachment's bytes for a staff member, with the agency scoping of
    ``backend.access``: ``AttachmentNotFound`` for an unknown ref (or a draft's: staff never
    see an unopened draft), ``Forbidden`` for a case of another agency, ``BlobMissing`` when
    retention has removed the bytes. A successful read is written to the access log
    (``what`` = "attachment:<ref>", ``via`` = "console" | "api" | "cli")."""
    async with db.session() as s:
        row = (
            await s.execute(
                sa.select(Attachment).where(col(Attachment.ref) == (_clip(str(ref), 32) or "-"))
            )
        ).scalar_one_or_none()
        if row is None or row.case_id is None:
            raise AttachmentNotFound(NOT_FOUND)
        case = await s.get(Case, row.case_id)
        assert case is not None
        await _authorise(s, county, staff, case)
    data = await store.get(row.sha256)
    await access_log.record(
        db,
        county,
        actor_for(county, staff),
        case.number,
        f"attachment:{row.ref}",
        via,
        now or datetime.now(UTC),
    )
    return Fetched(_view(row, case.number), data)


async def counts_for_cases(s: AsyncSession, case_ids: Iterable[int]) -> dict[int, AttachmentCounts]:
    """Attachment counts per case id (cases without any are absent), in the caller's session."""
    ids = sorted(set(case_ids))
    out: dict[int, AttachmentCounts] = {}
    for start in range(0, len(ids), 500):
        rows = await s.execute(
            sa.select(col(Attachment.case_id), col(Attachment.kind), sa.func.count())
            .where(col(Attachment.case_id).in_(ids[start : start + 500]))
            .group_by(col(Attachment.case_id), col(Attachment.kind))
        )
        for case_id, kind, n in rows.all():
            if case_id is not None:
                out.setdefault(int(case_id), AttachmentCounts()).add(kind, int(n))
    return out


async def counts_by_number(
    db: Database, numbers: Sequence[str] | None = None
) -> dict[str, AttachmentCounts]:
    """Attachment counts per case number (all cases with any when ``numbers`` is None)."""
    q = (
        sa.select(col(Case.number), col(Attachment.kind), sa.func.count())
        .join(Case, col(Case.id) == col(Attachment.case_id))
        .group_by(col(Case.number), col(Attachment.kind))
    )
    out: dict[str, AttachmentCounts] = {}
    async with db.session() as s:
        if numbers is None:
            batches: list[list[str] | None] = [None]
        else:
            wanted = sorted({_clip(n.strip().upper(), 64) or "-" for n in numbers})
            batches = [wanted[i : i + 500] for i in range(0, len(wanted), 500)]
        for batch in batches:
            query = q if batch is None else q.where(col(Case.number).in_(batch))
            for number, kind, n in (await s.execute(query)).all():
                out.setdefault(str(number), AttachmentCounts()).add(kind, int(n))
    return out


async def draft_attachments(db: Database, draft_key: str) -> list[AttachmentView]:
    """What a draft has collected so far (the dialogue's "已收到照片 2 张")."""
    async with db.session() as s:
        rows = await s.execute(
            sa.select(Attachment)
            .where(col(Attachment.draft_key) == (_clip(draft_key.strip(), 64) or "-"))
            .order_by(col(Attachment.received_at), col(Attachment.id))
        )
        return [_view(r, None) for r in rows.scalars()]


# --- helpers ---------------------------------------------------------------------------------


def _row(upload: Upload, checked: Accepted, *, draft_key: str | None) -> Attachment:
    return Attachment(
        ref=secrets.token_hex(16),
        draft_key=draft_key,
        channel=_clip(upload.channel, 32) or "unknown",
        user_ref=_clip(upload.user_ref, 200) or "unknown",
        message_id=_clip(upload.message_id, 200),
        kind=checked.kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        channel_media_id=_clip(upload.channel_media_id, 500),
        original_name=checked.original_name,
        declared_type=checked.declared_type,
        received_at=upload.received_at.astimezone(UTC),
    )


def _clip(text: str | None, limit: int) -> str | None:
    """Printable characters only (PostgreSQL refuses NUL), at most ``limit``."""
    if not text:
        return None
    return "".join(ch for ch in text[: limit * 4] if ch.isprintable())[:limit] or None


def _view(row: Attachment, number: str | None) -> AttachmentView:
    return AttachmentView(
        ref=row.ref,
        case_number=number,
        draft_key=row.draft_key,
        kind=row.kind,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        original_name=row.original_name,
        channel=row.channel,
        user_ref=row.user_ref,
        channel_media_id=row.channel_media_id,
        received_at=row.received_at,
        attached_at=row.attached_at,
        pruned_at=row.pruned_at,
    )


async def _by_message(db: Database, upload: Upload) -> AttachmentView | None:
    if not _clip(upload.message_id, 200):
        return None
    async with db.session() as s:
        found = (
            await s.execute(
                sa.select(Attachment, col(Case.number))
                .outerjoin(Case, col(Case.id) == col(Attachment.case_id))
                .where(
                    col(Attachment.channel) == (_clip(upload.channel, 32) or "unknown"),
                    col(Attachment.message_id) == _clip(upload.message_id, 200),
                )
            )
        ).first()
    if found is None:
        return None
    row, number = found
    return _view(row, number)


async def _case(s: AsyncSession, number: str, *, lock: bool = False) -> Case:
    number = _clip(number, 64) or "-"
    q = sa.select(Case).where(col(Case.number) == number)
    if lock:
        q = q.with_for_update()
    case = (await s.execute(q)).scalars().first()
    if case is None:
        raise CaseNotFound(f"没有编号为 {number} 的案件。")
    return case


async def _count(s: AsyncSession, where: Any) -> int:
    return int((await s.execute(sa.select(sa.func.count()).where(where))).scalar_one())


async def _list(s: AsyncSession, case: Case) -> list[AttachmentView]:
    rows = await s.execute(
        sa.select(Attachment)
        .where(col(Attachment.case_id) == case.id)
        .order_by(col(Attachment.received_at), col(Attachment.id))
    )
    return [_view(r, case.number) for r in rows.scalars()]


async def _authorise(s: AsyncSession, county: Any, staff: Any, case: Case) -> None:
    co = (
        await s.execute(
            sa.select(col(Assignment.agency_id)).where(
                col(Assignment.case_id) == case.id,
                col(Assignment.role) == "co",
                col(Assignment.active).is_(True),
            )
        )
    ).all()
    reason = refusal(
        county, staff, case.lead_agency, [r[0] for r in co], getattr(case, "first_agency", None)
    )
    if reason is not None:
        raise Forbidden(reason)


def _is_sender(case: Case, filer: Filer | None, upload: Upload) -> bool:
    if (case.channel, case.channel_user) == (upload.channel, upload.user_ref):
        return True
    return filer is not None and (filer.channel, filer.channel_user) == (
        upload.channel,
        upload.user_ref,
    )


def _actor(case: Case, filer: Filer | None, upload: Upload) -> str:
    if filer is not None and (filer.channel, filer.channel_user) == (
        upload.channel,
        upload.user_ref,
    ):
        return f"grid_worker:{filer.phone}"
    return "complainant"
