"""Severity tier (分类处置, DOMAIN.md §4): simple, general or complex, with the reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from backend.config import TierRules
from backend.labels import format_money


@dataclass(frozen=True)
class TierDecision:
    tier: str
    #: Why, in Chinese, for the event log and staff ("涉及 12 人（群体性）").
    reasons: tuple[str, ...]


def decide_tier(
    rules: TierRules,
    category: str,
    *,
    hint: str | None = None,
    amount: float | None = None,
    people_count: int | None = None,
    text: str = "",
    keywords: Iterable[str] = (),
    repeat: bool = False,
    period_side: str | None = None,
    period_start: date | None = None,
    today: date | None = None,
) -> TierDecision:
    """Complex if any trigger fires (group, large amount, litigation/media/closure words,
    repeated complaint, or the NLU says so); simple for look-up categories (or an NLU
    "simple" hint on a category that has no complex trigger) unless the facts cannot be
    settled on the spot (seed 001: 简易事项由受理人员当场办结): a period before the reform
    (历史遗留, another agency's archives), an old period, or paper evidence to verify;
    general otherwise."""
    reasons: list[str] = []
    if people_count is not None and people_count >= rules.complex_people:
        reasons.append(f"涉及 {people_count} 人（群体性）")
    if amount is not None and amount >= rules.complex_amount:
        reasons.append(f"争议金额 {format_money(amount)}")
    haystack = " ".join([text, *keywords])
    words = [w for w in rules.complex_keywords if w in haystack]
    if words:
        reasons.append("提到“" + "”“".join(words[:3]) + "”")
    if repeat:
        reasons.append("重复反映")
    if hint == "complex":
        reasons.append("对话分析判断为重大疑难")
    if reasons:
        return TierDecision("complex", tuple(reasons))
    not_simple = _not_simple(rules, haystack, period_side, period_start, today)
    if not_simple:
        return TierDecision("general", not_simple)
    if category in rules.simple_categories:
        return TierDecision("simple", ("查询、系统类事项，可当场处理",))
    if hint == "simple" and category not in ("other", "refund", "arrears", "labor_relation"):
        return TierDecision("simple", ("对话分析判断为简易事项",))
    return TierDecision("general", ())


def _not_simple(
    rules: TierRules,
    haystack: str,
    period_side: str | None,
    period_start: date | None,
    today: date | None,
) -> tuple[str, ...]:
    """Why a case cannot be settled on the spot, or () when it can."""
    reasons: list[str] = []
    if not rules.simple_before_reform and period_side in ("before", "spanning"):
        reasons.append("所属期在征收模式改革前（历史遗留，需调取原经办档案）")
    if (
        period_start is not None
        and today is not None
        and (today - period_start).days > 366 * rules.simple_max_years
    ):
        reasons.append(f"所属期在 {rules.simple_max_years} 年以前")
    papers = [w for w in rules.not_simple_keywords if w in haystack]
    if papers:
        reasons.append("需核实纸质凭证（" + "、".join(papers[:3]) + "）")
    return tuple(reasons)
