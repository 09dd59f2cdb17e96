"""Tier hint (简易 / 一般 / 复杂, DOMAIN.md §4) from the words of one message and its entities.

A hint only: the backend classifies with the county's tier rules; this tells it what the
message itself signals (a group of workers, a closed company, court or media, a large sum).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlu.types import Entity

_COMPLEX = re.compile(
    r"群体|集体|联名|一起反映|一块反映|好多人|很多人|大家都|工人们|职工们|全厂|全体|几十|上百|上千|百十"
    r"|倒闭|跑路|跑了|破产|关门|停产|停业|注销|卷款|失联|联系不到老板|老板被抓"
    r"|起诉|法院|打官司|诉讼|律师|强制执行"
    r"|媒体|曝光|记者|上访|信访|到北京|去省里|市长热线|发到网上|发抖音|网上发|舆论|闹大"
    r"|反映了?好几次|多次反映|反映多次|一直没人管|重复反映|又来反映"
)
_SIMPLE = re.compile(
    r"小程序|系统|app|APP|网站|页面|报错|闪退|扫码|二维码|交不了|缴不了|交不上|申报不了|登录不上"
    r"|查一下|查查|查询|打印|查不到"
)

#: People affected from which a complaint counts as a group complaint (群体性).
GROUP_SIZE = 10
#: Amount (yuan) from which a complaint counts as a large sum.
LARGE_AMOUNT = 100_000.0


def tier_hint(text: str, category: str | None, entities: Iterable[Entity]) -> str:
    ents = list(entities)
    if _COMPLEX.search(text):
        return "complex"
    if any(e.type == "people_count" and e.valid and int(e.value) >= GROUP_SIZE for e in ents):
        return "complex"
    if any(e.type == "amount" and e.valid and float(e.value) >= LARGE_AMOUNT for e in ents):
        return "complex"
    if category in ("payment_system", "payment_record") and _SIMPLE.search(text):
        return "simple"
    if category == "payment_system":
        return "simple"
    return "general"
