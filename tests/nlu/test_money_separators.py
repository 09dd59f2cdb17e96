"""A comma is a thousands separator only between digits: "1.2万，二十来个" is money and then
people, never one number (it used to swallow both, and the money was lost)."""

from __future__ import annotations

import pytest

from nlu.entities import extract


@pytest.mark.parametrize(
    ("text", "amounts", "people"),
    [
        ("1.2万，二十来个", [12000], [20]),
        ("欠了1.2万,二十来个工人", [12000], [20]),
        ("一共3,000元", [3000], []),
        ("3,000,000元", [3000000], []),
        ("扣了1,200，多扣了三百", [1200, 300], []),
        ("五千，二十个人", [5000], [20]),
        ("扣了两千,还有三百", [2000, 300], []),
        ("三点五万", [35000], []),
    ],
)
def test_money_and_people_beside_a_comma(text: str, amounts: list[int], people: list[int]) -> None:
    found = extract(text)
    assert [f.value for f in found if f.type == "amount"] == amounts
    assert [f.value for f in found if f.type == "people_count"] == people
