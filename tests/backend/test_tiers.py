"""Tier rules (DOMAIN.md §4)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.config import County
from backend.tiers import decide_tier


@pytest.mark.parametrize(
    ("category", "kw", "tier"),
    [
        ("payment_system", {}, "simple"),
        ("payment_record", {}, "simple"),
        ("refund", {}, "general"),
        ("contribution_amount", {"amount": 99_999.0, "people_count": 9}, "general"),
        ("contribution_amount", {"amount": 100_000.0}, "complex"),
        ("arrears", {"people_count": 10}, "complex"),
        ("arrears", {"text": "公司倒闭了，老板跑路"}, "complex"),
        ("labor_relation", {"text": "我准备去法院起诉"}, "complex"),
        ("service", {"text": "再不解决我就找媒体曝光"}, "complex"),
        ("payment_system", {"repeat": True}, "complex"),
        ("refund", {"hint": "complex"}, "complex"),
        ("registration", {"hint": "simple"}, "simple"),
        ("refund", {"hint": "simple"}, "general"),  # refunds involve several agencies
        ("other", {"hint": "simple"}, "general"),
        ("benefits", {"keywords": ["群体"]}, "complex"),
    ],
)
def test_tier(county: County, category: str, kw: dict[str, Any], tier: str) -> None:
    assert decide_tier(county.tiers, category, **kw).tier == tier


def test_reasons_are_given(county: County) -> None:
    d = decide_tier(county.tiers, "arrears", people_count=25, amount=300_000, text="准备起诉")
    assert d.tier == "complex"
    assert any("25 人" in r for r in d.reasons) and any("起诉" in r for r in d.reasons)
    assert any("300,000" in r for r in d.reasons)
