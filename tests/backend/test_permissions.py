"""``allowed_actions(case, actor)`` is exact: an action is listed if and only if ``act``
accepts it (status, tier, role, missing joint opinions), and joint handling is enforced."""

from __future__ import annotations

from typing import Any

import pytest

from backend.permissions import allowed_actions
from backend.service import CaseService
from backend.workflow import Actor, IllegalTransition, StaffAction, WorkflowError

OFFICE = Actor("office01", "office", "office", "崔明")
LEADER = Actor("leader01", "leader", "gov_office", "李静")
TAX = Actor("tax01", "staff", "tax", "王建国")
HRSS = Actor("hrss01", "staff", "hrss", "李学文")
FINANCE = Actor("finance01", "staff", "finance", "王向东")
COURT = Actor("court01", "staff", "court", "陈建平")
RESIDENT = Actor("user-1", "complainant", None, "缴费人")

#: A refund: tax leads, hrss and finance co-handle (general).
REFUND = {"category": "refund", "insurance_type": "pension", "description": "重复缴费要求退费"}
COMPLEX = {**REFUND, "people_count": 30}
SIMPLE = {"category": "payment_system", "description": "小程序交不了养老保险"}

ARGS: dict[str, dict[str, Any]] = {
    "transfer": {"target_agency": "medical", "text": "属医保职责"},
    "transfer_out": {"jurisdiction": "晋城市泽州县", "text": "参保地在泽州县"},
    "start_joint": {"text": "请联办单位提出意见"},
    "submit_opinion": {"target_agency": "finance", "text": "同意退费"},
    "reply": {"text": "经核实，多缴部分将在10个工作日内退回。"},
    "escalate": {"text": "需专案处理"},
    "record_minutes": {"text": "会商决定：由税务局牵头退费"},
    "reclassify": {"category": "contribution_amount"},
    "extend_due": {"extend_days": 3},
    "close": {"text": "已处理"},
    "feedback": {"verdict": "satisfied"},
    "object": {"route": "reconsideration"},
}

#: How each situation is reached: (draft, [(actor, action, args)]).
SITUATIONS: dict[str, tuple[dict[str, Any], list[tuple[Actor, str, dict[str, Any]]]]] = {
    "registered": (REFUND, []),
    "simple": (SIMPLE, []),
    "joint, finance missing": (
        REFUND,
        [
            (TAX, "accept", {}),
            (TAX, "start_joint", {}),
            (HRSS, "submit_opinion", {"text": "核实为重复缴费"}),
        ],
    ),
    "complex accepted": (COMPLEX, [(TAX, "accept", {})]),
    "complex approved": (
        COMPLEX,
        [(TAX, "accept", {}), (TAX, "escalate", {"text": "30 人"}), (LEADER, "approve", {})],
    ),
    "replied": (REFUND, [(TAX, "accept", {}), (TAX, "reply", ARGS["reply"])]),
}
ACTORS = {"tax": TAX, "finance": FINANCE, "court": COURT, "office": OFFICE, "resident": RESIDENT}
KINDS = (
    "accept", "transfer", "transfer_out", "start_joint", "submit_opinion", "reply", "escalate",
    "approve", "record_minutes", "reclassify", "extend_due", "close", "feedback", "object",
    "archive", "relay",
)  # fmt: skip


async def reach(svc: CaseService, make_draft: Any, situation: str) -> str:
    draft, steps = SITUATIONS[situation]
    opened = await svc.open_case(make_draft(**draft))
    for actor, kind, args in steps:
        await svc.act(opened.number, StaffAction(kind=kind, actor=actor, **args))
    return opened.number


@pytest.mark.parametrize("situation", list(SITUATIONS))
async def test_allowed_actions_are_exactly_what_act_accepts(
    sqlite_case_service: CaseService, make_draft: Any, situation: str
) -> None:
    svc = sqlite_case_service
    number = await reach(svc, make_draft, situation)
    detail = await svc.detail(number)
    for actor in ACTORS.values():
        listed = allowed_actions(detail, actor)
        assert set(listed) <= set(detail.allowed_actions)
        for kind in KINDS:
            args = ARGS.get(kind, {})
            if kind in listed:
                fresh = await reach(svc, make_draft, situation)  # acting changes the case
                await svc.act(fresh, StaffAction(kind=kind, actor=actor, **args))
            else:
                with pytest.raises(WorkflowError):
                    await svc.act(number, StaffAction(kind=kind, actor=actor, **args))
    assert await svc.detail(number) == detail  # every refusal changed nothing


async def test_reply_waits_for_every_joint_opinion(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    svc = sqlite_case_service
    number = await reach(svc, make_draft, "joint, finance missing")
    detail = await svc.detail(number)
    assert "reply" not in allowed_actions(detail, TAX)
    with pytest.raises(IllegalTransition, match="县财政局"):
        await svc.act(number, StaffAction("reply", TAX, text="答复"))
    detail = await svc.act(number, StaffAction("submit_opinion", FINANCE, text="资金已备"))
    assert "reply" in allowed_actions(detail, TAX)
    replied = await svc.act(number, StaffAction("reply", TAX, text="答复"))
    assert replied.status == "replied"
    assert "override_missing_opinions" not in replied.events[-1].data


async def test_the_office_may_answer_before_an_opinion_and_it_is_recorded(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    svc = sqlite_case_service
    number = await reach(svc, make_draft, "joint, finance missing")
    assert "reply" in allowed_actions(await svc.detail(number), OFFICE)
    detail = await svc.act(number, StaffAction("reply", OFFICE, text="先行答复"))
    assert detail.events[-1].data["override_missing_opinions"] == ["finance"]


async def test_minutes_only_on_complex_cases_and_no_reply_before_approval(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    svc = sqlite_case_service
    general = await svc.detail(await reach(svc, make_draft, "joint, finance missing"))
    assert "record_minutes" not in general.allowed_actions
    assert "record_minutes" not in allowed_actions(general, OFFICE)
    with pytest.raises(IllegalTransition, match="重大疑难"):
        await svc.act(general.number, StaffAction("record_minutes", OFFICE, text="纪要"))
    waiting = await svc.detail(await reach(svc, make_draft, "complex accepted"))
    assert "reply" not in waiting.allowed_actions and "reply" not in allowed_actions(waiting, TAX)
    approved = await svc.detail(await reach(svc, make_draft, "complex approved"))
    assert {"reply", "record_minutes", "start_joint"} <= set(allowed_actions(approved, TAX))
    assert allowed_actions(approved, COURT) == ()
    assert allowed_actions(approved, FINANCE) == ("submit_opinion",)
