"""The action forms of the case page: which ones a staff member may use now, and reading one.

A form is shown only for an action in ``backend.permissions.allowed_actions(case, actor)``:
the backend's one rule set (status, tier, approval, missing opinions, role), the same the
service enforces, so the page never offers what the service would refuse. The service still
checks everything again when the form is sent.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from backend.categories import CATEGORY_NAMES, TIER_NAMES
from backend.permissions import allowed_actions
from backend.workflow import ROUTES, VERDICTS, Actor, StaffAction
from bot.api.inputs import strip_controls
from identifiers import small_int

FieldKind = Literal[
    "textarea", "text", "agency", "co_agency", "days", "category", "tier", "verdict", "route"
]

#: Longest text accepted from a form (the API's limit too).
MAX_TEXT = 5000


@dataclass(frozen=True)
class FormField:
    name: str  # the form field, also the ``StaffAction`` attribute
    label: str
    kind: FieldKind
    required: bool = False
    hint: str = ""


@dataclass(frozen=True)
class ActionForm:
    kind: str
    button: str
    fields: tuple[FormField, ...]
    note: str = ""


def _text(label: str, required: bool = False, hint: str = "") -> FormField:
    return FormField("text", label, "textarea", required, hint)


#: The actions the console offers, in the order they appear.
FORMS: dict[str, ActionForm] = {
    f.kind: f
    for f in (
        ActionForm("accept", "受理", (_text("受理意见（可不填）"),)),
        ActionForm(
            "reply",
            "书面答复",
            (
                FormField(
                    "reply", "给缴费人的答复", "textarea", True, "原文发送给缴费人，并记入案卷。"
                ),
                _text("内部办理意见（可不填）", hint="只记入案卷，不发给缴费人。"),
            ),
        ),
        ActionForm(
            "close",
            "办结",
            (
                FormField(
                    "reply",
                    "告知缴费人的办理结果",
                    "textarea",
                    hint="简易事项当场办结时必填，原文发送给缴费人。",
                ),
                _text("内部办理意见（可不填）", hint="只记入案卷，不发给缴费人。"),
            ),
        ),
        ActionForm(
            "transfer",
            "移送",
            (
                FormField("target_agency", "移送至", "agency", True),
                _text("移送理由", True),
            ),
            "办理时限不变；缴费人会收到新单位的联系方式。",
        ),
        ActionForm(
            "start_joint",
            "发起联办",
            (
                FormField("target_agency", "增加联办单位（可不选）", "agency"),
                _text("联办说明（可不填）"),
            ),
        ),
        ActionForm(
            "submit_opinion",
            "提交书面意见",
            (
                FormField("target_agency", "联办单位", "co_agency"),
                _text("书面意见", True),
            ),
        ),
        ActionForm("escalate", "上报领导小组办公室", (_text("上报理由", True),)),
        ActionForm("approve", "批准专案办理", (_text("批准意见（可不填）"),)),
        ActionForm("record_minutes", "记录会商纪要", (_text("会议纪要", True),)),
        ActionForm(
            "extend_due",
            "延长办理时限",
            (
                FormField("extend_days", "延长工作日数（1–60）", "days", True),
                _text("延期理由", True),
            ),
        ),
        ActionForm(
            "reclassify",
            "调整类别或分类",
            (
                FormField("category", "争议类别", "category"),
                FormField("tier", "分类", "tier"),
                _text("调整理由（可不填）"),
            ),
        ),
        ActionForm(
            "transfer_out",
            "转外地",
            (
                FormField("jurisdiction", "有管辖权的地区或机关", "text", True),
                FormField(
                    "jurisdiction_phone",
                    "对方联系电话（建议填写）",
                    "text",
                    hint="原样告知缴费人，方便其联系；不填则告知本县办公室电话。",
                ),
                _text("转办理由", True),
            ),
        ),
        ActionForm(
            "feedback",
            "记录缴费人评价",
            (
                FormField("verdict", "缴费人的评价", "verdict", True),
                _text("缴费人的意见（可不填）"),
            ),
            "缴费人通过电话或当面作出的评价；选“不满意”即记为有异议，并告知其救济途径。",
        ),
        ActionForm(
            "object",
            "记录异议",
            (
                FormField("route", "缴费人选择的救济途径（可不选）", "route"),
                _text("缴费人的异议内容", True),
            ),
            "缴费人会收到调解、仲裁、行政复议、行政诉讼等救济途径的告知。",
        ),
        ActionForm("archive", "归档", (_text("归档说明（可不填）"),)),
    )
}


class FormProblem(ValueError):
    """A form value is missing or wrong; the message is one Chinese sentence."""


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """Form text as stored: what the database cannot hold (NUL, other control characters,
    lone surrogates: ``bot.api.inputs.strip_controls``, as for chat text) removed, newlines
    kept, trimmed."""
    if not isinstance(value, str):
        return ""
    text = strip_controls(value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > limit:
        raise FormProblem(f"内容太长了，最多 {limit} 字。")
    return text


def typed_back(data: Any) -> dict[str, str]:
    """What was typed into a refused form, to show it again (cleaned, cut, never raising)."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if key != "_csrf" and isinstance(value, str):
            out[strip_controls(str(key))[:50]] = strip_controls(value, max_len=MAX_TEXT)
    return out


def available(actor: Actor, detail: Any) -> list[ActionForm]:
    """The forms this actor may use on the case right now, in the page's order."""
    allowed = set(allowed_actions(detail, actor))
    return [form for kind, form in FORMS.items() if kind in allowed]


def read_action(form: ActionForm, data: Any, actor: Actor, county: Any) -> StaffAction:
    """The ``StaffAction`` of a submitted form; ``FormProblem`` for a missing or wrong value."""
    known = {f.name for f in dataclasses.fields(StaffAction)}
    values: dict[str, Any] = {}
    for field in form.fields:
        raw = data.get(field.name)
        if field.kind == "days":
            text = clean_text(raw, 10)
            days = small_int(text, limit=60) if text else None
            if days is None or days < 1:
                raise FormProblem(f"{_bare(field.label)}应为 1 到 60 的整数。")
            values[field.name] = days
            continue
        limit = 200 if field.kind == "text" else MAX_TEXT
        text = clean_text(raw, limit)
        if not text:
            if field.required:
                raise FormProblem(f"请填写{_bare(field.label)}。")
            continue
        if field.kind in ("agency", "co_agency") and not county.has_agency(text):
            raise FormProblem("请从列表中选择单位。")
        if field.kind == "category" and text not in CATEGORY_NAMES:
            raise FormProblem("请从列表中选择争议类别。")
        if field.kind == "tier" and text not in TIER_NAMES:
            raise FormProblem("请从列表中选择分类。")
        if field.kind == "verdict" and text not in VERDICTS:
            raise FormProblem("请选择满意、基本满意或不满意。")
        if field.kind == "route" and text not in ROUTES:
            raise FormProblem("请从列表中选择救济途径。")
        if field.name in known:
            values[field.name] = text
    return StaffAction(kind=form.kind, actor=actor, **values)


def _bare(label: str) -> str:
    """The label without its bracketed remark: 延长工作日数（1–60） -> 延长工作日数."""
    return label.split("（", 1)[0]
