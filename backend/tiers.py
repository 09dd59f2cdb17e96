"""Severity tier (分类处置, DOMAIN.md §4): simple, general or complex, with the reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backend.config import TierRules


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
) -> TierDecision:
    """Complex if any trigger fires (group, large amount, litigation/media/closure words,
    repeated complaint, or the NLU says so); simple for look-up categories (or an NLU
    "simple" hint on a category that has no complex trigger); general otherwise."""
    reasons: list[str] = []
    if people_count is not None and people_count >= rules.complex_people:
        reasons.append(f"涉及 {people_count} 人（群体性）")
    if amount is not None and amount >= rules.complex_amount:
        reasons.append(f"争议金额 {amount:,.0f} 元")
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
    if category in rules.simple_categories:
        return TierDecision("simple", ("查询、系统类事项，可当场处理",))
    if hint == "simple" and category not in ("other", "refund", "arrears", "labor_relation"):
        return TierDecision("simple", ("对话分析判断为简易事项",))
    return TierDecision("general", ())
