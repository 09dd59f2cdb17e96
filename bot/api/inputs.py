"""Untrusted input at the HTTP edge: reading a JSON body safely and spotting characters no
database column should hold. Shared by the staff API, the staff chat and the channel
webhooks (``read_json``/``parse_json`` raise ``BadInput`` with one Chinese sentence).

Why each rule:
- only UTF-8: an unknown ``charset`` makes ``request.text()`` raise ``LookupError``;
- JSON numbers are capped in length: ``int()`` of 5,000 digits raises ``ValueError``
  (Python's ``int_max_str_digits``) and a huge float silently becomes ``inf``;
- nesting is capped: the C decoder raises ``RecursionError`` at ~1,000 levels, and nothing
  we accept is nested more than a few levels;
- NUL, other C0/C1 control characters and lone surrogates are refused: PostgreSQL cannot
  store NUL in text and a lone surrogate cannot be encoded as UTF-8 (SQLite accepts both,
  so only the PostgreSQL runs would see it).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from aiohttp import web

#: Largest JSON body read (an action body holds at most a few texts of 5,000 characters).
MAX_JSON_BYTES = 256 * 1024
#: Deepest nesting accepted (objects and arrays).
MAX_JSON_DEPTH = 32
#: Longest number literal accepted (a 64-bit integer has 19 digits).
MAX_NUMBER_CHARS = 32

#: Characters refused in any text: C0 controls except tab/newline/return, DEL, C1 controls,
#: lone surrogates (JSON "\ud800" decodes to one).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: Same, plus tab/newline/return: for one-line values (path segments, query values, ids).
_BAD_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UTF8 = frozenset({"utf-8", "utf8"})

#: The same rules as JSON-schema patterns, for the OpenAPI document (clients and fuzzers
#: learn what is refused; lone surrogates cannot be written in a pattern).
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"


class BadInput(ValueError):
    """Input refused; ``message`` is one Chinese sentence for the caller; ``status`` the
    HTTP status to answer with (400, or 413 for a body that is too large)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def text_problem(value: str, *, one_line: bool = False) -> str | None:
    """Why ``value`` cannot be stored as text (a Chinese phrase), or None if it can."""
    found = (_BAD_IN_LINE if one_line else _BAD_CHARS).search(value)
    if found is None:
        return None
    if "\ud800" <= found.group() <= "\udfff":
        return "含有无效的 Unicode 字符"
    return "含有不可见的控制字符（如 NUL）"


def strip_controls(value: str, *, max_len: int | None = None) -> str:
    """``value`` without the characters ``text_problem`` refuses (tab/newline/return kept),
    cut to ``max_len`` characters: for chat text, where refusing would only annoy."""
    cleaned = _BAD_CHARS.sub("", value)
    return cleaned[:max_len] if max_len is not None else cleaned


def shown(value: str, limit: int = 32) -> str:
    """A user-supplied value as it may be echoed in an error message: one line, short."""
    cleaned = _BAD_IN_LINE.sub("", value)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "…"


def _refuse_long(kind: str) -> Any:
    def parse(literal: str) -> Any:
        if len(literal) > MAX_NUMBER_CHARS:
            raise BadInput(f"请求体中的数字太长（最多 {MAX_NUMBER_CHARS} 位）")
        if kind == "int":
            return int(literal)
        number = float(literal)
        if not math.isfinite(number):  # "1e999" decodes to inf
            raise BadInput("请求体中的数字超出范围")
        return number

    return parse


def _refuse_constant(name: str) -> Any:
    raise BadInput(f"请求体不是合法的 JSON（不接受 {name}）")


def parse_json(text: str) -> Any:
    """Decode JSON text with bounded numbers and nesting; raises ``BadInput``."""
    try:
        value = json.loads(
            text,
            parse_int=_refuse_long("int"),
            parse_float=_refuse_long("float"),
            parse_constant=_refuse_constant,
        )
    except RecursionError:
        raise BadInput(f"请求体的 JSON 嵌套太深（最多 {MAX_JSON_DEPTH} 层）") from None
    except json.JSONDecodeError:
        raise BadInput("请求体不是合法的 JSON") from None
    check_json_value(value)
    return value


def check_json_value(value: Any) -> None:
    """Refuse deep nesting and unstorable characters anywhere in a decoded JSON value
    (iteratively: a deep value must not exhaust the stack here either)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                raise BadInput(f"请求体{problem}")
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadInput(f"请求体的 JSON 嵌套太深（最多 {MAX_JSON_DEPTH} 层）")
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


def decode_body(raw: bytes, charset: str | None) -> str:
    """The body as text: UTF-8 only (a leading BOM is dropped); raises ``BadInput``."""
    if charset is not None and charset.strip().lower() not in _UTF8:
        raise BadInput("请求体只接受 UTF-8 编码（Content-Type 的 charset 应为 utf-8）")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BadInput("请求体不是 UTF-8 编码的文字") from None


async def read_json(
    request: web.Request, *, max_bytes: int = MAX_JSON_BYTES, empty: Any = None
) -> Any:
    """Read and decode a JSON request body safely; an empty body gives ``empty``.

    Raises ``BadInput`` (status 400, or 413 when the body is over ``max_bytes``).
    """
    if request.content_length is not None and request.content_length > max_bytes:
        raise BadInput(f"请求体太大（上限 {max_bytes // 1024} KB）", 413)
    # request.read() keeps the bytes, so a middleware may have read them first (the server's
    # edge guard does, under its own deadline and size cap).
    raw = await request.read()
    if len(raw) > max_bytes:
        raise BadInput(f"请求体太大（上限 {max_bytes // 1024} KB）", 413)
    text = decode_body(raw, request.charset)
    if not text.strip():
        return empty
    return parse_json(text)
