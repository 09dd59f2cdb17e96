"""Hostile answers: every reader of the form, and the control-word matching, stay linear on
4,096 characters of the shapes that find backtracking regexes."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest

from dialogs import understand
from dialogs.form import FORM
from dialogs.names import find_name
from dialogs.readers import Reading, find_place, period_spans
from dialogs.state import Draft, Profile

FRAGMENTS = (
    "1", "一", "十", "多", "元", "年", "村", "镇", "的", "我", "我叫王", "帮王", "在王厂", "王",
    "1年", "19年", "一九", "2019", "扣了1", "1元", "1个人", "两口子", "会计", "同意，", "不", "是",
    "，", " ", "X", "a", "凤鸣镇", "某某村", "有限公司", "养老保险", "俺是", "姓", "改成", "不是，是",
)  # fmt: skip


def _cpu(fn: Any, *args: Any) -> float:
    """CPU seconds of this thread, the best of two (a garbage collection is not a regex)."""
    best = float("inf")
    for _ in range(2):
        start = time.thread_time()
        fn(*args)
        best = min(best, time.thread_time() - start)
    return best


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_readers_are_linear(dialog_ctx: Any, fragment: str) -> None:
    text = (fragment * 4096)[:4096]
    reading = Reading(dialog_ctx, Draft(proxy=True), Profile(), date(2026, 11, 30), "", "")
    slow = {}
    for slot in FORM:
        took = _cpu(slot.read, text, reading)
        if took > 0.2:
            slow[slot.name] = round(took * 1000)
    checks = {
        "place": lambda: find_place(text, dialog_ctx),
        "period": lambda: period_spans(text, date(2026, 11, 30), bare=True),
        "name": lambda: find_name(text),
        "agrees": lambda: understand.agrees(text),
        "cancel": lambda: understand.is_cancel(text),
        "correction": lambda: (understand.correction_field(text), understand.correction_tail(text)),
        "leading": lambda: understand.leading_agreement(text),
    }
    for name, check in checks.items():
        took = _cpu(check)
        if took > 0.2:
            slow[name] = round(took * 1000)
    assert not slow, f"{fragment!r}: ms {slow}"
