"""Register statistics for the office (台账统计): counts, overdue rate, time to reply.

A case counts as overdue when it was answered (or closed) after its due moment, or is still
being handled past it. Time to reply: registration to the written reply, in hours.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from backend.models import Assignment, Case
from backend.notifier import SessionSource
from backend.workflow import OPEN_STATUSES


@dataclass(frozen=True)
class Statistics:
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_tier: dict[str, int]
    by_agency: dict[str, int]  # lead agency
    overdue: int
    overdue_rate: float | None  # overdue / total; None without cases
    replied: int
    median_hours_to_reply: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_status": self.by_status,
            "by_category": self.by_category,
            "by_tier": self.by_tier,
            "by_agency": self.by_agency,
            "overdue": self.overdue,
            "overdue_rate": self.overdue_rate,
            "replied": self.replied,
            "median_hours_to_reply": self.median_hours_to_reply,
        }


def _late(
    status: str, due: datetime, replied: datetime | None, closed: datetime | None, now: datetime
) -> bool:
    finished = replied or closed
    if finished is not None:
        return finished > due
    return status in OPEN_STATUSES and now > due


async def compute(
    db: SessionSource,
    now: datetime,
    *,
    tz: str = "Asia/Shanghai",
    agency: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Statistics:
    """Statistics over the cases registered in [date_from, date_to] (local days), optionally
    only those ``agency`` leads or co-handles."""
    c = Case.__table__.c  # type: ignore[attr-defined]
    q = sa.select(
        c.status,
        c.category,
        c.tier,
        c.lead_agency,
        c.created_at,
        c.due_at,
        c.replied_at,
        c.closed_at,
    )
    zone = ZoneInfo(tz)
    if date_from is not None:
        q = q.where(c.created_at >= datetime.combine(date_from, time(0), tzinfo=zone))
    if date_to is not None:
        q = q.where(
            c.created_at < datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=zone)
        )
    if agency is not None:
        a = Assignment.__table__.c  # type: ignore[attr-defined]
        co = sa.select(a.case_id).where(a.agency_id == agency, a.active.is_(True))
        q = q.where(sa.or_(c.lead_agency == agency, c.id.in_(co)))
    async with db.session() as session:
        rows = (await session.execute(q)).all()
    hours = [
        (r.replied_at - r.created_at).total_seconds() / 3600
        for r in rows
        if r.replied_at is not None
    ]
    overdue = sum(_late(r.status, r.due_at, r.replied_at, r.closed_at, now) for r in rows)
    return Statistics(
        total=len(rows),
        by_status=dict(Counter(r.status for r in rows)),
        by_category=dict(Counter(r.category for r in rows)),
        by_tier=dict(Counter(r.tier for r in rows)),
        by_agency=dict(Counter(r.lead_agency for r in rows)),
        overdue=overdue,
        overdue_rate=round(overdue / len(rows), 4) if rows else None,
        replied=len(hours),
        median_hours_to_reply=round(statistics.median(hours), 2) if hours else None,
    )
