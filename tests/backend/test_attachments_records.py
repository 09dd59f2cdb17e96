"""Attachment rows on both databases: a draft's uploads follow it into the case, later ones
join the case as an event with a notification, staff of another agency cannot fetch them."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

import tests.backend.attachment_samples as samples
from backend.attachments import (
    AddedToCase,
    AttachmentNotFound,
    FileStore,
    Refused,
    Stored,
    Upload,
    add_to_case,
    attach_draft_to_case,
    attach_draft_uploads,
    case_attachments,
    counts_by_number,
    counts_for_cases,
    draft_attachments,
    fetch_attachment,
    list_attachments,
    store_draft_upload,
)
from backend.attachments.limits import MAX_BYTES
from backend.models import Attachment, Case, Event, OutboxMessage
from backend.workflow import CaseNotFound, Forbidden

_ids = itertools.count(1)


def upload(
    data: bytes, kind: str, when: datetime, *, user: str = "user-1", msg: str | None = None
) -> Upload:
    return Upload(
        data=data,
        kind=kind,
        channel="console",
        user_ref=user,
        received_at=when,
        declared_name="收据.jpg" if kind == "image" else None,
        declared_type="image/jpeg" if kind == "image" else None,
        channel_media_id=f"media-{next(_ids)}",
        message_id=msg or f"m{next(_ids)}",
    )


def staff_of(county: Any, agency: str) -> Any:
    return county.staff_of(agency)[0]


def other_agency_staff(county: Any, *avoid: str) -> Any:
    return next(
        s
        for s in county.staff
        if s.agency not in avoid and s.agency != county.office and s.role == "staff"
    )


async def test_a_drafts_photo_and_voice_follow_it_into_the_case(
    case_service: Any, database: Any, county: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    store = FileStore(tmp_path / "att")
    key = "console:user-1:2026-03-02T01:00:00+00:00"
    photo, voice = samples.image("JPEG", seed=1), samples.amr()
    first = await store_draft_upload(database, store, upload(photo, "image", clock()), key)
    second = await store_draft_upload(database, store, upload(voice, "voice", clock()), key)
    assert isinstance(first, Stored) and isinstance(second, Stored)
    assert first.attachment.case_number is None and first.attachment.kind == "image"
    assert [a.kind for a in await draft_attachments(database, key)] == ["image", "voice"]

    # The intake attaches them with the registration (see test_attachments_intake.py);
    # attaching again afterwards moves nothing and adds no event.
    opened = await case_service.open_case(make_draft(draft_key=key))
    counts = await attach_draft_to_case(database, key, now=clock())
    assert (counts.image, counts.voice, counts.total) == (1, 1, 2)
    assert counts.summary() == "照片 1 张、语音 1 条"
    again = await attach_draft_to_case(database, key, now=clock())  # idempotent
    assert again.total == 2

    views = await list_attachments(database, opened.number)
    assert [v.kind for v in views] == ["image", "voice"]
    assert all(v.case_number == opened.number and v.attached_at for v in views)
    async with database.session() as s:
        events = (
            await s.execute(sa.select(Event).where(col(Event.action) == "attachment"))
        ).scalars()
        assert list(events) == []
        register = (
            await s.execute(sa.select(Event).where(col(Event.action) == "register"))
        ).scalar_one()
        rows = (await s.execute(sa.select(Attachment))).scalars().all()
        assert {r.event_id for r in rows} == {register.id}

    # The lead agency's staff fetch the bytes, identical, after a restart of the store.
    lead = staff_of(county, opened.lead.id)
    restarted = FileStore(tmp_path / "att")
    got = await fetch_attachment(database, restarted, county, lead, views[0].ref)
    assert got.data == photo and got.attachment.content_type == "image/jpeg"
    got = await fetch_attachment(database, restarted, county, lead, views[1].ref)
    assert got.data == voice and got.attachment.download_name.endswith(".amr")
    office = staff_of(county, county.office)
    assert (await fetch_attachment(database, store, county, office, views[0].ref)).data == photo

    # Another agency can neither list nor fetch them.
    stranger = other_agency_staff(county, opened.lead.id, *(c.id for c in opened.co_agencies))
    with pytest.raises(Forbidden):
        await fetch_attachment(database, store, county, stranger, views[0].ref)
    with pytest.raises(Forbidden):
        await case_attachments(database, county, stranger, opened.number)
    assert len(await case_attachments(database, county, lead, opened.number)) == 2
    with pytest.raises(AttachmentNotFound):
        await fetch_attachment(database, store, county, lead, "0" * 32)

    # Every read is in the access log (the refused one is not).
    from backend.access_log import entries

    log = await entries(database, number=opened.number)
    assert sorted(e.what for e in log) == sorted(
        f"attachment:{v.ref}" for v in (views[0], views[1], views[0])
    )
    from backend.access import actor_for

    assert sorted(e.actor for e in log) == sorted(
        [actor_for(county, lead).ref] * 2 + [actor_for(county, office).ref]
    )


async def test_attaching_runs_in_the_callers_transaction(
    database: Any, county: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    """``attach_draft_uploads`` moves nothing when the caller's transaction rolls back (the
    intake's use of it: test_attachments_intake.py). The case is opened without a draft key
    so that the intake leaves the upload alone."""
    from backend import intake

    store = FileStore(tmp_path)
    key = "console:user-1:intake"
    await store_draft_upload(database, store, upload(samples.pdf(), "file", clock()), key)
    opened = await intake.open_case(county, database, make_draft(), clock())
    async with database.session(write=True) as s:
        case = (await s.execute(sa.select(Case).where(col(Case.number) == opened.number))).one()[0]
        register = (
            await s.execute(
                sa.select(Event).where(
                    col(Event.case_id) == case.id, col(Event.action) == "register"
                )
            )
        ).one()[0]
        case_id, register_id = case.id, register.id
        counts = await attach_draft_uploads(s, key, case_id, event_id=register_id, now=clock())
        await s.rollback()  # the caller's transaction failed: nothing moved
    assert counts.file == 1
    assert (await list_attachments(database, opened.number)) == []
    async with database.session(write=True) as s:
        counts = await attach_draft_uploads(s, key, case_id, event_id=register_id, now=clock())
        await s.commit()
        found = await counts_for_cases(s, [case_id, 999])
    assert found[case_id].file == 1 and 999 not in found
    [view] = await list_attachments(database, opened.number)
    assert view.kind == "file" and view.content_type == "application/pdf"
    assert (await counts_by_number(database, [opened.number.lower()]))[opened.number].total == 1


async def test_a_photo_after_the_case_opened_joins_it_with_an_event_and_a_notice(
    case_service: Any, database: Any, county: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    store = FileStore(tmp_path)
    opened = await case_service.open_case(make_draft(draft_key="k-after"))
    clock.advance(hours=2)
    photo = samples.image("PNG", seed=9)
    added = await add_to_case(
        database, store, county, opened.number, upload(photo, "image", clock(), msg="tg-77")
    )
    assert isinstance(added, AddedToCase) and not added.duplicate
    assert added.counts.image == 1 and added.attachment.case_number == opened.number
    async with database.session() as s:
        event = (await s.execute(sa.select(Event).where(col(Event.id) == added.event_id))).one()[0]
        notes = list(
            (
                await s.execute(
                    sa.select(OutboxMessage).where(col(OutboxMessage.kind) == "attachment")
                )
            ).scalars()
        )
    assert event.action == "attachment" and event.actor == "complainant"
    assert event.data["ref"] == added.attachment.ref and "收据.jpg" in event.text
    lead_targets = {(t.channel, t.to) for t in county.agency(opened.lead.id).notify}
    assert {(n.channel, n.recipient) for n in notes} >= lead_targets
    assert all(opened.number in n.body and "照片 1 张" in n.body for n in notes)

    # The same message delivered again stores nothing twice.
    again = await add_to_case(
        database, store, county, opened.number, upload(photo, "image", clock(), msg="tg-77")
    )
    assert isinstance(again, AddedToCase) and again.duplicate
    assert len(await list_attachments(database, opened.number)) == 1

    # A photo sent "to the draft" after the case opened goes to the case too.
    late = await store_draft_upload(
        database, store, upload(samples.amr(), "voice", clock()), "k-after", county=county
    )
    assert isinstance(late, Stored) and late.case_number == opened.number
    assert [v.kind for v in await list_attachments(database, opened.number)] == ["image", "voice"]


async def test_only_the_complainant_may_add_and_not_to_an_archived_case(
    case_service: Any, database: Any, county: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    store = FileStore(tmp_path)
    opened = await case_service.open_case(make_draft())
    data = samples.image("JPEG")
    with pytest.raises(Forbidden):
        await add_to_case(
            database, store, county, opened.number, upload(data, "image", clock(), user="x")
        )
    with pytest.raises(CaseNotFound):
        await add_to_case(database, store, county, "YC-2026-999999", upload(data, "image", clock()))
    async with database.session(write=True) as s:
        await s.execute(
            sa.update(Case).where(col(Case.number) == opened.number).values(status="archived")
        )
        await s.commit()
    refused = await add_to_case(
        database, store, county, opened.number, upload(data, "image", clock())
    )
    assert isinstance(refused, Refused) and "已归档" in refused.sentence
    assert [k async for k in store.entries()] == []


async def test_refused_uploads_leave_nothing_behind(
    database: Any, clock: Any, tmp_path: Path
) -> None:
    store = FileStore(tmp_path)
    big = samples.image("JPEG")
    big += bytes(MAX_BYTES["image"] + 1 - len(big))
    for data, kind, words in (
        (big, "image", "太大"),
        (b"", "voice", "空的"),
        (samples.exe(), "file", "格式暂不支持"),
    ):
        result = await store_draft_upload(database, store, upload(data, kind, clock()), "k")
        assert isinstance(result, Refused) and words in result.sentence
    async with database.session() as s:
        assert (await s.execute(sa.select(sa.func.count()).select_from(Attachment))).scalar() == 0
    assert [k async for k in store.entries()] == []

    # Hostile names and ids are cleaned, not refused by the database.
    hostile = Upload(
        data=samples.image(),
        kind="image",
        channel="console\x00",
        user_ref="user\x00-1" + "x" * 500,
        received_at=clock(),
        declared_name="a\x00b" + "名" * 300 + ".jpg",
        declared_type="image/\x00jpeg",
        channel_media_id="m\x00" * 400,
        message_id="x\x00y",
    )
    kept = await store_draft_upload(database, store, hostile, "k\x00ey")
    assert isinstance(kept, Stored) and "\x00" not in (kept.attachment.original_name or "")
    again = await store_draft_upload(database, store, hostile, "k\x00ey")
    assert isinstance(again, Stored) and again.duplicate


async def test_a_draft_holds_a_bounded_number_and_redelivery_stores_once(
    database: Any, clock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backend.attachments.records as records

    monkeypatch.setattr(records, "MAX_PER_DRAFT", 2)
    store = FileStore(tmp_path)
    first = await store_draft_upload(
        database, store, upload(samples.image(seed=0), "image", clock(), msg="wx-1"), "k"
    )
    again = await store_draft_upload(
        database, store, upload(samples.image(seed=0), "image", clock(), msg="wx-1"), "k"
    )
    assert isinstance(first, Stored) and isinstance(again, Stored)
    assert again.duplicate and again.attachment.ref == first.attachment.ref
    results = [
        await store_draft_upload(
            database, store, upload(samples.image(seed=seed), "image", clock()), "k"
        )
        for seed in (1, 2)
    ]
    assert [type(r).__name__ for r in results] == ["Stored", "Refused"]


async def test_the_desk_answers_the_sender(
    case_service: Any, database: Any, county: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    from backend.attachments import AttachmentDesk
    from backend.settings import Settings

    desk = AttachmentDesk.from_settings(county, database, Settings(attachments_dir=tmp_path), clock)
    got = await desk.receive(upload(samples.amr(), "voice", clock()), draft_key="d1")
    assert (got.sentence, got.refused, got.kind) == (
        "收到语音了，会一并交给办理单位。",
        False,
        "voice",
    )
    assert [v.kind for v in await desk.of_draft("d1")] == ["voice"]
    bad = await desk.receive(upload(b"", "image", clock()), draft_key="d1")
    assert bad.refused and "空的" in bad.sentence
    opened = await case_service.open_case(make_draft(draft_key="d1"))
    async with database.session(write=True) as s:
        case_id = (
            await s.execute(sa.select(col(Case.id)).where(col(Case.number) == opened.number))
        ).scalar_one()
        counts = await desk.attach_in_session(s, "d1", case_id, None)
        await s.commit()
    assert counts.summary() == "语音 1 条"
    later = await desk.receive(
        upload(samples.image(), "image", clock()), case_number=opened.number.lower()
    )
    assert later.sentence == f"收到照片了，已补充到案件 {opened.number}，办理单位会看到。"
    assert (await desk.counts([opened.number]))[opened.number].total == 2
    lead = staff_of(county, opened.lead.id)
    [voice, photo] = await desk.list_for(lead, opened.number)
    assert voice.kind == "voice"
    assert (await desk.fetch_for(lead, photo.ref, via="api")).data == samples.image()
    assert (await desk.prune(dry_run=True)).archived_rows == 0
    with pytest.raises(ValueError):
        await desk.receive(upload(samples.amr(), "voice", clock()))
    await desk.aclose()
