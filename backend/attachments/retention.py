"""Retention: how long attachment bytes are kept (the county's ``[attachments]`` table).

- Cases archived (归档) more than ``keep_days_after_archive`` days ago: their attachments'
  bytes are removed and the rows marked ``pruned_at`` (the archive still says what was sent).
  Unset: kept for good.
- Uploads whose report was never confirmed, older than ``keep_days_unfiled``: rows and bytes go.
- Blobs no row refers to (a crash between storing the bytes and committing the row), older
  than a day: removed.
Bytes shared with an attachment that is kept (the same photo in another case) stay.
The database is updated first; a blob whose removal then fails is an orphan, swept next time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from backend.attachments.store import AttachmentStore
from backend.db import Database
from backend.models import Attachment, Case, Event

#: A blob without a row is left alone this long (its row may be about to be committed).
ORPHAN_GRACE = timedelta(days=1)


@dataclass
class PruneReport:
    dry_run: bool
    keep_days_after_archive: int | None
    keep_days_unfiled: int
    cases: int = 0  # archived cases whose attachments expired
    archived_rows: int = 0  # their attachment rows (marked pruned)
    unfiled_rows: int = 0  # uploads of drafts never filed (deleted)
    blobs: int = 0  # blobs removed (or to remove)
    bytes: int = 0
    orphan_blobs: int = 0
    kept_shared: int = 0  # blobs kept because another attachment still uses them
    refs: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph in Chinese for the command line."""
        verb = "将清理" if self.dry_run else "已清理"
        keep = (
            f"归档后保存 {self.keep_days_after_archive} 天"
            if self.keep_days_after_archive
            else "归档案件的附件永久保存"
        )
        lines = [
            f"附件保存期限：{keep}；未登记草稿的附件保存 {self.keep_days_unfiled} 天。",
            f"{verb}：{self.cases} 个归档案件的 {self.archived_rows} 个附件，"
            f"{self.unfiled_rows} 个未登记草稿附件，{self.orphan_blobs} 个无记录文件；"
            f"共删除文件 {self.blobs} 个（{self.bytes / 1024 / 1024:.1f} MB）。",
        ]
        if self.kept_shared:
            lines.append(f"另有 {self.kept_shared} 个文件仍被其他案件使用，予以保留。")
        if self.dry_run:
            lines.append("（试运行：没有删除任何内容。去掉 --dry-run 执行清理。）")
        return "\n".join(lines)


async def prune(
    db: Database,
    store: AttachmentStore,
    rules: Any,
    *,
    now: datetime,
    dry_run: bool = False,
    sweep_orphans: bool = True,
) -> PruneReport:
    """Apply the county's ``attachments`` rules (``County.attachments``) at ``now``."""
    keep = rules.keep_days_after_archive
    report = PruneReport(dry_run, keep, rules.keep_days_unfiled)
    async with db.session(write=not dry_run) as s:
        expired: list[Attachment] = []
        if keep:
            archived_at = (
                sa.select(col(Event.case_id), sa.func.max(col(Event.at)).label("at"))
                .where(col(Event.action) == "archive")
                .group_by(col(Event.case_id))
                .subquery()
            )
            rows = await s.execute(
                sa.select(Attachment)
                .join(Case, col(Case.id) == col(Attachment.case_id))
                .join(archived_at, archived_at.c.case_id == col(Case.id))
                .where(
                    col(Case.status) == "archived",
                    archived_at.c.at <= now - timedelta(days=keep),
                    col(Attachment.pruned_at).is_(None),
                )
            )
            expired = list(rows.scalars())
        unfiled = list(
            (
                await s.execute(
                    sa.select(Attachment).where(
                        col(Attachment.case_id).is_(None),
                        col(Attachment.received_at)
                        <= now - timedelta(days=rules.keep_days_unfiled),
                    )
                )
            ).scalars()
        )
        report.cases = len({a.case_id for a in expired})
        report.archived_rows = len(expired)
        report.unfiled_rows = len(unfiled)
        going = {a.id for a in expired + unfiled}
        candidates = {a.sha256: a.size for a in expired + unfiled}
        still_used: set[str] = set()
        if candidates:
            used = await s.execute(
                sa.select(col(Attachment.sha256))
                .where(
                    col(Attachment.sha256).in_(sorted(candidates)),
                    col(Attachment.pruned_at).is_(None),
                    col(Attachment.id).not_in(sorted(i for i in going if i is not None)),
                )
                .distinct()
            )
            still_used = {r[0] for r in used}
        to_delete = {k: v for k, v in candidates.items() if k not in still_used}
        report.kept_shared = len(still_used)
        report.refs = [a.ref for a in expired + unfiled]
        if not dry_run:
            for a in expired:
                a.pruned_at = now
            for a in unfiled:
                await s.delete(a)
            await s.commit()
    for key, size in sorted(to_delete.items()):
        if dry_run:
            gone = await store.exists(key)
        else:
            gone = await store.delete(key)
        if gone:
            report.blobs += 1
            report.bytes += size
    if sweep_orphans:
        await _sweep(db, store, now, report)
    return report


async def _sweep(db: Database, store: AttachmentStore, now: datetime, report: PruneReport) -> None:
    async with db.session() as s:
        live = {
            r[0]
            for r in await s.execute(
                sa.select(col(Attachment.sha256))
                .where(col(Attachment.pruned_at).is_(None))
                .distinct()
            )
        }
    async for key, modified in store.entries():
        if key in live or modified > now - ORPHAN_GRACE:
            continue
        if report.dry_run or await store.delete(key):
            report.orphan_blobs += 1
            report.blobs += 1
