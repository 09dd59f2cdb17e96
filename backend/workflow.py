"""The case state machine (DOMAIN.md §5): statuses, actions, who may do what.

Each staff action is an explicit transition ``(status, action) -> status``. The service
checks ``next_status`` and ``check_permission`` before changing anything, so an illegal or
forbidden action raises and leaves the case as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["staff", "office", "leader", "system", "complainant", "grid_worker"]

STATUS_LABELS: dict[str, str] = {
    "registered": "已登记，待受理",
    "accepted": "已受理，正在办理",
    "transferred": "已移送主管单位，待受理",
    "transferred_out": "已转有管辖权的地区办理",
    "joint": "多部门联合办理中",
    "escalated": "已上报领导小组办公室",
    "approved": "领导小组已批准专案办理",
    "replied": "已书面答复",
    "closed": "已办结",
    "objected": "有异议，已告知救济途径",
    "archived": "已归档",
}
STATUSES: tuple[str, ...] = tuple(STATUS_LABELS)

#: Cases still being handled: the due date applies (督办).
OPEN_STATUSES: frozenset[str] = frozenset(
    {"registered", "accepted", "transferred", "joint", "escalated", "approved"}
)

ACTION_LABELS: dict[str, str] = {
    "register": "登记",
    "consent": "代办授权",
    "repeat": "关联重复件",
    "accept": "受理",
    "transfer": "移送",
    "transfer_out": "转外地",
    "start_joint": "发起联办",
    "submit_opinion": "提交书面意见",
    "reply": "书面答复",
    "escalate": "上报领导小组办公室",
    "approve": "批准专案办理",
    "record_minutes": "记录会商纪要",
    "reclassify": "调整类别或分类",
    "extend_due": "延长办理时限",
    "close": "办结",
    "object": "记录异议",
    "archive": "归档",
    "feedback": "评价",
    "due_soon": "临期提醒",
    "overdue": "超期督办",
    "relay": "网格员已转告",
    "add_info": "缴费人补充更正",
    "attachment": "补充材料",
    "identity_check": "身份核对提示",
}

ACTIONS: tuple[str, ...] = (
    "accept",
    "transfer",
    "transfer_out",
    "start_joint",
    "submit_opinion",
    "reply",
    "escalate",
    "approve",
    "record_minutes",
    "reclassify",
    "extend_due",
    "close",
    "object",
    "archive",
    "feedback",
)

_HANDLING = ("registered", "accepted", "transferred", "joint", "escalated", "approved")
_SAME = "="  # the action keeps the status

#: action -> {from status: to status}; "=" keeps the status. Anything missing is illegal.
TRANSITIONS: dict[str, dict[str, str]] = {
    "accept": {"registered": "accepted", "transferred": "accepted"},
    "transfer": {s: "transferred" for s in ("registered", "accepted", "transferred", "escalated")},
    "transfer_out": {s: "transferred_out" for s in ("registered", "accepted", "transferred")},
    "start_joint": {"accepted": "joint", "approved": "joint"},
    "submit_opinion": {"joint": _SAME, "approved": _SAME},
    "reply": {s: "replied" for s in ("accepted", "joint", "approved", "replied")},
    "escalate": {s: "escalated" for s in ("registered", "accepted", "transferred", "joint")},
    "approve": {"escalated": "approved"},
    "record_minutes": {"approved": _SAME, "joint": _SAME},
    "reclassify": {s: _SAME for s in _HANDLING},
    "extend_due": {s: _SAME for s in _HANDLING},
    # Closing straight from registered/accepted is for simple cases (当场办结), see guards.
    "close": {"registered": "closed", "accepted": "closed", "replied": "closed"},
    # feedback's target depends on the verdict (satisfied -> closed, dissatisfied -> objected).
    "feedback": {"replied": "closed", "closed": "closed"},
    "object": {"replied": "objected", "closed": "objected"},
    "archive": {"closed": "archived", "objected": "archived", "transferred_out": "archived"},
    # A grid worker passed the latest notice on to the villager (已转告): any status.
    "relay": {s: _SAME for s in STATUSES},
    # The complainant (or the grid worker who filed) corrects or adds to a registered case
    # ("名字写错了…", "王二狗那户的滞纳金是65块"): recorded and passed to the handling agency.
    "add_info": {s: _SAME for s in STATUSES},
}

VERDICTS: dict[str, str] = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
}

#: Legal routes told to a complainant who objects (调解、仲裁、行政复议、行政诉讼).
ROUTES: dict[str, str] = {
    "mediation": "申请调解",
    "arbitration": "申请劳动人事争议仲裁",
    "reconsideration": "申请行政复议",
    "litigation": "提起行政诉讼",
}


class WorkflowError(Exception):
    """Base of the errors a staff action can raise; the message is Chinese, for people."""


class CaseNotFound(WorkflowError, LookupError):
    pass


class IllegalTransition(WorkflowError):
    """The action is not allowed in the case's current status (nothing was changed)."""


class Forbidden(WorkflowError):
    """The actor may not do this to this case (nothing was changed)."""


class InvalidAction(WorkflowError, ValueError):
    """The action lacks something it needs (text, target agency...) or names something unknown."""


@dataclass(frozen=True)
class Actor:
    """Who acts. ``id``: staff id, grid worker phone, complainant's channel user or "system"."""

    id: str
    kind: ActorKind
    agency: str | None = None
    name: str = ""

    @property
    def ref(self) -> str:
        """How the event log names the actor: "staff:tax01", "complainant", "system"."""
        if self.kind in ("system", "complainant") and not self.id:
            return self.kind
        if self.kind == "system":
            return "system"
        return f"{self.kind}:{self.id}" if self.id else self.kind

    @property
    def is_county_wide(self) -> bool:
        return self.kind in ("office", "leader", "system")

    @classmethod
    def system(cls) -> Actor:
        return cls(id="system", kind="system", name="系统")

    @classmethod
    def from_ref(cls, ref: str) -> Actor:
        """Parse "complainant", "grid_worker:<phone>", "staff:<id>", "system"."""
        kind, _, ident = ref.partition(":")
        if kind == "grid_worker":
            return cls(id=ident, kind="grid_worker", name="网格员")
        if kind == "system":
            return cls.system()
        if kind in ("staff", "office", "leader"):
            return cls(id=ident, kind=kind)  # type: ignore[arg-type]
        return cls(id=ident, kind="complainant", name="缴费人")


@dataclass(frozen=True)
class StaffAction:
    kind: str
    actor: Actor
    text: str = ""
    target_agency: str | None = None
    jurisdiction: str | None = None
    category: str | None = None
    tier: str | None = None
    extend_days: int | None = None
    route: str | None = None
    verdict: str | None = None
    #: What the complainant is told (答复 / 办结), written for them; ``text`` stays the
    #: internal note. When ``reply`` is None, the reply action's ``text`` is the reply.
    reply: str | None = None
    #: 转外地: the receiving jurisdiction's phone, given to the complainant (optional).
    jurisdiction_phone: str | None = None


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def allowed_actions(status: str) -> tuple[str, ...]:
    """Actions legal in ``status`` (before permission checks), in a stable order."""
    return tuple(a for a in ACTIONS if status in TRANSITIONS[a])


def next_status(status: str, action: StaffAction) -> str:
    """The status after ``action``, or ``IllegalTransition``."""
    if action.kind not in TRANSITIONS:
        raise InvalidAction(f"没有“{action.kind}”这个操作。")
    targets = TRANSITIONS[action.kind]
    if status not in targets:
        allowed = "、".join(action_label(a) for a in allowed_actions(status)) or "无"
        raise IllegalTransition(
            f"案件当前状态为“{status_label(status)}”，不能{action_label(action.kind)}"
            f"（此状态可以：{allowed}）。"
        )
    if action.kind == "feedback" and action.verdict == "dissatisfied":
        return "objected"
    target = targets[status]
    return status if target == _SAME else target


#: Actions the lead agency's own staff may take.
_LEAD_ACTIONS = frozenset(
    {
        "accept",
        "transfer",
        "transfer_out",
        "start_joint",
        "reply",
        "escalate",
        "record_minutes",
        "reclassify",
        "close",
        "object",
        "archive",
        "feedback",
    }
)


def check_permission(
    actor: Actor,
    action: str,
    *,
    lead: str,
    co_agencies: tuple[str, ...],
    filer_phone: str | None = None,
    channel_user: str | None = None,
) -> None:
    """Raise ``Forbidden`` (with the reason) unless ``actor`` may take ``action`` on the case."""
    name = action_label(action)
    if actor.kind == "leader":
        return
    if actor.kind in ("office", "system"):
        if action == "approve" and actor.kind == "system":
            raise Forbidden("批准专案办理须由领导小组组长或办公室作出，系统不能代为批准。")
        return
    if actor.kind in ("complainant", "grid_worker"):
        if action == "relay" and actor.kind != "grid_worker":
            raise Forbidden("只有代办的网格员可以登记“已转告”。")
        if action not in ("feedback", "object", "relay", "add_info"):
            raise Forbidden(f"缴费人和网格员不能{name}，只能评价或提出异议。")
        if actor.kind == "grid_worker" and filer_phone and actor.id and actor.id != filer_phone:
            raise Forbidden("这件案件不是您代办的，不能代为评价。")
        if actor.kind == "complainant" and actor.id and channel_user and actor.id != channel_user:
            raise Forbidden("这件案件不是您反映的，不能评价。")
        return
    # agency staff
    if action == "approve":
        raise Forbidden("批准专案办理须由领导小组组长或办公室作出。")
    if action == "extend_due":
        raise Forbidden("延长办理时限须由领导小组办公室决定。")
    if actor.agency is None:
        raise Forbidden("此账号没有所属单位，不能办理案件。")
    if action == "submit_opinion":
        if actor.agency not in co_agencies:
            raise Forbidden("只有联办单位可以提交书面意见，本单位不是此案的联办单位。")
        return
    if actor.agency != lead:
        if actor.agency in co_agencies:
            raise Forbidden(f"本单位是此案的联办单位，不能{name}；请提交书面意见，由牵头单位办理。")
        raise Forbidden(f"此案不由本单位办理，不能{name}。")
    if action not in _LEAD_ACTIONS:
        raise Forbidden(f"本单位不能{name}。")
