"""Texts of the notifications the case service queues (staff: masked; complainant: plain)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from backend.categories import INSURANCE_TYPES, category_label, tier_label
from backend.config import Agency, County
from backend.labels import format_money
from backend.models import Case, Filer, Person
from backend.workflow import ROUTES
from identifiers.masking import mask_id, mask_phone, mask_text

#: A push to staff carries this much of the description; the whole text stays on the case.
PUSH_DESCRIPTION_LIMIT = 300
FULL_TEXT_HINT = "…（全文见工作台案件详情）"

FEEDBACK_QUESTION = "请您对办理结果作出评价：满意 / 基本满意 / 不满意。"
LEGAL_ROUTES = "如对处理结果仍有异议，您可以依法" + "、".join(ROUTES.values()) + "。"


def local(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}"


def local_day(moment: datetime, tz: str) -> str:
    d = moment.astimezone(ZoneInfo(tz))
    return f"{d.year}年{d.month}月{d.day}日"


def agency_names(county: County, ids: Iterable[str]) -> str:
    names = [county.agency(a).short_name if county.has_agency(a) else a for a in ids]
    return "、".join(names) or "无"


def contact(agency: Agency) -> str:
    return f"{agency.name}（电话 {agency.phone}，地址 {agency.address}）"


def clip(text: str, limit: int = PUSH_DESCRIPTION_LIMIT) -> str:
    """``text`` cut to ``limit`` characters for a push, saying where the rest is. Masked
    BEFORE cutting (the caller's job): a cut must never leave half an ID number unmasked."""
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + FULL_TEXT_HINT


def _period(start: date | None, end: date | None) -> str | None:
    if start is None and end is None:
        return None
    return f"{start or '？'} 至 {end or '？'}"


def case_summary(
    county: County,
    case: Case,
    person: Person,
    filer: Filer | None,
    *,
    lead: str,
    co: Iterable[str],
    attachments: str = "",
) -> list[str]:
    """The lines staff see about a case: personal data masked, free text masked too, the
    description cut to ``PUSH_DESCRIPTION_LIMIT`` characters (these lines are pushed).
    ``attachments``: what the case carries (``AttachmentCounts.summary()``: "照片 2 张、语音
    1 条"); the line is left out when there are none."""
    who = person.name or person.employer or "（未留姓名）"
    kind = "用人单位" if person.kind == "employer" else "个人"
    ident = [f"{who}（{kind}）"]
    if person.id_number:
        ident.append(f"身份证 {mask_id(person.id_number)}")
    if person.phone:
        ident.append(f"电话 {mask_phone(person.phone)}")
    lines = [
        f"类别：{category_label(case.category)}｜{tier_label(case.tier)}",
        "缴费人：" + "｜".join(ident),
    ]
    if person.employer and person.kind != "employer":
        lines.append(f"用人单位：{person.employer}")
    if person.credit_code:
        lines.append(f"统一社会信用代码：{person.credit_code}")
    place = "".join(p for p in (person.township, person.village) if p)
    if place:
        lines.append(f"所在地：{place}")
    facts = []
    keys = [k for k in (case.insurance_types or "").split(",") if k] or (
        [case.insurance_type] if case.insurance_type else []
    )
    if keys:
        facts.append(f"险种 {'、'.join(INSURANCE_TYPES.get(k, k) for k in keys)}")
    period = _period(case.period_start, case.period_end)
    if period:
        facts.append(f"所属期 {period}")
    if case.amount is not None:
        facts.append(f"金额 {format_money(case.amount)}")
    if case.people_count is not None:
        facts.append(f"涉及 {case.people_count} 人")
    if facts:
        lines.append("；".join(facts))
    if filer is not None:
        lines.append(f"代办：网格员 {filer.name}（{mask_phone(filer.phone)}）")
    lines.append(f"诉求：{clip(mask_text(case.description))}")
    if attachments:
        lines.append(f"附件：{attachments}（请在工作台案件详情中查看）")
    lines.append(f"牵头单位：{agency_names(county, [lead])}；联办单位：{agency_names(county, co)}")
    if case.repeat_of:
        lines.append(f"重复件：与 {case.repeat_of} 相关")
    return lines
