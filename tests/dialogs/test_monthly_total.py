"""A sum said per month with how long it went on is the disputed total, as a clerk writes it:
"每个月多扣一百二，扣了一年了" is 1,440 yuan. A total said outright wins; a monthly sum with
no duration stays as said."""

from __future__ import annotations

import pytest
from dialog_chat import Chat


async def _summary(chat: Chat, text: str) -> str:
    reply = await chat.send(text)
    for answer in ("同意", "阎春生，13935601234", "凤鸣镇南关村，跳过", "跳过", "跳过", "跳过"):
        if "请核对" in reply.text:
            return reply.text
        reply = await chat.send(answer)
    assert "请核对" in reply.text, reply.text
    return reply.text


@pytest.mark.parametrize(
    ("story", "amount"),
    [
        ("单位多扣了我的养老保险，每个月多扣一百二，扣了一年了", "金额：1440元"),
        ("每月多扣我50块医保，扣了三个月", "金额：150元"),
        ("一个月多扣六百的养老保险，扣了半年", "金额：3600元"),
        ("每个月多扣两百的养老保险，一共扣了两千四", "金额：2400元"),
        ("每月多扣了两百的医保，2019年到2020年", "金额：200元"),
    ],
)
async def test_a_monthly_sum_times_the_months_said(chat: Chat, story: str, amount: str) -> None:
    summary = await _summary(chat, story)
    assert amount in summary, summary


# --- sums said per person -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "amount"),
    [
        ("一个人多收二十，俺家五口人，新农合", 100),
        ("一人三百八，俩人一共七百六，城乡居民医保", 760),
    ],
)
async def test_a_sum_per_person_is_the_households_total(
    chat: Chat, said: str, amount: int
) -> None:
    await chat.send("俺们村收医保多收了钱，想退")
    await chat.send("同意，陈拴柱，13453562218")
    reply = await chat.send("西河乡郭河村，身份证不知道")
    reply = await chat.send(said)
    for _ in range(3):
        if "请核对" in reply.text:
            break
        reply = await chat.send("不知道")
    assert f"金额：{amount}元" in reply.text, reply.text
