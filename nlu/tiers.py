"""Tier hint (简易 / 一般 / 复杂, DOMAIN.md §4) from the evidence in one message.

A hint only: the backend classifies with the county's tier rules; this tells it what the
message itself shows. Evidence, not bare words:

- a group (群体性): a people count with its unit ("三十多个工人", never "几十块钱") or a group
  named without a number ("全厂工人"), when the complainants are those people — an employer
  stating its own headcount ("我公司有12名员工") is not a group complaint;
- a large sum: an amount entity (yuan) of at least ``LARGE_AMOUNT``;
- closure, litigation, media or repeated complaints, as phrases that say so in context:
  "企业倒闭" / "厂子关了" count, "社保局关门了" does not; "集体企业" is no collective action.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlu.types import Entity

_COMPLEX = re.compile(
    # collective action (not "集体企业", "集体户")
    r"群体|集体(?!企业|所有制|户|经济|单位)|联名|一起反映|一块反映|一起来反映|大家一起|一起去找"
    # the employer closed or vanished
    r"|倒闭|破产|关停|停产|停业|注销了|卷款|失联|跑路|老板被抓"
    r"|(?:企业|公司|厂子?|工厂|矿|煤矿|单位|老板|厂长|法人|负责人|包工头)[\u4e00-\u9fff]{0,3}?"
    r"(?:跑了|关了|关门了|黄了|垮了|倒了|没了人|找不到人|联系不上|不见了)"
    # litigation and enforcement
    r"|起诉|打官司|诉讼|律师|法院|判决|强制执行|申请执行|执行不下来"
    # media and petitions
    r"|媒体|曝光|记者|上访|信访|到北京|去省里|市长热线|发到网上|发抖音|网上发|上热搜|舆论|闹大"
    # repeated complaints
    r"|反映了?好几次|反映了?多次|多次反映|反映过好几回|重复反映|又来反映|一直没人管|第[二三四五六七八九十2-9]次反映"
)
#: The employer speaking of its own staff: their count is the firm's size, not a group.
_EMPLOYER_VOICE = re.compile(
    r"我公司|我单位|本单位|本公司|我司|我厂|本厂|我院|我校|本企业|我企业|我们企业|我们公司的?会计|"
    r"我单位职工|贵局|特此|现申请|恳请|本合作社|我合作社"
)
#: ... unless the workers are the ones complaining.
_WORKER_VOICE = re.compile(r"我们工人|俺们工人|咱们工人|我们职工|我们这些|俺们这些|工友们|大伙")
_SIMPLE = re.compile(
    r"小程序|系统|app|网站|页面|报错|闪退|扫码|二维码|交不了|缴不了|交不上|申报不了|登录不上"
    r"|查一下|查查|查询|打印|查不到"
)

#: People affected from which a complaint counts as a group complaint (群体性).
GROUP_SIZE = 10
#: Amount (yuan) from which a complaint counts as a large sum.
LARGE_AMOUNT = 100_000.0


def is_group(text: str, entities: Iterable[Entity]) -> bool:
    """Do the complainants form a group? A count with its unit decides ("我们职工3人" is not);
    a group named without any count ("全厂工人") is one."""
    ents = list(entities)
    counts = [
        e.value for e in ents if e.type == "people_count" and e.valid and isinstance(e.value, int)
    ]
    group = max(counts) >= GROUP_SIZE if counts else any(e.type == "group" for e in ents)
    if not group:
        return False
    return not _EMPLOYER_VOICE.search(text) or bool(_WORKER_VOICE.search(text))


def tier_hint(text: str, category: str | None, entities: Iterable[Entity]) -> str:
    ents = list(entities)
    if _COMPLEX.search(text) or is_group(text, ents):
        return "complex"
    if any(
        e.type == "amount" and e.valid and isinstance(e.value, int | float)
        and float(e.value) >= LARGE_AMOUNT
        for e in ents
    ):  # fmt: skip
        return "complex"
    if category in ("payment_system", "payment_record") and _SIMPLE.search(text):
        return "simple"
    if category == "payment_system":
        return "simple"
    return "general"
