"""Hostile and unlucky input: no message may take the NLU more than a few milliseconds.

The catastrophic-backtracking outage (600 digits froze the server for 11.7 s) came from a
number pattern with adjacent unbounded quantifiers. These inputs are the shapes that find such
patterns: long runs of one character class, repeated entity-like fragments, long whitespace.
The bounds are generous (the parse of each takes ~5 ms); a regression is seconds, not ms.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from nlu import Nlu, extract

NOW = datetime(2026, 11, 30, 10, 0)
FRAGMENTS = (
    "1", "１", "一", "十", "①", "1,", "1.", "1 ", "1-", "1元", "1人", "1万", "1月", "一月", "去年",
    "2020年", "2020年1月到", "12月12日", "扣了1", "我叫王", "帮王", "姓王", "王先生", "王",
    "13812341427 ", "140522196204155869,", "YC-2026-1 ", "YC-", "凤鸣镇", "某某村", "有限公司",
    "养老保险", "@", "X", "\u0000", "\u200b", " ", "\t", "¥1", "人民币1", "?", "对", "确认提交",
    "中", "好几个", "反映过的", "三名", "两口子", "1万", "9k",
)  # fmt: skip


@pytest.fixture
def nlu(shared_nlu: Nlu) -> Nlu:
    return shared_nlu


def hostile(fragment: str, length: int = 4096) -> str:
    return (fragment * (length // len(fragment) + 1))[:length]


def elapsed(fn: object, *args: object) -> float:
    """CPU seconds of this thread: what the parse costs, not how busy the machine is (a
    regression here is seconds of CPU, not a scheduler's delay)."""
    start = time.thread_time()
    fn(*args)  # type: ignore[operator]
    return time.thread_time() - start


@pytest.mark.parametrize("prefix", ["", "电话", "YC-", "扣了", "身份证"])
def test_a_4096_digit_run_parses_in_50_ms(nlu: Nlu, prefix: str) -> None:
    text = prefix + "1" * 4096
    nlu.parse(text, NOW)  # warm
    assert min(elapsed(nlu.parse, text, NOW) for _ in range(3)) < 0.05


def test_every_hostile_shape_is_linear(nlu: Nlu) -> None:
    slow = {}
    for fragment in FRAGMENTS:
        text = hostile(fragment)
        took = min(elapsed(extract, text, NOW) for _ in range(2))
        if took > 0.05:
            slow[fragment] = round(took * 1000)
        parse_took = elapsed(nlu.parse, text, NOW)
        if parse_took > 0.1:
            slow[f"parse:{fragment}"] = round(parse_took * 1000)
    assert slow == {}, f"milliseconds per 4,096-character message: {slow}"


@pytest.mark.parametrize("expecting", [None, "confirm", "name", "amount", "correction"])
def test_hostile_shapes_with_a_question_pending(nlu: Nlu, expecting: str | None) -> None:
    for fragment in ("?", "对", "好", "中", "1", "确认提交", "嗯"):
        text = hostile(fragment) + "x"
        took = elapsed(lambda t=text: nlu.parse(t, NOW, expecting=expecting))
        assert took < 0.1, fragment


def test_huge_and_odd_numbers_do_not_break_entities() -> None:
    found = extract("扣了" + "9" * 3000 + "元，电话13812341427", NOW)
    assert [(e.type, e.value) for e in found] == [("phone", "13812341427")]
    assert extract("\u0000" * 10 + "退费3500元", NOW)[0].value == 3500.0
