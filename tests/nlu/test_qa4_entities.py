"""Periods and sums as a story says them (QA round 4): a birth year or the year one joined is
no period of the dispute, "最近一年半" is eighteen months to today, a month written in English
is that month; sums in financial numerals, said per payment, said of "我的" or of "多交的".

Our own phrasings; each case is one general shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from dialogs.readers import period_spans
from nlu.entities import extract, period_of

NOW = datetime(2026, 11, 30, 10, 0)
TODAY = NOW.date()


def found(text: str, kind: str) -> list[Any]:
    return [e.value for e in extract(text, NOW) if e.type == kind and e.valid]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("我是1963年生的，2023年度城乡居民养老保险没给我记上", "2023-01-01", "2023-12-31"),
        ("出生于1958年，2020年的养老保险断缴了", "2020-01-01", "2020-12-31"),
        ("我从2019年进厂，公司从2021年开始就一直没给我们交", "2021-01-01", "2026-11-30"),
        ("2018年入职的，最近两年没交", "2024-11-30", "2026-11-30"),
        ("最近一年半单位没给我交社保", "2025-05-30", "2026-11-30"),
        ("They charged me twice in March 2025", "2025-03-01", "2025-03-31"),
    ],
)
def test_the_disputed_period(text: str, start: str, end: str) -> None:
    assert period_of(text, TODAY) == {"start": start, "end": end}
    assert period_spans(text, TODAY) == (start, end)


def test_a_joining_year_alone_is_still_a_period() -> None:
    assert period_spans("2019年进厂以后就没交过", TODAY) == ("2019-01-01", "2019-12-31")


def test_a_year_of_childbirth_is_a_period() -> None:
    assert period_spans("2023年生孩子的生育津贴没发", TODAY) == ("2023-01-01", "2023-12-31")


def test_an_english_month_never_widens_to_its_year() -> None:
    assert period_spans("twice in March 2025", date(2026, 11, 30)) != ("2025-01-01", "2025-12-31")


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("公司欠缴养老保险贰拾叁万元整", [230000]),
        ("一次380，交了两回", [380]),
        ("我同事的养老金有2500，我的才2130", [2500, 2130]),
        ("钱数不对，多交的是3000", [3000]),
        ("少说也有一万多块钱", [10000]),
        ("滞纳金56块", [56]),
    ],
)
def test_sums_as_said(text: str, amounts: list[int]) -> None:
    assert found(text, "amount") == amounts


def test_no_sum_in_months_or_my_things() -> None:
    assert found("我的身份证丢了，少了三个月", "amount") == []


def test_a_birth_year_alone_is_kept() -> None:
    # The only date said: a newborn's scheme may well be about that year.
    assert period_spans("孩子2023年出生，医保一直没办上", TODAY) == ("2023-01-01", "2023-12-31")
