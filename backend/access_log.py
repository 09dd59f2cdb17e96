"""The access log of personal data (个人信息保护法): who opened which case's full details
(ID number, phone), when, and through what — the staff API, the CLI, the web console, an
export. Actions are in the case's events; this records the reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from backend.cleaning import clean_line
from backend.config import County
from backend.db import Database
from backend.labels import access_label, via_label
from backend.models import AccessLog
from backend.workflow import Actor

#: Ways in (``via``): the staff API, the ``yichuang`` command, the web console.
VIAS: tuple[str, ...] = ("api", "cli", "console", "chat")


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    actor: str
    actor_name: str
    agency: str | None
    case_number: str | None
    what: str
    via: str

    def to_json(self) -> dict[str, str | None]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "actor_name": self.actor_name,
            "agency": self.agency,
            "case_number": self.case_number,
            "what": self.what,
            "what_label": access_label(self.what),
            "via": self.via,
            "via_label": via_label(self.via),
        }


def who(county: County, actor: Actor | str) -> tuple[str, str, str | None]:
    """(reference, name, agency) of a reader given as an ``Actor`` or a reference string."""
    if isinstance(actor, Actor):
        ref = actor.ref
        name = actor.name or county.staff_name(actor.id) or ""
        agency = actor.agency
        return ref, name, agency
    kind, _, ident = actor.partition(":")
    member = county.staff_member(ident) if kind in ("staff", "office", "leader") else None
    if member is not None:
        return actor, member.name, member.agency
    return actor, ident or actor, None


async def record(
    db: Database,
    county: County,
    actor: Actor | str,
    number: str | None,
    what: str,
    via: str,
    now: datetime,
) -> None:
    ref, name, agency = who(county, actor)
    async with db.session(write=True) as s:
        s.add(
            AccessLog(
                at=now,
                actor=clean_line(ref, 200) or "unknown",
                actor_name=clean_line(name, 100) or "",
                agency=clean_line(agency, 32),
                case_number=clean_line(number, 32),
                what=clean_line(what, 200) or "detail",
                via=clean_line(via, 16) or "api",
            )
        )
        await s.commit()


async def entries(
    db: Database,
    *,
    number: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 1000,
) -> list[AccessEntry]:
    """The log, newest first, optionally for one case, one reader or a time range."""
    q = sa.select(AccessLog)
    if number is not None:
        q = q.where(col(AccessLog.case_number) == number)
    if actor is not None:
        q = q.where(col(AccessLog.actor) == actor)
    if since is not None:
        q = q.where(col(AccessLog.at) >= since)
    if until is not None:
        q = q.where(col(AccessLog.at) < until)
    q = q.order_by(col(AccessLog.at).desc(), col(AccessLog.id).desc())
    if limit is not None:
        q = q.limit(limit)
    async with db.session() as s:
        rows = (await s.execute(q)).scalars().all()
    return [
        AccessEntry(r.at, r.actor, r.actor_name, r.agency, r.case_number, r.what, r.via)
        for r in rows
    ]
