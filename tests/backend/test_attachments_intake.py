"""The intake attaches a draft's uploads in its own transaction, and the staff side says how
many attachments a case has: the new-case push, later pushes, the register (both databases)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

import tests.backend.attachment_samples as samples
from backend import export, intake
from backend.attachments import (
    AddedToCase,
    FileStore,
    Stored,
    Upload,
    add_to_case,
    list_attachments,
    store_draft_upload,
)
from backend.models import Attachment, Case, Event, OutboxMessage
from backend.service import CaseFilter
from backend.workflow import Actor, StaffAction, action_label

_ids = itertools.count(1)


def upload(data: bytes, kind: str, when: Any, user: str = "user-1") -> Upload:
    n = next(_ids)
    return Upload(
        data=data,
        kind=kind,
        channel="console",
        user_ref=user,
        received_at=when,
        channel_media_id=f"media-{n}",
        message_id=f"intake-{n}",
    )


async def keep(database: Any, store: FileStore, key: str, clock: Any) -> None:
    """Two photos and a voice message sent while the draft was open."""
    for data, kind in (
        (samples.image("JPEG", seed=11), "image"),
        (samples.image("PNG", seed=12), "image"),
        (samples.amr(), "voice"),
    ):
        stored = await store_draft_upload(database, store, upload(data, kind, clock()), key)
        assert isinstance(stored, Stored) and stored.attachment.case_number is None


async def outbox(database: Any, kind: str | None = None) -> list[OutboxMessage]:
    async with database.session() as s:
        q = sa.select(OutboxMessage).order_by(col(OutboxMessage.id))
        if kind is not None:
            q = q.where(col(OutboxMessage.kind) == kind)
        return list((await s.execute(q)).scalars())


async def test_uploads_follow_the_draft_into_the_case_and_the_push_counts_them(
    case_service: Any, database: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    store = FileStore(tmp_path)
    key = "console:user-1:2026-03-02T01:00:00+00:00"
    await keep(database, store, key, clock)
    opened = await case_service.open_case(make_draft(draft_key=key, id_number="140522199003151234"))

    views = await list_attachments(database, opened.number)
    assert [v.kind for v in views] == ["image", "image", "voice"]
    async with database.session() as s:
        register = (
            await s.execute(sa.select(Event).where(col(Event.action) == "register"))
        ).scalar_one()
        rows = (await s.execute(sa.select(Attachment))).scalars().all()
    assert {(r.event_id, r.attached_at is not None) for r in rows} == {(register.id, True)}

    pushes = await outbox(database, "new_case")
    assert pushes, "no new-case push"
    for push in pushes:
        assert "附件：照片 2 张、语音 1 条" in push.body
        assert "140522199003151234" not in push.body  # masked as always
    # The complainant's own notices never list the staff's attachment line.
    assert all("附件：" not in m.body for m in await outbox(database) if m.kind != "new_case")

    # The same draft opened again: the same case, nothing attached or pushed twice.
    before = len(await outbox(database))
    again = await case_service.open_case(make_draft(draft_key=key))
    assert again.number == opened.number
    assert len(await list_attachments(database, opened.number)) == 3
    assert len(await outbox(database)) == before
    detail = await case_service.detail(opened.number)
    assert (detail.attachments.image, detail.attachments.voice, detail.attachments.total) == (
        2,
        1,
        3,
    )


async def test_a_failed_intake_attaches_nothing(
    case_service: Any,
    database: Any,
    clock: Any,
    tmp_path: Path,
    make_draft: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = FileStore(tmp_path)
    key = "console:user-1:rollback"
    await keep(database, store, key, clock)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(intake.outbox, "write", broken)
    with pytest.raises(RuntimeError):
        await case_service.open_case(make_draft(draft_key=key))
    monkeypatch.undo()
    async with database.session() as s:
        assert (await s.execute(sa.select(sa.func.count()).select_from(Case))).scalar_one() == 0
        rows = (await s.execute(sa.select(Attachment))).scalars().all()
    assert len(rows) == 3 and all(r.case_id is None and r.event_id is None for r in rows)
    # The retry attaches them all, once.
    opened = await case_service.open_case(make_draft(draft_key=key))
    assert len(await list_attachments(database, opened.number)) == 3


async def test_later_material_is_pushed_counted_and_in_the_register(
    case_service: Any, database: Any, county: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    store = FileStore(tmp_path)
    key = "console:user-1:later"
    await store_draft_upload(
        database, store, upload(samples.image("JPEG", seed=3), "image", clock()), key
    )
    opened = await case_service.open_case(make_draft(draft_key=key))
    plain = await case_service.open_case(make_draft(name="李四", channel_user="user-2"))
    clock.advance(hours=1)
    added = await add_to_case(
        database, store, county, opened.number, upload(samples.pdf(), "file", clock())
    )
    assert isinstance(added, AddedToCase)
    [push] = [m for m in await outbox(database, "attachment")]
    assert opened.number in push.body and "补充了文件 1 份" in push.body
    assert "本案附件：照片 1 张、文件 1 份" in push.body

    detail = await case_service.detail(opened.number)
    [event] = [e for e in detail.events if e.action == "attachment"]
    assert event.action_label == action_label("attachment") == "补充材料"

    # A later staff push (a transfer) says what the case carries.
    lead = county.staff_of(opened.lead.id)[0]
    target = next(a.id for a in county.agencies if a.id not in (opened.lead.id, county.office))
    actor = Actor(id=lead.id, kind="staff", agency=lead.agency, name=lead.name)
    await case_service.act(
        opened.number,
        StaffAction(kind="transfer", actor=actor, text="不归本单位", target_agency=target),
    )
    [transfer] = [m for m in await outbox(database, "transfer")]
    assert "附件：照片 1 张、文件 1 份" in transfer.body

    # The register: an 附件 column (CSV, XLSX) and an ``attachments`` count (JSON).
    cases = await case_service.list_cases(CaseFilter())
    headers, rows = export.table(cases, county)
    by_number = {r[0]: dict(zip(headers, r, strict=True)) for r in rows}
    assert by_number[opened.number]["附件"] == 2 and by_number[plain.number]["附件"] == 0
    records = {r["number"]: r for r in json.loads(export.to_json(cases))}
    assert records[opened.number]["attachments"] == 2
    assert records[opened.number]["attachment_counts"]["file"] == 1
    assert records[plain.number]["attachments"] == 0
