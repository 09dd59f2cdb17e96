"""Who is told, and the outbox rows that tell them (shared by the case service and the scanner).

A ``Note`` is one notification to a set of recipients; ``write`` turns notes into outbox rows
in the caller's transaction (one row per recipient and cause, de-duplicated by key), so a
notification exists exactly when the change that caused it was committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import County
from backend.models import Case, Filer, OutboxMessage, Person

log = logging.getLogger(__name__)

Target = tuple[str, str]  # (channel, recipient)

#: Notification kinds read by the channels: the complainant's own notice (plain text) and the
#: grid worker's "please pass this on" (with the 已转告 button).
TO_COMPLAINANT = "to_complainant"
TO_GRID_WORKER = "to_grid_worker"
RELAYED_ACTION: list[list[str]] = [["relayed", "已转告"]]

#: The buttons a staff notification offers: (action id, Chinese label).
STAFF_NEW_CASE_ACTIONS: list[list[str]] = [
    ["accept", "受理"],
    ["transfer", "移送"],
    ["detail", "详情"],
]
#: A simple case can be settled by the receiving staff at once (当场办结).
STAFF_SIMPLE_CASE_ACTIONS: list[list[str]] = [
    ["close", "当场办结"],
    *STAFF_NEW_CASE_ACTIONS,
]
DETAIL_ONLY: list[list[str]] = [["detail", "详情"]]
OPINION_ACTIONS: list[list[str]] = [["opinion", "提交意见"], ["detail", "详情"]]
APPROVE_ACTIONS: list[list[str]] = [["approve", "批准"], ["detail", "详情"]]
SMS = "sms"


@dataclass
class Note:
    """One notification, to a set of recipients (each becomes an outbox row)."""

    kind: str
    title: str
    body: str
    targets: list[Target]
    actions: list[list[str]] | None = None
    due_label: str | None = None


def agency_targets(county: County, agency_id: str) -> list[Target]:
    """An agency's ``notify`` targets; never empty (the console/log stands in)."""
    if not county.has_agency(agency_id):
        return [("console", agency_id)]
    targets: list[Target] = [(t.channel, t.to) for t in county.agency(agency_id).notify]
    if not targets:
        # Never lose a staff notification: without a configured target it goes to the log.
        log.warning("单位 %s 没有配置通知对象（notify），通知写入控制台", agency_id)
        return [("console", agency_id)]
    return targets


def supervision_targets(county: County, lead: str) -> list[Target]:
    """The lead agency's and the office's targets (督办), each once."""
    out: dict[Target, None] = {}
    for agency_id in dict.fromkeys([lead, county.office]):
        for target in agency_targets(county, agency_id):
            out[target] = None
    return list(out)


def chat_target(case: Case) -> Target:
    """The chat the case was reported from (the complainant's, or the grid worker's)."""
    return (case.channel, case.channel_user)


def sms_target(county: County, person: Person, filer: Filer | None) -> Target | None:
    """The villager's phone, for a grid-worker filing when the county sends SMS."""
    if filer is None or not county.sms.villagers or not person.phone:
        return None
    return (SMS, person.phone)


def write(
    s: AsyncSession,
    case: Case,
    key: str,
    notes: Iterable[Note],
    now: datetime,
) -> None:
    """Add one outbox row per recipient of ``notes``; ``key`` names the cause (unique)."""
    seen: set[Target] = set()
    for note in notes:
        for channel, to in note.targets:
            if (channel, to) in seen:  # one message per recipient and cause
                continue
            seen.add((channel, to))
            s.add(
                OutboxMessage(
                    case_id=case.id,
                    channel=channel,
                    recipient=to,
                    kind=note.kind,
                    title=note.title[:200],
                    body=note.body,
                    due_label=note.due_label,
                    actions=note.actions,
                    dedup_key=f"{key}:{channel}:{to}"[:200],
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
