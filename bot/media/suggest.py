"""What a photo says, as questions for the user to confirm — never taken silently.

``suggestions(lines, now, known=...)`` is pure: OCR lines (top to bottom) -> the ID numbers,
unified social credit codes, phone numbers, periods and amounts the NLU's entity rules find
in them, each with its question (照片上的身份证号是 140522…，对吗？). The dialogue asks them
one at a time and fills a slot only on 对.

Before the NLU reads them, the lines are tidied the way printed forms differ from chat: ISO
dates (2023-01-01) become 2023年1月1日, a bare number after a 金额 label gets its 元, and the
spaces and O/l look-alikes inside a labelled ID or phone number go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from nlu import extract

#: Slots the suggestions fill (the dialogue's slot names), in the order they are asked.
SLOTS: tuple[str, ...] = ("id_number", "credit_code", "phone", "period", "amount")
MAX_LINES = 80
MAX_LINE = 200

_ISO_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")
_ISO_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/](\d{1,2})(?![\d/-])")
_LABEL = re.compile(r"^(?P<label>[^：:]{1,20})[：:]\s?(?P<value>.*)$")
_MONEY_LABEL = re.compile(r"金额|费额|合计|实缴|应缴|缴费额|小写|总额")
_ID_LABEL = re.compile(r"身份证|证件号|身份号码")
_PHONE_LABEL = re.compile(r"电话|手机|联系方式")
#: A number on such a line is someone else's: the agency's, a hotline.
_NOT_THEIRS = re.compile(r"机关|单位电话|咨询|致电|服务|热线|投诉|客服")
_BARE_AMOUNT = re.compile(r"^[¥￥]?\s?\d[\d,]{0,11}(?:\.\d{1,2})?$")
_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"})
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class Suggestion:
    slot: str  # id_number | credit_code | phone | period | amount
    value: Any  # as the NLU normalises it (str, float, {"start", "end"})
    shown: str  # how the question shows it
    question: str  # 照片上的身份证号是 …，对吗？


_QUESTIONS = {
    "id_number": "照片上的身份证号是 {v}，对吗？",
    "credit_code": "照片上的统一社会信用代码是 {v}，对吗？",
    "phone": "照片上的电话号码是 {v}，对吗？",
    "period": "照片上的所属期是 {v}，对吗？",
    "amount": "照片上的金额是 {v} 元，对吗？",
}


def tidy_lines(lines: Sequence[str]) -> list[str]:
    """OCR lines made readable for the NLU's chat-shaped rules (see the module doc)."""
    out: list[str] = []
    for raw in list(lines)[:MAX_LINES]:
        line = "".join(ch for ch in str(raw)[:MAX_LINE] if ch.isprintable()).strip()
        line = _ISO_DAY.sub(_day, line)
        line = _ISO_MONTH.sub(_month, line)
        found = _LABEL.match(line)
        if found is not None:
            label, value = found.group("label"), found.group("value").strip()
            if _MONEY_LABEL.search(label) and _BARE_AMOUNT.match(value):
                line = f"{label}：{value}元"
            elif _ID_LABEL.search(label) or _PHONE_LABEL.search(label):
                compact = value.replace(" ", "")
                if sum(c.isdigit() for c in compact) >= 10:
                    compact = compact.translate(_LOOKALIKE)
                line = f"{label}：{compact}"
        out.append(line)
    return out


def _day(m: re.Match[str]) -> str:
    month, day = int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)
    return f"{m.group(1)}年{month}月{day}日"


def _month(m: re.Match[str]) -> str:
    month = int(m.group(2))
    return f"{m.group(1)}年{month}月" if 1 <= month <= 12 else m.group(0)


def suggestions(
    lines: Sequence[str],
    now: datetime | None = None,
    *,
    known: Mapping[str, Any] | None = None,
    per_slot: int = 1,
) -> list[Suggestion]:
    """The questions to ask about a photo's text (``known``: slots the draft already has —
    a value equal to them is not asked again)."""
    tidy = tidy_lines(lines)
    found: dict[str, list[tuple[int, Any, str]]] = {slot: [] for slot in SLOTS}
    for line in tidy:
        label_match = _LABEL.match(line)
        label = label_match.group("label") if label_match else ""
        for e in extract(line, now):
            if e.type not in found or not e.valid:
                continue
            rank = _rank(e.type, label, line, e.value)
            if rank is None:
                continue
            found[e.type].append((rank, e.value, e.text))
    have = {k: _key(k, v) for k, v in (known or {}).items() if v is not None}
    out: list[Suggestion] = []
    for slot in SLOTS:
        seen: set[str] = set()
        for _, value, _text in sorted(found[slot], key=lambda f: f[0]):
            key = _key(slot, value)
            if key in seen or have.get(slot) == key:
                continue
            seen.add(key)
            shown = _shown(slot, value)
            out.append(Suggestion(slot, value, shown, _QUESTIONS[slot].format(v=shown)))
            if len(seen) >= per_slot:
                break
    return out


def _rank(slot: str, label: str, line: str, value: Any) -> int | None:
    """Lower is better; None: not the user's (a hotline, an agency's landline)."""
    if slot == "phone":
        if _NOT_THEIRS.search(line):
            return None
        if _PHONE_LABEL.search(label):
            return 0
        return 1 if _MOBILE.match(str(value)) else None
    if slot == "amount":
        return 0 if _MONEY_LABEL.search(label) else 1
    return 0


def _key(slot: str, value: Any) -> str:
    if slot == "amount":
        try:
            return f"{float(value):.2f}"
        except (TypeError, ValueError):
            return str(value)
    if slot == "period" and isinstance(value, Mapping):
        return f"{value.get('start')}/{value.get('end')}"
    if slot == "period" and isinstance(value, tuple | list) and len(value) == 2:
        return f"{_iso(value[0])}/{_iso(value[1])}"
    return str(value).upper()


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _shown(slot: str, value: Any) -> str:
    if slot == "amount":
        amount = float(value)
        return f"{amount:,.2f}" if amount % 1 else f"{amount:,.0f}"
    if slot == "period" and isinstance(value, Mapping):
        return _period_text(str(value.get("start")), str(value.get("end")))
    return str(value)


def _period_text(start: str, end: str) -> str:
    try:
        a, b = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return f"{start}至{end}"
    whole_months = a.day == 1 and (b.month != date.fromordinal(b.toordinal() + 1).month)
    if not whole_months:
        return f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.year}年{a.month}月"
    return f"{a.year}年{a.month}月至{b.year}年{b.month}月"
