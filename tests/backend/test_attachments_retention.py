"""Retention: ``prune`` honours the county's keep periods; ``yichuang attachments prune``."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

import tests.backend.attachment_samples as samples
from backend.attachments import FileStore, Stored, Upload, list_attachments, store_draft_upload
from backend.attachments.records import attach_draft_to_case
from backend.attachments.retention import prune
from backend.config import AttachmentRules
from backend.models import Attachment, Case, Event


def _upload(data: bytes, when: datetime, msg: str) -> Upload:
    return Upload(data, "file", "console", "user-1", when, message_id=msg)


async def _archive(db: Any, number: str, at: datetime) -> None:
    async with db.session(write=True) as s:
        case = (await s.execute(sa.select(Case).where(col(Case.number) == number))).one()[0]
        case.status = "archived"
        s.add(Event(case_id=case.id, at=at, actor="staff:office01", action="archive", text="归档"))
        await s.commit()


async def _case_with(
    case_service: Any, db: Any, store: FileStore, make_draft: Any, when: datetime, *parts: bytes
) -> str:
    key = f"k-{os.urandom(4).hex()}"
    for i, data in enumerate(parts):
        stored = await store_draft_upload(db, store, _upload(data, when, f"{key}-{i}"), key)
        assert isinstance(stored, Stored)
    opened = await case_service.open_case(make_draft(draft_key=key))
    await attach_draft_to_case(db, key, now=when)
    return str(opened.number)


async def test_prune_honours_the_keep_periods(
    case_service: Any, database: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    store = FileStore(tmp_path)
    start = clock()
    shared, own, kept = samples.image(seed=1), samples.image(seed=2), samples.image(seed=3)
    old = await _case_with(case_service, database, store, make_draft, start, shared, own)
    live = await _case_with(case_service, database, store, make_draft, start, shared, kept)
    await _archive(database, old, start + timedelta(days=1))
    abandoned = await store_draft_upload(
        database, store, _upload(samples.pdf(), start, "draft-only"), "never-filed"
    )
    assert isinstance(abandoned, Stored)
    orphan = await store.put(samples.amr())  # bytes whose row was never committed
    stamp = (start - timedelta(days=3)).timestamp()
    os.utime(store.path(orphan), (stamp, stamp))

    rules = AttachmentRules(keep_days_after_archive=100, keep_days_unfiled=30)
    at_50 = start + timedelta(days=50)
    dry = await prune(database, store, rules, now=at_50, dry_run=True)
    assert (dry.archived_rows, dry.unfiled_rows, dry.orphan_blobs, dry.blobs) == (0, 1, 1, 2)
    assert "试运行" in dry.summary()
    assert await store.exists(orphan)  # a dry run deletes nothing
    early = await prune(database, store, rules, now=at_50)
    assert (early.archived_rows, early.unfiled_rows, early.orphan_blobs) == (0, 1, 1)
    assert not await store.exists(orphan)
    assert not await store.exists(samples_key(samples.pdf()))

    now = start + timedelta(days=102)
    dry = await prune(database, store, rules, now=now, dry_run=True)
    assert (dry.cases, dry.archived_rows, dry.unfiled_rows, dry.orphan_blobs) == (1, 2, 0, 0)
    assert dry.kept_shared == 1 and dry.blobs == 1  # the shared photo stays
    assert all(v.pruned_at is None for v in await list_attachments(database, old))

    done = await prune(database, store, rules, now=now)
    assert (done.archived_rows, done.unfiled_rows, done.blobs) == (2, 0, 1)
    assert "已清理" in done.summary()
    views = await list_attachments(database, old)
    assert [v.pruned_at is not None for v in views] == [True, True]  # the rows stay
    assert await store.exists(samples_key(shared))  # still used by the live case
    assert not await store.exists(samples_key(own))
    assert [v.pruned_at for v in await list_attachments(database, live)] == [None, None]
    async with database.session() as s:
        left = (await s.execute(sa.select(col(Attachment.draft_key)))).scalars().all()
    assert "never-filed" not in left

    again = await prune(database, store, rules, now=now)
    assert (again.archived_rows, again.blobs) == (0, 0)


async def test_without_a_keep_period_archived_attachments_stay(
    case_service: Any, database: Any, clock: Any, tmp_path: Path, make_draft: Any
) -> None:
    store = FileStore(tmp_path)
    number = await _case_with(case_service, database, store, make_draft, clock(), samples.pdf())
    await _archive(database, number, clock())
    report = await prune(database, store, AttachmentRules(), now=clock() + timedelta(days=9999))
    assert report.archived_rows == 0 and "永久保存" in report.summary()
    assert [v.pruned_at for v in await list_attachments(database, number)] == [None]


def samples_key(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_the_prune_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("YICHUANG_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("YICHUANG_ATTACHMENTS_DIR", str(tmp_path / "att"))
    monkeypatch.delenv("YICHUANG_ATTACHMENTS_S3_BUCKET", raising=False)
    monkeypatch.delenv("YICHUANG_CONFIG", raising=False)
    assert main(["attachments", "prune", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "归档后保存 1095 天" in out and "试运行" in out
    assert main(["attachments", "prune", "--json"]) == 0
    assert '"dry_run": false' in capsys.readouterr().out
    assert main(["attachments", "list", "YC-2026-000001"]) == 2
    assert "没有编号为" in capsys.readouterr().err
