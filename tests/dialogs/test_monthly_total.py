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
