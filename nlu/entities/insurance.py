"""Insurance types (险种) named in the text."""

from __future__ import annotations

import re

from nlu.entities.base import MAX_FOUND, Found

_WORDS: dict[str, tuple[str, ...]] = {
    "resident_pension": (
        "城乡居民基本养老保险", "城乡居民养老保险", "城乡居民养老", "居民养老保险", "居民养老",
        "新农保", "新农村养老保险", "农村养老保险", "农村社会养老保险", "农保",
    ),
    "resident_medical": (
        "城乡居民基本医疗保险", "城乡居民医疗保险", "城乡居民医保", "城乡居民医疗", "居民医疗保险",
        "居民医保", "居民医疗", "新农合", "新型农村合作医疗", "农村合作医疗", "合作医疗", "农村合疗",
        "合疗", "农合",
    ),
    "pension": (
        "养老保险费", "养老保险金", "养老保险", "养老金", "养老保险关系",
        "企业职工基本养老保险", "职工基本养老保险", "职工养老保险", "基本养老保险", "养老保险",
        "养老金", "退休金", "养老保", "养老",
    ),
    "medical": (
        "医疗保险费", "医保费",
        "职工基本医疗保险", "职工医疗保险", "职工医保", "基本医疗保险", "医疗保险", "医疗保",
        "医保",
    ),
    "unemployment": ("失业保险", "失业金", "失业"),
    "work_injury": ("工伤保险", "工伤"),
    "maternity": ("生育保险", "生育津贴", "生育险", "生育"),
}  # fmt: skip

_KEY_OF = {word: key for key, words in _WORDS.items() for word in words}
#: Not an insurance type: the agency (医保局, 社保中心), a place (养老院), a card or code.
_NOT_AFTER = "局|院|部门|中心|大厅|窗口|所|站|科|办|卡|码|机构|公司|服务"
#: Words that contain an insurance word without naming the insurance: being out of work
#: ("我失业了", "失业在家"), family planning (计划生育).
_NOT_INSURANCE = re.compile(
    r"失业(?=了|在家|以后|之后|后|期间|的时候|下岗|半年|一年|好几|多年)|(?<=计划)生育"
)
_RE = re.compile(
    "(?:"
    + "|".join(sorted((re.escape(w) for w in _KEY_OF), key=len, reverse=True))
    + ")"
    + f"(?!{_NOT_AFTER})"
)


def insurance_types(text: str) -> list[Found]:
    out: list[Found] = []
    for m in _RE.finditer(text):
        if len(out) >= MAX_FOUND:
            break
        if _NOT_INSURANCE.match(text, m.start()):
            continue
        out.append(Found("insurance_type", _KEY_OF[m.group(0)], m.start(), m.end()))
    return out
