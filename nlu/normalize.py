"""Text normalisation that keeps character offsets.

``align`` maps every character of the original text to exactly one character, so an offset in
the normalised text is the same offset in the original: entities found in normalised text point
into the text the user wrote. ``fold`` goes further (lower case, collapsed spaces, digit runs
folded) and is only used for the classifier, which needs no offsets.
"""

from __future__ import annotations

import re
import unicodedata

from nlu.t2s_data import AMBIGUOUS, CHARACTERS, PHRASES

# Traditional -> simplified: OpenCC's t2s data, character for character (``nlu/t2s_gen.py``
# says how the table is made and why a simplified message is never changed by it).
_SURE = {ord(k): v for k, v in zip(CHARACTERS[::2], CHARACTERS[1::2], strict=True)}
_ALL = _SURE | {ord(k): v for k, v in zip(AMBIGUOUS[::2], AMBIGUOUS[1::2], strict=True)}
_PHRASE_MAP = dict(PHRASES)
_PHRASE_RE = re.compile("|".join(re.escape(k) for k, _ in PHRASES))


def simplified(text: str) -> str:
    """``text`` in simplified characters (潤泉鎮下莊村 -> 润泉镇下庄村, 跳過 -> 跳过), with
    exactly ``len(text)`` characters. A message with no traditional-only character is returned
    unchanged (於, 乾, 著 are simplified characters too)."""
    sure = text.translate(_SURE)
    if sure == text:
        return text
    out = text.translate(_ALL)
    pieces: list[str] = []
    pos = 0
    for m in _PHRASE_RE.finditer(text):  # OpenCC's phrases first: 乾淨 -> 干净, 乾坤 stays
        pieces += (out[pos : m.start()], _PHRASE_MAP[m.group(0)])
        pos = m.end()
    pieces.append(out[pos:])
    return "".join(pieces)


# Same-length fixes for common homophone typos (社宝 for 社保...). Same length keeps offsets.
_TYPOS: tuple[tuple[str, str], ...] = (
    ("社宝", "社保"),
    ("舍保", "社保"),
    ("设保", "社保"),
    ("医宝", "医保"),
    ("一保", "医保"),
    ("滞纳斤", "滞纳金"),
    ("滞纳今", "滞纳金"),
    ("滞纳进", "滞纳金"),
    ("制纳金", "滞纳金"),
    ("至纳金", "滞纳金"),
    ("基树", "基数"),
    ("记彔", "记录"),
    ("养老宝", "养老保"),
    ("退废", "退费"),
    ("交废", "交费"),
    ("缴废", "缴费"),
    ("待预", "待遇"),
    ("代遇", "待遇"),
    ("参宝", "参保"),
    ("工商保险", "工伤保险"),
    ("生肓", "生育"),
)
_TYPO_RE = re.compile("|".join(re.escape(a) for a, _ in _TYPOS))
_TYPO_MAP = dict(_TYPOS)

_SPACE_LIKE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cs"})
_DIGIT_RUN = re.compile(r"\d+(?:\.\d+)?")
_SPACES = re.compile(r"\s+")


def _char(ch: str) -> str:
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII block
        return chr(code - 0xFEE0)
    if code == 0x3000:
        return " "
    if ch in "\n\t":
        return " "
    if code < 0x80:
        return ch
    if unicodedata.category(ch) in _SPACE_LIKE:
        return " "
    return ch


#: Markup pasted with a message (a complaint copied from a web page or a mail: <b>, <a href>,
#: <br>, &nbsp;): read as the text it wraps. Bounded: a tag is at most 300 characters long.
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]{0,10})(?:\s[^<>]{0,300})?/?>|<!--[^<>]{0,300}-->")
_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|#\d{1,6}|#[xX][0-9a-fA-F]{1,6});")
#: Tags that break a line: they become a comma, so the sentences around stay apart.
_BLOCK_TAGS = frozenset(
    {"br", "p", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
)
_ENTITY_CHARS = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"',
                 "&apos;": "'"}  # fmt: skip


def _blank_tag(m: re.Match[str]) -> str:
    size = len(m.group(0))
    if (m.group(1) or "").lower() in _BLOCK_TAGS:
        return "，" + " " * (size - 1)
    return " " * size


def _blank_entity(m: re.Match[str]) -> str:
    said = m.group(0)
    return _ENTITY_CHARS.get(said.lower(), " ").ljust(len(said))


def blank_markup(text: str) -> str:
    """HTML tags and character entities replaced by spaces (a line-breaking tag by "，"), the
    length kept: offsets in the result are offsets in ``text``."""
    if "<" in text:
        text = _TAG.sub(_blank_tag, text)
    if "&" in text:
        text = _ENTITY.sub(_blank_entity, text)
    return text


def align(text: str) -> str:
    """Full-width -> half-width, control/format characters -> space, traditional -> simplified,
    common typos fixed, markup blanked. The result has exactly ``len(text)`` characters."""
    out = "".join(_char(ch) for ch in simplified(blank_markup(text)))
    if _TYPO_RE.search(out):
        out = _TYPO_RE.sub(lambda m: _TYPO_MAP[m.group(0)], out)
    return out


def fold(text: str, limit: int = 600) -> str:
    """What the classifier sees: aligned, lower case, one space between words, digit runs
    folded to ``0`` (a phone number says nothing about the category), at most ``limit`` chars."""
    s = align(text[: limit * 2]).lower()
    s = _DIGIT_RUN.sub("0", s)
    s = _SPACES.sub(" ", s).strip()
    return s[:limit]
