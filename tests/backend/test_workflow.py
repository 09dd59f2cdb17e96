"""The case state machine: every legal transition, a sample of illegal ones, permissions.

Each legal (status, action) pair gets its own case, brought to the status by a fixed path.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend.models import Event, OutboxMessage
from backend.service import CaseService
from backend.workflow import (
    TRANSITIONS,
    Actor,
    Forbidden,
    IllegalTransition,
    InvalidAction,
    StaffAction,
    check_permission,
)

OFFICE = Actor("office01", "office", "office", "崔明")
LEADER = Actor("leader01", "leader", "gov_office", "李静")
TAX = Actor("tax01", "staff", "tax", "王建国")
HRSS = Actor("hrss01", "staff", "hrss", "李学文")
FINANCE = Actor("finance01", "staff", "finance", "王向东")
COMPLAINANT = Actor("user-1", "complainant", None, "缴费人")

#: A refund after the reform: tax leads, hrss + finance co-handle; general tier.
GENERAL = {"category": "refund", "insurance_type": "pension", "description": "重复缴费要求退费"}
#: A system problem: simple tier, tax alone.
SIMPLE = {"category": "payment_system", "description": "小程序交不了城乡居民养老保险"}

ACTION_ARGS: dict[str, dict[str, Any]] = {
    "accept": {},
    "transfer": {"target_agency": "medical", "text": "属医保职责"},
    "transfer_out": {"jurisdiction": "晋城市泽州县", "text": "参保地在泽州县"},
    "start_joint": {"text": "请联办单位提出意见"},
    "submit_opinion": {"target_agency": "hrss", "text": "核实为重复缴费，同意退费"},
    "reply": {"text": "经核实，多缴部分将在10个工作日内退回。"},
    "escalate": {"text": "涉及多个部门，需专案处理"},
    "approve": {"text": "同意专案处理"},
    "record_minutes": {"text": "会商决定：由税务局牵头退费"},
    "reclassify": {"category": "contribution_amount"},
    "extend_due": {"extend_days": 3, "text": "需调取历史档案"},
    "close": {"text": "已当场处理"},
    "feedback": {"verdict": "satisfied"},
    "object": {"route": "reconsideration", "text": "申请行政复议"},
    "archive": {},
    "relay": {},
    "add_info": {"text": "名字写错了，应为李桂华"},
}

PATHS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "registered": [],
    "accepted": [("accept", {})],
    "transferred": [("transfer", {"target_agency": "hrss", "text": "属人社职责"})],
    "transferred_out": [("transfer_out", ACTION_ARGS["transfer_out"])],
    "joint": [("accept", {}), ("start_joint", {})],
    "escalated": [("escalate", ACTION_ARGS["escalate"])],
    "approved": [("escalate", ACTION_ARGS["escalate"]), ("approve", {})],
    "replied": [("accept", {}), ("reply", ACTION_ARGS["reply"])],
    "closed": [("accept", {}), ("reply", ACTION_ARGS["reply"]), ("close", {})],
    "objected": [("accept", {}), ("reply", ACTION_ARGS["reply"]), ("object", {})],
    "archived": [("accept", {}), ("reply", ACTION_ARGS["reply"]), ("close", {}), ("archive", {})],
}

#: "relay" (已转告) is legal in every status and changes none: two samples are enough.
LEGAL = sorted(
    (status, action)
    for action, froms in TRANSITIONS.items()
    for status in froms
    if action not in ("relay", "add_info") or status in ("registered", "archived")
)


def action(kind: str, actor: Actor = OFFICE, **kw: Any) -> StaffAction:
    args = {**ACTION_ARGS[kind], **kw}
    if kind in ("feedback", "add_info"):
        actor = COMPLAINANT if actor is OFFICE else actor
    return StaffAction(kind=kind, actor=actor, **args)


async def case_in(svc: CaseService, make_draft: Any, status: str, draft: dict[str, Any]) -> str:
    opened = await svc.open_case(make_draft(**draft))
    for kind, kw in PATHS[status]:
        await svc.act(opened.number, action(kind, **kw))
    assert (await svc.detail(opened.number)).status == status
    return opened.number


async def counts(svc: CaseService) -> tuple[int, int]:
    async with svc.db.session() as s:
        events = await s.scalar(sa.select(sa.func.count()).select_from(Event))
        outbox = await s.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    return int(events or 0), int(outbox or 0)


@pytest.mark.parametrize(("status", "kind"), LEGAL)
async def test_every_legal_transition(
    sqlite_case_service: CaseService, make_draft: Any, status: str, kind: str
) -> None:
    svc = sqlite_case_service
    simple_close = kind == "close" and status in ("registered", "accepted")
    draft = SIMPLE if simple_close else GENERAL
    actor = OFFICE
    if kind == "record_minutes":  # 会商 belongs to complex cases only
        draft = {**GENERAL, "people_count": 30}
    if kind == "relay":  # 已转告: the grid worker who filed the case
        draft = {**GENERAL, "filed_by": ("张桂兰", "15835601121")}
        actor = Actor.from_ref("grid_worker:15835601121")
    number = await case_in(svc, make_draft, status, draft)
    before = await svc.detail(number)
    after = await svc.act(number, action(kind, actor))
    expected = TRANSITIONS[kind][status]
    assert after.status == (status if expected == "=" else expected)
    assert len(after.events) == len(before.events) + 1
    last = after.events[-1]
    assert last.action == kind and last.data["from"] == status and last.data["to"] == after.status


async def test_dissatisfied_feedback_objects_and_tells_the_routes(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    svc = sqlite_case_service
    number = await case_in(svc, make_draft, "closed", GENERAL)
    view = await svc.record_feedback(number, "dissatisfied", "退的钱不对", actor="complainant")
    assert view.status == "objected" and not view.awaiting_feedback
    async with svc.db.session() as s:
        bodies = list(
            (
                await s.execute(
                    sa.select(col(OutboxMessage.body)).where(
                        col(OutboxMessage.kind) == "to_complainant"
                    )
                )
            ).scalars()
        )
    assert any("行政复议" in b and "行政诉讼" in b for b in bodies)


ILLEGAL = [
    ("archived", "accept"),
    ("registered", "reply"),
    ("accepted", "approve"),
    ("accepted", "archive"),
    ("registered", "feedback"),
    ("closed", "transfer"),
    ("transferred_out", "reply"),
    ("replied", "escalate"),
    ("joint", "accept"),
]


@pytest.mark.parametrize(("status", "kind"), ILLEGAL)
async def test_illegal_transitions_change_nothing(
    sqlite_case_service: CaseService, make_draft: Any, status: str, kind: str
) -> None:
    svc = sqlite_case_service
    number = await case_in(svc, make_draft, status, GENERAL)
    before, rows = await svc.detail(number), await counts(svc)
    with pytest.raises(IllegalTransition) as info:
        await svc.act(number, action(kind))
    assert "不能" in str(info.value)
    assert await svc.detail(number) == before and await counts(svc) == rows


async def test_general_case_cannot_be_closed_on_the_spot(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    number = await case_in(sqlite_case_service, make_draft, "accepted", GENERAL)
    with pytest.raises(IllegalTransition, match="简易事项"):
        await sqlite_case_service.act(number, action("close"))


async def test_complex_case_needs_approval_before_the_reply(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    svc = sqlite_case_service
    opened = await svc.open_case(make_draft(**GENERAL, people_count=30))
    assert opened.tier == "complex"
    await svc.act(opened.number, action("accept"))
    rows = await counts(svc)
    with pytest.raises(IllegalTransition, match="批准"):
        await svc.act(opened.number, action("reply"))
    assert await counts(svc) == rows
    await svc.act(opened.number, action("escalate"))
    await svc.act(opened.number, action("approve", LEADER))
    await svc.act(opened.number, action("record_minutes"))
    assert (await svc.act(opened.number, action("reply"))).status == "replied"


async def test_missing_text_or_target_is_invalid(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    number = await case_in(sqlite_case_service, make_draft, "accepted", GENERAL)
    for bad in (
        replace(action("reply"), text=" "),
        replace(action("transfer"), target_agency=None),
        replace(action("transfer"), target_agency="nasa"),
        replace(action("transfer"), target_agency="tax"),  # already the lead
        replace(action("transfer_out"), jurisdiction=""),
        replace(action("reclassify"), category="weather"),
    ):
        with pytest.raises(InvalidAction):
            await sqlite_case_service.act(number, bad)


# --- permissions -------------------------------------------------------------------------


async def test_permissions_on_a_case(sqlite_case_service: CaseService, make_draft: Any) -> None:
    svc = sqlite_case_service
    number = await case_in(svc, make_draft, "registered", GENERAL)
    rows = await counts(svc)
    refusals = [
        action("accept", HRSS),  # co-agency cannot accept
        action("accept", Actor("court01", "staff", "court")),  # not involved at all
        action("accept", COMPLAINANT),
        action("extend_due", TAX),  # only the office extends
    ]
    for refused in refusals:
        with pytest.raises(Forbidden):
            await svc.act(number, refused)
    assert await counts(svc) == rows
    await svc.act(number, action("accept", TAX))
    await svc.act(number, action("start_joint", TAX))
    await svc.act(number, action("submit_opinion", HRSS, target_agency=None))
    with pytest.raises(Forbidden, match="联办单位"):
        await svc.act(number, action("reply", FINANCE))
    with pytest.raises(Forbidden):
        await svc.act(number, action("submit_opinion", TAX))  # the lead is not a co-agency
    detail = await svc.act(number, action("submit_opinion", FINANCE, target_agency=None))
    opinions = {a.agency_id: a.opinion for a in detail.assignments if a.role == "co"}
    assert opinions["hrss"] and opinions["finance"]
    assert detail.events[-1].data["all_opinions"] is True


def test_approval_only_by_leader_or_office() -> None:
    kw: dict[str, Any] = {"lead": "tax", "co_agencies": ("hrss",)}
    check_permission(LEADER, "approve", **kw)
    check_permission(OFFICE, "approve", **kw)
    for who in (TAX, HRSS, Actor.system(), COMPLAINANT):
        with pytest.raises(Forbidden):
            check_permission(who, "approve", **kw)


def test_grid_worker_may_only_rate_cases_they_filed() -> None:
    kw: dict[str, Any] = {"lead": "tax", "co_agencies": (), "filer_phone": "15835601121"}
    check_permission(Actor.from_ref("grid_worker:15835601121"), "feedback", **kw)
    with pytest.raises(Forbidden):
        check_permission(Actor.from_ref("grid_worker:15800000000"), "feedback", **kw)
    with pytest.raises(Forbidden):
        check_permission(Actor.from_ref("grid_worker:15835601121"), "accept", **kw)
