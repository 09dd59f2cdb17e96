"""The NLU contract as the dialogue and the CLI rely on it: entities with normalised values and
offsets, invalid checksums explained, any input answered, the held-out split classified."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import nlu
from nlu.types import CATEGORIES, INTENTS, Parse

NOW = datetime(2026, 11, 22, 10, 0)
SPLIT = Path(nlu.__file__).parent / "data" / "test_split.jsonl"


@pytest.fixture
def model(shared_nlu: Any) -> Any:
    return shared_nlu


def _values(parse: Parse, kind: str) -> list[Any]:
    return [e.value for e in parse.entities if e.type == kind and e.valid]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("电话13812341427", "phone", "13812341427"),
        ("座机0356-5551234", "phone", "03565551234"),
        ("身份证11010519491231002X", "id_number", "11010519491231002X"),
        ("补缴了三千五百元", "amount", 3500.0),
        ("多扣了1.2万", "amount", 12000.0),
        ("扣了3千5", "amount", 3500.0),
        ("2023年3月到6月的社保", "period", {"start": "2023-03-01", "end": "2023-06-30"}),
        ("去年下半年扣多了", "period", {"start": "2025-07-01", "end": "2025-12-31"}),
        ("八十多人没交社保", "people_count", 80),
        ("我叫张秀兰", "person_name", "张秀兰"),
        ("凤鸣镇南关村的", "village", "南关村"),
        ("凤鸣镇南关村的", "township", "凤鸣镇"),
        ("宏达建材有限公司欠缴社保", "employer", "宏达建材有限公司"),
    ],
)
def test_entities_are_normalised(model: Any, text: str, kind: str, value: Any) -> None:
    parse = model.parse(text, now=NOW)
    assert value in _values(parse, kind), parse.entities
    for e in parse.entities:
        assert text[e.start : e.end] == e.text


@pytest.mark.parametrize(
    ("text", "kind", "reason"),
    [
        ("身份证110105194912310021", "id_number", "校验码"),
        ("信用代码91140522MA0K123456", "credit_code", "校验码"),
    ],
)
def test_invalid_checksums_are_reported_with_the_reason(
    model: Any, text: str, kind: str, reason: str
) -> None:
    bad = [e for e in model.parse(text, now=NOW).entities if e.type == kind]
    assert bad and not bad[0].valid and reason in (bad[0].reason or "")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😀😀😀",
        "！！！。。。",
        "hello, is anyone there",
        "社會保險費滯納金太高",
        "\x00\x07\x1b[31m",
        "13812341427",
        "社保" * 10_000,
    ],
)
def test_any_input_gives_a_valid_result(model: Any, text: str) -> None:
    started = time.perf_counter()
    parse = model.parse(text, now=NOW)
    assert time.perf_counter() - started < 1.0  # sanity only; latency is the benchmark's job
    assert parse.intent in INTENTS
    assert parse.category is None or parse.category in CATEGORIES
    assert 0.0 <= parse.confidence <= 1.0
    json.dumps(parse.to_json(), ensure_ascii=False)


def test_held_out_split_is_classified(model: Any) -> None:
    rows = [json.loads(line) for line in SPLIT.read_text(encoding="utf-8").splitlines() if line]
    disputes = [r for r in rows if r.get("category")]
    hits = sum(model.parse(r["text"], now=NOW).category == r["category"] for r in disputes)
    intents = sum(model.parse(r["text"], now=NOW).intent == r["intent"] for r in rows)
    assert len(disputes) >= 14 * 15
    assert hits / len(disputes) >= 0.85
    assert intents / len(rows) >= 0.85


def test_cli_parse_writes_one_json_object_per_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "nlu", "parse"],
        input="单位欠了我们三年社保\n你好\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    first, second = (json.loads(line) for line in out)
    assert first["intent"] == "report_dispute" and first["category"] == "arrears"
    assert second["intent"] == "greet" and second["category"] is None
    assert set(first) >= {"text", "intent", "category", "confidence", "tier", "entities"}


def test_an_age_is_not_a_disputed_period(model: Any) -> None:
    parse = model.parse("俺今年68了，去年下半年社宝扣多了", now=NOW)
    assert _values(parse, "period") == [{"start": "2025-07-01", "end": "2025-12-31"}]
    assert _values(model.parse("今年的养老保险扣多了", now=NOW), "period") == [
        {"start": "2026-01-01", "end": "2026-12-31"}
    ]
