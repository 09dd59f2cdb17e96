"""Who may take which action on a case right now: ONE rule set for the API, the desk, the
staff chat and ``backend.actions.apply`` (which enforces it).

``refusal(state, actor, action)`` is the reason an action cannot be taken (None when it
can); ``allowed_actions(case, actor)`` lists exactly the actions with no refusal, so a form
or a button is offered only when the action will be accepted. The state is the status plus
what the status does not say: the tier, the co-agencies whose written opinion is still
missing after joint handling started, and whether a complex case was approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.workflow import (
    TRANSITIONS,
    VERDICTS,
    Actor,
    Forbidden,
    IllegalTransition,
    StaffAction,
    WorkflowError,
    action_label,
    check_permission,
    next_status,
)

#: Events whose having happened changes what may be done (loaded with every detail).
STATE_EVENTS: tuple[str, ...] = ("start_joint", "approve")

#: The order actions are offered in (the workflow's, then the grid worker's 已转告).
ORDER: tuple[str, ...] = tuple(TRANSITIONS)


@dataclass(frozen=True)
class CaseState:
    """What decides whether an action is possible, beside the actor."""

    status: str
    tier: str
    lead: str
    co_agencies: tuple[str, ...] = ()
    #: Active co-agencies without a written opinion yet.
    pending_opinions: tuple[str, ...] = ()
    #: 发起联办 happened (then the reply waits for every opinion).
    joint_started: bool = False
    #: 批准专案办理 happened (a complex case is answered only after it).
    approved: bool = False
    satisfaction: str | None = None
    filer_phone: str | None = None
    channel_user: str | None = None


def state_of(case: Any) -> CaseState:
    """The state of a ``backend.views.CaseDetail``."""
    pending = tuple(
        a.agency_id for a in case.assignments if a.active and a.role == "co" and a.opinion is None
    )
    return CaseState(
        status=case.status,
        tier=case.tier,
        lead=case.lead_agency,
        co_agencies=tuple(case.co_agencies),
        pending_opinions=pending,
        joint_started=bool(case.joint_started),
        approved=bool(case.approved),
        satisfaction=case.satisfaction,
        filer_phone=case.filed_by.phone if case.filed_by is not None else None,
        channel_user=case.channel_user,
    )


def refusal(
    state: CaseState, actor: Actor, action: str, *, agency_names: Any = None
) -> WorkflowError | None:
    """Why ``actor`` cannot take ``action`` now (the error ``apply`` raises), or None.

    ``agency_names``: a callable naming agency ids for the message (ids when None)."""
    try:
        next_status(state.status, StaffAction(kind=action, actor=actor))
        check_permission(
            actor,
            action,
            lead=state.lead,
            co_agencies=state.co_agencies,
            filer_phone=state.filer_phone,
            channel_user=state.channel_user,
        )
    except WorkflowError as exc:
        return exc
    name = action_label(action)
    complex_waiting = state.tier == "complex" and not state.approved
    if action == "reply":
        if complex_waiting:
            return IllegalTransition(
                "重大疑难事项须经领导小组批准专案办理后才能答复，请先上报领导小组办公室。"
            )
        if state.joint_started and state.pending_opinions and not actor.is_county_wide:
            waiting = (agency_names or "、".join)(state.pending_opinions)
            return IllegalTransition(
                f"联办单位的书面意见还没有到齐（尚待：{waiting}），收齐后才能答复；"
                "确需先行答复的，由领导小组办公室决定。"
            )
    if action == "close":
        if state.status in ("registered", "accepted") and state.tier != "simple":
            return IllegalTransition(
                "只有简易事项可以当场办结；一般和重大疑难事项须先书面答复缴费人。"
            )
        if state.status not in ("registered", "accepted") and complex_waiting:
            return IllegalTransition(
                "重大疑难事项须经领导小组批准专案办理后才能办结，请先上报领导小组办公室。"
            )
    if action == "record_minutes" and state.tier != "complex":
        return IllegalTransition("会商纪要只用于重大疑难事项；一般事项请提交书面意见或答复。")
    if action == "feedback" and state.satisfaction is not None:
        return IllegalTransition(
            f"已经评价过了（{VERDICTS.get(state.satisfaction, state.satisfaction)}）。"
        )
    if action == "submit_opinion" and not state.co_agencies:
        return IllegalTransition(f"此案没有联办单位，不能{name}。")
    if action == "relay" and (actor.kind != "grid_worker" or not state.filer_phone):
        return Forbidden("只有代办的网格员可以登记“已转告”。")
    if action == "add_info" and actor.kind not in ("complainant", "grid_worker"):
        return Forbidden("补充更正由缴费人或代办网格员提出；工作人员请在办理意见中写明。")
    return None


def allowed_actions(case: Any, actor: Actor) -> tuple[str, ...]:
    """Exactly the actions ``actor`` can take on ``case`` (a ``CaseDetail`` or a
    ``CaseState``) now: the status, tier, role and missing opinions all considered."""
    state = case if isinstance(case, CaseState) else state_of(case)
    return tuple(a for a in ORDER if refusal(state, actor, a) is None)


def possible_actions(state: CaseState) -> tuple[str, ...]:
    """The actions SOMEONE can take now (status, tier, approval, opinions; any role)."""
    someone = (Actor("office", "office", None), Actor("leader", "leader", None))
    lead = Actor("lead", "staff", state.lead)
    co = [Actor(f"co:{a}", "staff", a) for a in state.co_agencies]
    people = (Actor("", "complainant"), Actor(state.filer_phone or "", "grid_worker"))
    actors = (*someone, lead, *co, *people)
    return tuple(a for a in ORDER if any(refusal(state, x, a) is None for x in actors))
