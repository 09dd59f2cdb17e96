"""The case service: the one object the dialogue, the staff API, the staff chat, the CLI and
the web console call. Implements ``backend.ports.CaseDesk``.

A thin facade over the modules that do the work, each with one job:

- ``backend.intake``   opening a case (numbering, routing, tier, due date, repeats, draft key)
- ``backend.actions``  staff and complainant actions, one handler per action (``HANDLERS``)
- ``backend.views``    read models and queries (``CaseDetail``, ``CaseFilter``, ``CaseView``)
- ``backend.notices``  what the complainant is told at each step
- ``backend.outbox``   who is told, and the outbox rows (shared with the overdue scanner)
- ``backend.access_log`` who read which case's personal data
- ``backend.clock``    the one clock

Every change happens in ONE transaction: the case row, its event (the archive) and the outbox
rows of the notifications it causes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from backend import access_log, actions, intake, relays, views
from backend.access_log import AccessEntry
from backend.clock import Clock, utc_now
from backend.config import County
from backend.db import Database
from backend.drafts import CaseDraft, CaseView, OpenedCase
from backend.models import Case, Filer, Person, utcnow
from backend.permissions import allowed_actions
from backend.views import (
    AssignmentView,
    CaseDetail,
    CaseFilter,
    EventView,
    FilerView,
    InvalidFilter,
    PersonView,
    normalise_number,
)
from backend.workflow import (
    Actor,
    CaseNotFound,
    Forbidden,
    IllegalTransition,
    InvalidAction,
    StaffAction,
)

__all__ = [
    "AccessEntry",
    "Actor",
    "AssignmentView",
    "CaseDetail",
    "CaseFilter",
    "CaseNotFound",
    "CaseService",
    "EventView",
    "FilerView",
    "Forbidden",
    "IllegalTransition",
    "InvalidAction",
    "InvalidFilter",
    "PersonView",
    "StaffAction",
    "allowed_actions",
    "normalise_number",
]


class CaseService:
    """Cases for the dialogue (``CaseDesk``) and for staff (detail, list, act, access log)."""

    def __init__(self, county: County, db: Database, clock: Clock = utcnow) -> None:
        self.county = county
        self.db = db
        self.clock = clock

    def _now(self) -> datetime:
        return utc_now(self.clock)

    # --- the complainant's side (CaseDesk) -----------------------------------------------

    async def open_case(self, draft: CaseDraft) -> OpenedCase:
        """Register a case in one transaction; the same ``draft_key`` gives the same case."""
        return await intake.open_case(self.county, self.db, draft, self._now())

    async def find_case(self, number: str) -> CaseView | None:
        async with self.db.session() as s:
            case = await views.find(s, normalise_number(number))
            if case is None:
                return None
            person = await s.get(Person, case.complainant_id)
            filer = await s.get(Filer, case.filer_id) if case.filer_id else None
        assert person is not None
        return views.case_view(self.county, case, person, filer)

    async def cases_of_user(self, channel: str, user_ref: str) -> list[CaseView]:
        """Cases where (channel, user_ref) is the complainant's or the filer's chat."""
        async with self.db.session() as s:
            rows = await s.execute(
                sa.select(Case, Person, Filer)
                .join(Person, col(Person.id) == col(Case.complainant_id))
                .outerjoin(Filer, col(Filer.id) == col(Case.filer_id))
                .where(
                    sa.or_(
                        sa.and_(col(Case.channel) == channel, col(Case.channel_user) == user_ref),
                        sa.and_(col(Filer.channel) == channel, col(Filer.channel_user) == user_ref),
                    )
                )
                .order_by(col(Case.created_at).desc(), col(Case.id).desc())
            )
            return [views.case_view(self.county, c, p, f) for c, p, f in rows.all()]

    async def record_feedback(
        self, number: str, verdict: str, text: str, *, actor: str
    ) -> CaseView:
        """verdict: "satisfied" | "basically_satisfied" | "dissatisfied"."""
        await self.act(
            number,
            StaffAction(kind="feedback", actor=Actor.from_ref(actor), text=text, verdict=verdict),
        )
        view = await self.find_case(number)
        assert view is not None
        return view

    async def record_relayed(self, number: str, channel: str, user_ref: str) -> CaseView:
        """The grid worker who filed case ``number`` from (channel, user_ref) says they told
        the villager (已转告: the button on their notice, or “已转告 案件号”). ``Forbidden``
        if that chat did not file the case, ``CaseNotFound`` if there is no such case."""
        number = normalise_number(number)
        async with self.db.session() as s:
            case = await views.find(s, number)
            if case is None:
                raise CaseNotFound(f"没有编号为 {number} 的案件。")
            filer = await s.get(Filer, case.filer_id) if case.filer_id else None
        if filer is None or (case.channel, case.channel_user) != (channel, user_ref):
            raise Forbidden("这件案件不是您代办的，不能登记“已转告”。")
        actor = Actor(id=filer.phone, kind="grid_worker", name=f"网格员{filer.name}")
        await self.act(number, StaffAction(kind="relay", actor=actor))
        view = await self.find_case(number)
        assert view is not None
        return view

    async def record_info(
        self, number: str, text: str, channel: str, user_ref: str
    ) -> CaseView:
        """A correction or addition from the complainant's chat, or the filing grid worker's
        (补充更正): recorded on the case and pushed to the handling agencies. ``Forbidden`` if
        that chat neither reported nor filed the case, ``CaseNotFound`` if there is none."""
        number = normalise_number(number)
        async with self.db.session() as s:
            case = await views.find(s, number)
            if case is None:
                raise CaseNotFound(f"没有编号为 {number} 的案件。")
            filer = await s.get(Filer, case.filer_id) if case.filer_id else None
        if (case.channel, case.channel_user) != (channel, user_ref):
            raise Forbidden("这件案件不是您反映的，不能补充更正。")
        if filer is not None:
            actor = Actor(id=filer.phone, kind="grid_worker", name=f"网格员{filer.name}")
        else:
            actor = Actor(id=user_ref, kind="complainant", name="缴费人")
        await self.act(number, StaffAction(kind="add_info", actor=actor, text=text))
        view = await self.find_case(number)
        assert view is not None
        return view

    async def awaiting_relay(self, channel: str, user_ref: str) -> list[str]:
        """Cases the grid worker at (channel, user_ref) filed whose latest notice to them is
        not yet confirmed as passed on (已转告), the most recent first (``backend.relays``)."""
        return await relays.awaiting_relay(self.db, channel, user_ref)

    # --- the staff side -------------------------------------------------------------------

    async def detail(self, number: str) -> CaseDetail:
        """The full record (personal data included: see ``record_access``)."""
        async with self.db.session() as s:
            case = await views.find(s, normalise_number(number))
            if case is None:
                raise CaseNotFound(f"没有编号为 {number} 的案件。")
            [detail] = await views.details(s, self.county, [case], self._now(), with_events=True)
        return detail

    async def list_cases(self, filter: CaseFilter | None = None) -> list[CaseDetail]:
        """The register, newest first. Raises ``InvalidFilter`` (an ``InvalidAction``) naming
        the allowed values when ``status``, ``category`` or ``tier`` is unknown."""
        f = filter or CaseFilter()
        f.validate()
        now = self._now()
        async with self.db.session() as s:
            cases = list(
                (await s.execute(views.case_query(f, now, self.county.timezone))).scalars()
            )
            return await views.details(s, self.county, cases, now, with_events=f.with_events)

    async def count_cases(self, filter: CaseFilter | None = None) -> int:
        """How many cases match ``filter`` (all of them: its ``limit`` and ``offset`` are
        ignored), so a list can say "showing 50 of 59"."""
        f = filter or CaseFilter()
        f.validate()
        async with self.db.session() as s:
            total = await s.scalar(views.count_query(f, self._now(), self.county.timezone))
        return int(total or 0)

    async def act(self, number: str, action: StaffAction) -> CaseDetail:
        """Apply one staff (or complainant) action: permission, transition, event, outbox —
        all in one transaction. Raises ``CaseNotFound``, ``Forbidden``, ``IllegalTransition``
        or ``InvalidAction`` and then changes nothing."""
        number = normalise_number(number)
        await actions.apply(self.county, self.db, number, action, self._now())
        return await self.detail(number)

    # --- the access log -------------------------------------------------------------------

    async def record_access(
        self, actor: Actor | str, number: str | None, what: str = "detail", *, via: str = "api"
    ) -> None:
        """Log that ``actor`` viewed case ``number``'s personal data (``what``: "detail",
        "export" …; ``via``: "api", "cli", "console", "chat"). ``number`` None: an export."""
        await access_log.record(
            self.db,
            self.county,
            actor,
            normalise_number(number) if number else None,
            what,
            via,
            self._now(),
        )

    async def access_log(
        self,
        *,
        number: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = 1000,
    ) -> list[AccessEntry]:
        """The access log, newest first (the office's view)."""
        return await access_log.entries(
            self.db,
            number=normalise_number(number) if number else None,
            actor=actor,
            since=since,
            until=until,
            limit=limit,
        )
