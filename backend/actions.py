"""Staff (and complainant) actions on a case: one handler per action, in ``HANDLERS``.

``apply`` does the whole action in ONE transaction: lock the case, check permission and the
transition (``backend.workflow``), run the handler (it changes the loaded rows and says what
to record and whom to tell), write the event and the outbox rows, commit. Anything raised
before the commit leaves the case as it was.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend import deadlines, notices, outbox, texts
from backend.attachments.records import counts_for_cases
from backend.categories import CATEGORIES, TIERS, category_label, tier_label
from backend.cleaning import clean_block, clean_line
from backend.config import County
from backend.db import Database
from backend.models import Assignment, Case, Event, Filer, Person
from backend.notices import Notice
from backend.outbox import (
    APPROVE_ACTIONS,
    DETAIL_ONLY,
    OPINION_ACTIONS,
    STAFF_NEW_CASE_ACTIONS,
    Note,
)
from backend.permissions import STATE_EVENTS, CaseState, refusal
from backend.routing import route
from backend.views import find
from backend.workflow import (
    ROUTES,
    VERDICTS,
    CaseNotFound,
    IllegalTransition,
    InvalidAction,
    StaffAction,
    action_label,
    next_status,
)
from identifiers import check_phone, mask_text, phone_digits

#: The longest written text an action keeps (the API accepts 5,000 characters).
TEXT_LIMIT = 5000


@dataclass
class Change:
    """What an action does besides the status: its event text/data and notifications."""

    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)


@dataclass
class ActionContext:
    """The loaded rows of one case and the action being applied to them."""

    county: County
    s: AsyncSession
    case: Case
    person: Person
    filer: Filer | None
    assignments: list[Assignment]
    action: StaffAction
    now: datetime
    #: What the case carries ("照片 2 张、语音 1 条"; "" for none), for the staff pushes.
    attachments: str = ""
    #: What decided that the action is allowed (``backend.permissions``).
    state: CaseState | None = None

    @property
    def co(self) -> tuple[str, ...]:
        return tuple(a.agency_id for a in self.assignments if a.active and a.role == "co")

    @property
    def note(self) -> str:
        """The internal note (may be empty)."""
        return self.action.text.strip()

    def required(self, what: str, text: str | None = None) -> str:
        value = (self.action.text if text is None else text).strip()
        if not value:
            raise InvalidAction(f"{action_label(self.action.kind)}需要填写{what}。")
        return value

    def label(self) -> str:
        return deadlines.due_label(
            self.case.due_at, self.county.timezone, self.county.working_days(self.case.tier)
        )

    def summary(self) -> list[str]:
        return texts.case_summary(
            self.county,
            self.case,
            self.person,
            self.filer,
            lead=self.case.lead_agency,
            co=self.co,
            attachments=self.attachments,
        )

    def tell(self, notice: Notice) -> list[Note]:
        """Notes bringing ``notice`` to the complainant (via the grid worker and SMS if filed)."""
        return notices.notes_for(self.county, self.case, self.person, self.filer, notice)

    def to_agency(
        self, agency: str, kind: str, title: str, lines: list[str], actions: list[list[str]]
    ) -> Note:
        label = self.label()
        return Note(
            kind,
            title,
            "\n".join([*lines, f"办理时限：{label}"]),
            outbox.agency_targets(self.county, agency),
            actions,
            label,
        )

    def agency_named(self, text: str | None) -> str:
        """The agency id for an id or a name (人社局, 县人社局, hrss)."""
        if not text or not text.strip():
            raise InvalidAction(f"{action_label(self.action.kind)}需要指定单位。")
        found = self.county.find_agency(text)
        if found is None:
            names = "、".join(a.short_name for a in self.county.agencies)
            raise InvalidAction(f"没有名为“{text.strip()[:40]}”的单位，可选：{names}。")
        return found.id

    def acting_agency(self) -> str:
        """The agency the complainant hears from for this action: the actor's own (the
        office, a leader's agency) — not always the lead; the lead for anyone else."""
        actor = self.action.actor
        if actor.kind in ("staff", "office", "leader"):
            if actor.agency and self.county.has_agency(actor.agency):
                return actor.agency
            if actor.is_county_wide:
                return self.county.office
        return self.case.lead_agency

    def staff_name(self) -> str | None:
        actor = self.action.actor
        if actor.kind not in ("staff", "office", "leader"):
            return None
        return self.county.staff_name(actor.id) or actor.name or None

    def set_lead(self, agency: str) -> None:
        for a in self.assignments:
            if a.active and (a.role == "lead" or a.agency_id == agency):
                a.active = False
        new = Assignment(
            case_id=self.case.id or 0, agency_id=agency, role="lead", assigned_at=self.now
        )
        self.s.add(new)
        self.assignments.append(new)
        self.case.lead_agency = agency

    def add_co(self, agency: str) -> None:
        if agency == self.case.lead_agency or agency in self.co:
            return
        new = Assignment(
            case_id=self.case.id or 0, agency_id=agency, role="co", assigned_at=self.now
        )
        self.s.add(new)
        self.assignments.append(new)


Handler = Callable[[ActionContext], Awaitable[Change]]


# --- the handlers ---------------------------------------------------------------------------


async def accept(x: ActionContext) -> Change:
    name = texts.agency_names(x.county, [x.case.lead_agency])
    staff = x.staff_name()
    return Change(
        text=x.note or f"{name}受理。",
        data={"agency": x.case.lead_agency},
        notes=x.tell(notices.accepted(x.county, x.case, staff)),
    )


async def transfer(x: ActionContext) -> Change:
    target = x.agency_named(x.action.target_agency)
    if target == x.case.lead_agency:
        raise InvalidAction("移送的单位就是现在的牵头单位。")
    reason = x.required("移送理由")
    old = x.case.lead_agency
    x.set_lead(target)
    lines = [
        f"【移送】{x.case.number} 由{texts.agency_names(x.county, [old])}移送本单位办理",
        f"移送理由：{reason}",
        *x.summary(),
        "办理时限不变，请及时受理。",
    ]
    return Change(
        text=reason,
        data={"from_agency": old, "to_agency": target},
        notes=[
            x.to_agency(
                target, "transfer", f"移送案件 {x.case.number}", lines, STAFF_NEW_CASE_ACTIONS
            ),
            *x.tell(notices.transferred(x.county, x.case, target)),
        ],
    )


async def transfer_out(x: ActionContext) -> Change:
    """转外地: the receiving jurisdiction's name (required) and phone (invited: the
    complainant is given it to call; without it, the office's phone)."""
    where = clean_line(x.action.jurisdiction, 200)
    if not where:
        raise InvalidAction("转外地需要填写有管辖权的地区或单位。")
    phone = jurisdiction_phone(x.action.jurisdiction_phone)
    x.case.transferred_to = where
    return Change(
        text=x.note or "非本辖区社保争议，转有管辖权的地区处理。",
        data={"jurisdiction": where, "jurisdiction_phone": phone},
        notes=x.tell(notices.transferred_out(x.county, x.case, where, phone)),
    )


#: Service hotlines a receiving area may give instead of a number (12333, 12366, 12345 …).
_HOTLINE = re.compile(r"12\d{3}")


def jurisdiction_phone(text: str | None) -> str | None:
    """The receiving jurisdiction's phone as typed (a mobile, a landline with area code, or
    a 123xx hotline), None when not given; ``InvalidAction`` naming the problem otherwise."""
    typed = clean_line(text, 40)
    if not typed:
        return None
    digits = phone_digits(typed)
    if digits is not None and _HOTLINE.fullmatch(digits):
        return typed
    checked = check_phone(typed)
    if checked.value is None:
        raise InvalidAction(f"对方联系电话不对：{checked.problem}")
    return typed


async def start_joint(x: ActionContext) -> Change:
    if x.action.target_agency:
        x.add_co(x.agency_named(x.action.target_agency))
    if not x.co:
        raise InvalidAction("发起联办需要至少一个联办单位，请指定单位。")
    text = x.note or "牵头单位发起联合办理，请各联办单位在时限内提交书面意见。"
    lines = [
        f"【联办】{x.case.number} 请本单位依职权办理并提交书面意见",
        f"说明：{text}",
        *x.summary(),
    ]
    notes = [
        x.to_agency(co, "joint", f"联办案件 {x.case.number}", lines, OPINION_ACTIONS) for co in x.co
    ]
    return Change(text=text, data={"co_agencies": list(x.co)}, notes=notes)


async def submit_opinion(x: ActionContext) -> Change:
    opinion = x.required("书面意见")
    agency = x.action.actor.agency
    if x.action.actor.is_county_wide and x.action.target_agency:
        agency = x.agency_named(x.action.target_agency)
    mine = [a for a in x.assignments if a.active and a.role == "co" and a.agency_id == agency]
    if not mine:
        raise InvalidAction("请指明提交意见的联办单位。")
    mine[0].opinion = opinion
    mine[0].opinion_at = x.now
    waiting = [
        a.agency_id
        for a in x.assignments
        if a.active and a.role == "co" and a.opinion is None and a is not mine[0]
    ]
    assert agency is not None
    lines = [
        f"【联办意见】{x.case.number} {texts.agency_names(x.county, [agency])}的书面意见：",
        opinion,
        "联办意见已全部收到，请综合后答复缴费人。"
        if not waiting
        else f"尚待：{texts.agency_names(x.county, waiting)}",
    ]
    return Change(
        text=opinion,
        data={"agency": agency, "all_opinions": not waiting},
        notes=[
            x.to_agency(
                x.case.lead_agency, "opinion", f"联办意见 {x.case.number}", lines, DETAIL_ONLY
            )
        ],
    )


async def reply(x: ActionContext) -> Change:
    """The written reply (书面答复): ``reply`` is what the complainant reads; without it the
    action's ``text`` is the reply (the staff chat's ``/reply 案件号 内容``)."""
    answer = x.required("给缴费人的书面答复", x.action.reply or x.action.text)
    x.case.latest_reply = answer
    x.case.replied_at = x.now
    internal = x.note if x.action.reply else ""
    data: dict[str, Any] = {"reply": answer, "note": internal or None}
    notes = x.tell(notices.replied(x.county, x.case, answer, x.acting_agency()))
    state = x.state
    if state is not None and state.joint_started and state.pending_opinions:
        # Only the office (or the leader) may answer before every opinion is in
        # (``permissions.refusal``): recorded, and the lead agency is told.
        missing = list(state.pending_opinions)
        data["override_missing_opinions"] = missing
        names = texts.agency_names(x.county, missing)
        lines = [
            f"【先行答复】{x.case.number} 领导小组办公室决定不待{names}的书面意见，已答复缴费人。",
            f"答复：{answer}",
        ]
        notes.append(
            x.to_agency(
                x.case.lead_agency, "override", f"先行答复 {x.case.number}", lines, DETAIL_ONLY
            )
        )
    return Change(text=answer, data=data, notes=notes)


async def escalate(x: ActionContext) -> Change:
    reason = x.required("上报理由")
    lines = [
        f"【上报】{x.case.number} 请领导小组办公室审批专案办理",
        f"理由：{reason}",
        *x.summary(),
    ]
    return Change(
        text=reason,
        notes=[
            x.to_agency(
                x.county.office, "escalated", f"上报案件 {x.case.number}", lines, APPROVE_ACTIONS
            ),
            *x.tell(notices.escalated(x.county, x.case)),
        ],
    )


async def approve(x: ActionContext) -> Change:
    """专案办理: the case becomes complex and gets the complex tier's time, counted from
    registration (never earlier than the date it has)."""
    text = x.note or "经领导小组组长同意，按专案处理。"
    old_due, old_tier = x.case.due_at, x.case.tier
    x.case.tier = "complex"
    complex_due = deadlines.due_at(
        x.case.created_at,
        x.county.working_days("complex"),
        x.county.timezone,
        x.county.work_calendar,
    )
    if complex_due > old_due:
        x.case.due_at = complex_due
        x.case.reminders = []  # the reminders sent were about the old date
    lines = [
        f"【批准】{x.case.number} 领导小组已批准专案办理",
        f"意见：{text}",
        f"办理时限：{texts.local(x.case.due_at, x.county.timezone)}",
    ]
    notes = [
        x.to_agency(agency, "approved", f"批准专案 {x.case.number}", lines, DETAIL_ONLY)
        for agency in (x.case.lead_agency, *x.co)
    ]
    notes += x.tell(notices.approved(x.county, x.case))
    return Change(
        text=text,
        data={
            "old_tier": old_tier,
            "old_due": old_due.isoformat(),
            "new_due": x.case.due_at.isoformat(),
        },
        notes=notes,
    )


async def record_minutes(x: ActionContext) -> Change:
    minutes = x.required("会议纪要")
    lines = [f"【会商纪要】{x.case.number}", minutes]
    notes = [
        x.to_agency(agency, "minutes", f"会商纪要 {x.case.number}", lines, DETAIL_ONLY)
        for agency in (x.case.lead_agency, *x.co)
    ]
    return Change(text=minutes, notes=notes)


async def reclassify(x: ActionContext) -> Change:
    category = x.action.category or x.case.category
    tier = x.action.tier or x.case.tier
    if category not in CATEGORIES:
        raise InvalidAction(f"不认识的争议类别“{category[:40]}”。")
    if tier not in TIERS:
        raise InvalidAction(f"不认识的分类“{tier[:40]}”，应为简易、一般或重大疑难。")
    if category == x.case.category and tier == x.case.tier:
        raise InvalidAction("类别和分类都没有变化。")
    old = {"category": x.case.category, "tier": x.case.tier, "lead": x.case.lead_agency}
    notes: list[Note] = []
    if category != x.case.category:
        c = x.case
        routed = route(
            x.county, category, c.insurance_type, c.period_start, c.period_end, c.description
        )
        if routed.lead != x.case.lead_agency:
            x.set_lead(routed.lead)
        for a in x.assignments:
            if a.active and a.role == "co" and a.agency_id not in routed.co:
                a.active = False
        for co in routed.co:
            x.add_co(co)
        x.case.category = category
    x.case.tier = tier
    lines = [
        f"【调整】{x.case.number} {category_label(old['category'])}/{tier_label(old['tier'])}"
        f" → {category_label(category)}/{tier_label(tier)}（办理时限不变）",
        *x.summary(),
    ]
    if x.case.lead_agency != old["lead"]:
        notes.append(
            x.to_agency(
                x.case.lead_agency,
                "transfer",
                f"改派案件 {x.case.number}",
                lines,
                STAFF_NEW_CASE_ACTIONS,
            )
        )
    if tier == "complex" and old["tier"] != "complex":
        notes.append(
            x.to_agency(
                x.county.office, "complex_case", f"重大疑难案件 {x.case.number}", lines, DETAIL_ONLY
            )
        )
    return Change(
        text=x.note or "调整类别/分类",
        data={
            "old": old,
            "new": {"category": category, "tier": tier, "lead": x.case.lead_agency},
        },
        notes=notes,
    )


async def extend_due(x: ActionContext) -> Change:
    days = x.action.extend_days
    if type(days) is not int or days < 1 or days > deadlines.MAX_EXTENSION_DAYS:
        raise InvalidAction(f"延长时限需要填写 1 到 {deadlines.MAX_EXTENSION_DAYS} 个工作日。")
    old = x.case.due_at
    tz = x.county.timezone
    x.case.due_at = deadlines.extend(old, days, tz, x.county.work_calendar)
    x.case.reminders = []  # the reminders already sent were about the old date
    lines = [
        f"【延期】{x.case.number} 办理时限延长 {days} 个工作日：",
        f"{texts.local(old, tz)} → {texts.local(x.case.due_at, tz)}",
    ]
    return Change(
        text=x.note or f"延长 {days} 个工作日",
        data={"days": days, "old_due": old.isoformat(), "new_due": x.case.due_at.isoformat()},
        notes=[
            x.to_agency(
                x.case.lead_agency, "extended", f"延期 {x.case.number}", lines, DETAIL_ONLY
            ),
            *x.tell(notices.extended(x.county, x.case)),
        ],
    )


async def close(x: ActionContext) -> Change:
    """办结. From registered/accepted only a simple case (当场办结, in one step with the
    answer to the complainant); after a reply any case (complex: once approved)."""
    internal = x.note if x.action.reply else ""
    if x.case.status in ("registered", "accepted"):
        if x.case.tier != "simple":
            raise IllegalTransition(
                "只有简易事项可以当场办结；一般和重大疑难事项须先书面答复缴费人。"
            )
        answer: str | None = x.required("给缴费人的办理结果", x.action.reply or x.action.text)
        x.case.latest_reply = answer
        x.case.replied_at = x.now
        settled = True
    else:
        # The internal note is never shown to the complainant; only a ``reply`` is.
        answer = (x.action.reply or "").strip() or None
        internal = x.note
        settled = False
    x.case.closed_at = x.now
    return Change(
        text=(answer if settled else internal) or answer or "办结",
        data={"reply": answer, "note": internal or None, "on_the_spot": settled},
        notes=x.tell(notices.closed(x.county, x.case, answer, x.acting_agency())),
    )


async def feedback(x: ActionContext) -> Change:
    verdict = x.action.verdict
    if verdict not in VERDICTS:
        raise InvalidAction("评价应为满意、基本满意或不满意。")
    if x.case.satisfaction is not None:
        raise IllegalTransition(
            f"案件 {x.case.number} 已经评价过了（{VERDICTS.get(x.case.satisfaction, '')}）。"
        )
    x.case.satisfaction = verdict
    if x.case.closed_at is None and verdict != "dissatisfied":
        x.case.closed_at = x.now
    label = VERDICTS[verdict]
    remark = x.note
    # The dialogue may pass the chosen word itself ("满意"): that is no remark.
    if remark in VERDICTS.values() or remark in VERDICTS:
        remark = ""
    notes: list[Note] = []
    if verdict == "dissatisfied":
        notes += x.tell(notices.objection(x.county, x.case, None))
        notes.append(
            x.to_agency(
                x.case.lead_agency,
                "dissatisfied",
                f"缴费人不满意 {x.case.number}",
                [
                    f"【不满意】{x.case.number} 缴费人对处理结果不满意",
                    f"意见：{remark or '（无）'}",
                ],
                DETAIL_ONLY,
            )
        )
    return Change(
        text=f"{label}（{remark}）" if remark else label,
        data={"verdict": verdict, "remark": remark or None},
        notes=notes,
    )


async def object_(x: ActionContext) -> Change:
    route_key = x.action.route
    if route_key is not None and route_key not in ROUTES:
        raise InvalidAction("救济途径应为调解、仲裁、行政复议或行政诉讼。")
    if x.case.satisfaction is None:
        x.case.satisfaction = "dissatisfied"
    return Change(
        text=x.note or "缴费人对处理结果有异议。",
        data={"route": route_key},
        notes=x.tell(notices.objection(x.county, x.case, route_key)),
    )


async def archive(x: ActionContext) -> Change:
    return Change(text=x.note or "案卷归档。")


async def relay(x: ActionContext) -> Change:
    """The grid worker passed the latest notice on to the villager (已转告)."""
    who = x.filer.name if x.filer is not None else "网格员"
    return Change(text=x.note or f"网格员{who}已将最新进展转告缴费人。")


async def add_info(x: ActionContext) -> Change:
    """The complainant's (or filing grid worker's) correction or addition to the case: kept
    in the record and pushed to the lead and active co-agencies (masked, as every push)."""
    said = clean_block(x.action.text, TEXT_LIMIT)
    if not said:
        raise InvalidAction("补充更正的内容不能为空。")
    lines = [f"【缴费人补充更正】{x.case.number}", mask_text(said)]
    agencies = [x.case.lead_agency, *x.co]
    notes = [
        x.to_agency(agency, "complainant_info", f"缴费人补充更正 {x.case.number}", lines, DETAIL_ONLY)
        for agency in dict.fromkeys(agencies)
    ]
    return Change(text=said, notes=notes)


#: One handler per action; ``backend.workflow.TRANSITIONS`` says when each is legal.
HANDLERS: dict[str, Handler] = {
    "accept": accept,
    "transfer": transfer,
    "transfer_out": transfer_out,
    "start_joint": start_joint,
    "submit_opinion": submit_opinion,
    "reply": reply,
    "escalate": escalate,
    "approve": approve,
    "record_minutes": record_minutes,
    "reclassify": reclassify,
    "extend_due": extend_due,
    "close": close,
    "feedback": feedback,
    "object": object_,
    "archive": archive,
    "relay": relay,
    "add_info": add_info,
}


async def _state(
    s: AsyncSession, case: Case, assignments: list[Assignment], filer: Filer | None
) -> CaseState:
    """The case's ``CaseState`` from its loaded rows and its milestone events."""
    milestones = set(
        (
            await s.execute(
                sa.select(col(Event.action))
                .where(col(Event.case_id) == case.id, col(Event.action).in_(STATE_EVENTS))
                .distinct()
            )
        ).scalars()
    )
    active_co = [a for a in assignments if a.active and a.role == "co"]
    return CaseState(
        status=case.status,
        tier=case.tier,
        lead=case.lead_agency,
        co_agencies=tuple(a.agency_id for a in active_co),
        pending_opinions=tuple(a.agency_id for a in active_co if a.opinion is None),
        joint_started="start_joint" in milestones,
        approved="approve" in milestones,
        satisfaction=case.satisfaction,
        filer_phone=filer.phone if filer else None,
        channel_user=case.channel_user,
    )


def clean_action(action: StaffAction) -> StaffAction:
    """Written texts as the database takes them (no NUL, capped)."""
    return replace(
        action,
        text=clean_block(action.text, TEXT_LIMIT),
        reply=clean_block(action.reply, TEXT_LIMIT) or None if action.reply is not None else None,
        jurisdiction=clean_line(action.jurisdiction, 200),
        jurisdiction_phone=clean_line(action.jurisdiction_phone, 40),
        target_agency=clean_line(action.target_agency, 100),
    )


async def apply(
    county: County, db: Database, number: str, action: StaffAction, now: datetime
) -> None:
    """Apply one action: permission, transition, handler, event, outbox — one transaction.
    Raises ``CaseNotFound``, ``Forbidden``, ``IllegalTransition`` or ``InvalidAction`` and then
    changes nothing."""
    handler = HANDLERS.get(action.kind)
    if handler is None:
        raise InvalidAction(f"没有“{action.kind[:40]}”这个操作。")
    action = clean_action(action)
    async with db.session(write=True) as s:
        case = await find(s, number, for_update=db.dialect_name == "postgresql")
        if case is None:
            raise CaseNotFound(f"没有编号为 {number} 的案件。")
        assert case.id is not None
        assignments = list(
            (
                await s.execute(
                    sa.select(Assignment)
                    .where(col(Assignment.case_id) == case.id)
                    .order_by(col(Assignment.id))
                )
            ).scalars()
        )
        person = await s.get(Person, case.complainant_id)
        filer = await s.get(Filer, case.filer_id) if case.filer_id else None
        assert person is not None
        state = await _state(s, case, assignments, filer)
        problem = refusal(
            state,
            action.actor,
            action.kind,
            agency_names=lambda ids: texts.agency_names(county, ids),
        )
        if problem is not None:
            raise problem
        target = next_status(case.status, action)
        counts = (await counts_for_cases(s, [case.id])).get(case.id)
        change = await handler(
            ActionContext(
                county,
                s,
                case,
                person,
                filer,
                assignments,
                action,
                now,
                attachments=counts.summary() if counts is not None else "",
                state=state,
            )
        )
        before = case.status
        case.status = target
        case.updated_at = now
        event = Event(
            case_id=case.id,
            at=now,
            actor=action.actor.ref,
            action=action.kind,
            text=change.text,
            data={
                "from": before,
                "to": target,
                "actor_name": action.actor.name or None,
                "actor_agency": action.actor.agency,
                **change.data,
            },
        )
        s.add(event)
        await s.flush()
        assert event.id is not None
        outbox.write(s, case, f"{case.number}:{event.id}", change.notes, now)
        await s.commit()
