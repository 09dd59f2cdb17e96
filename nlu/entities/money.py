"""Amounts of money (yuan) and the number of people affected."""

from __future__ import annotations

import re

from nlu.entities.base import MAX_FOUND, Found
from nlu.entities.numbers import parse_number

#: Characters of a number token: digits, Chinese numerals and units, separators.
_NUM_CHARS = r"\d零〇一二两三四五六七八九十百千万亿几点,."
#: A number token: starts where no number character precedes (so a long digit run is tried
#: once, from its start, not from each of its digits) and is at most 16 characters long —
#: no nested or adjacent unbounded quantifiers, hence no catastrophic backtracking.
_NUM = rf"(?<![{_NUM_CHARS}])[\d零〇一二两三四五六七八九十百千万亿几][{_NUM_CHARS}]{{0,15}}"
#: Whitespace between a number and its unit: a few characters at most.
_SP = r"\s{0,2}"
_CURRENCY_PREFIX = re.compile(rf"(?:￥|¥|人民币){_SP}({_NUM})")
# "3500元", "三千五百块钱", "1.2万元", "五百多块", "3千5块"
_WITH_UNIT = re.compile(rf"({_NUM}){_SP}(多|余|来)?{_SP}(元|块钱|块|圆|rmb|RMB)")
# "1.2万", "十二万多" — 万 is money-ish unless people/things follow.
_WAN = re.compile(
    rf"({_NUM}万){_SP}(多|余)?(?!{_SP}(?:多|余)?{_SP}(?:个|名|位|人|户|家|次|步|斤|公里|亩|平|字|年|天|小时))"
)
# "扣了3千5", "滞纳金交了四千多": a number right after a money word, no unit.
_CUE = re.compile(
    rf"(?:扣了?|扣我|交了?|缴了?|退了?|补缴|补交|罚了?|罚款|滞纳金|利息|多收了?|少了|金额是?|钱|费用|共计|合计|一共|总共|花了|报销了?|工资|养老金|退休金|每月|每个月|一个月|欠了?|欠缴|差了?)"
    rf"{_SP}(?:是|有|了|要|都|才|就|只)?{_SP}({_NUM}){_SP}(多|余)?(?![{_NUM_CHARS}]|{_SP}(?:个|名|位|人|户|家|次|年|月|日|号|天|岁|%|点|小时|分|块|元|万))"
)
_PEOPLE = re.compile(
    rf"(上百|上千|({_NUM}){_SP}(多|余|来)?){_SP}(?:个|名|位)?{_SP}(人|工人|职工|员工|农民工|村民|老人|户|群众|家庭)"
)


def _value(token: str) -> float | None:
    value = parse_number(token)
    if value is None or value <= 0:
        return None
    return value


def amounts(text: str) -> list[Found]:
    out: list[Found] = []

    def add(start: int, end: int, token: str) -> None:
        if token.endswith((",", ".")) and end == start + len(token):
            end -= len(token) - len(token.rstrip(",."))
        token = token.rstrip(",.")
        value = _value(token)
        if value is None or any(f.start < end and start < f.end for f in out):
            return
        if re.fullmatch(r"\d{11,}", token):  # a phone or ID number, not money
            return
        out.append(Found("amount", round(value, 2), start, end))

    for m in _CURRENCY_PREFIX.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        end = m.end(1)
        tail = re.match(r"\s{0,2}(?:元|块钱|块)", text[end:end + 8])
        add(m.start(), end + (tail.end() if tail else 0), m.group(1))
    for m in _WITH_UNIT.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        add(m.start(1), m.end(), m.group(1))
    for m in _WAN.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        add(m.start(1), m.end(), m.group(1))
    for m in _CUE.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        token = m.group(1).rstrip(",.")
        value = _value(token)
        if value is None or value < 10 or re.fullmatch(r"(19|20)\d\d", token):
            continue
        add(m.start(1), m.end(), token)
    return out


def people_counts(text: str) -> list[Found]:
    out: list[Found] = []
    for m in _PEOPLE.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        head = m.group(1)
        if head in ("上百", "上千"):
            value: float | None = 100.0 if head == "上百" else 1000.0
        else:
            value = parse_number(m.group(2).rstrip(",."))
        if value is None or value < 2 or value != int(value) or value > 1_000_000:
            continue
        out.append(Found("people_count", int(value), m.start(), m.end()))
    return out
