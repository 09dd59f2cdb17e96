"""Which of a grid worker's cases wait for a 已转告: the latest notice they were asked to pass on
(outbox kind ``to_grid_worker``, delivered to their chat) is newer than their last 已转告."""

from __future__ import annotations

import sqlalchemy as sa

from backend.db import Database
from backend.models import Case, Event, OutboxMessage
from backend.outbox import TO_GRID_WORKER


async def awaiting_relay(db: Database, channel: str, user_ref: str) -> list[str]:
    """Case numbers whose latest delivered notice to the grid worker at (channel, user_ref)
    is not yet confirmed as passed on, the most recent notice first. One query."""
    box = OutboxMessage.__table__.c  # type: ignore[attr-defined]
    ev = Event.__table__.c  # type: ignore[attr-defined]
    cases = Case.__table__.c  # type: ignore[attr-defined]
    notices = (
        sa.select(box.case_id, sa.func.max(box.created_at).label("last_notice"))
        .where(
            box.kind == TO_GRID_WORKER,
            box.channel == channel,
            box.recipient == user_ref,
            box.status == "sent",
            box.case_id.is_not(None),
        )
        .group_by(box.case_id)
        .subquery()
    )
    relayed = (
        sa.select(ev.case_id, sa.func.max(ev.at).label("last_relay"))
        .where(ev.action == "relay", ev.case_id.in_(sa.select(notices.c.case_id)))
        .group_by(ev.case_id)
        .subquery()
    )
    query = (
        sa.select(cases.number)
        .select_from(
            Case.__table__.join(notices, notices.c.case_id == cases.id).outerjoin(  # type: ignore[attr-defined]
                relayed, relayed.c.case_id == cases.id
            )
        )
        .where(
            cases.channel == channel,
            cases.channel_user == user_ref,
            sa.or_(relayed.c.last_relay.is_(None), relayed.c.last_relay < notices.c.last_notice),
        )
        .order_by(notices.c.last_notice.desc(), cases.id.desc())
        .limit(50)
    )
    async with db.session() as s:
        return [str(n) for n in (await s.execute(query)).scalars()]
