"""Rasa interop: the documented ``/model/parse`` answer mapped into ``Parse``; the HTTP client
against a local server; a real Rasa server only when YICHUANG_RASA_URL points at one."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from nlu.rasa_client import RasaParser, from_rasa

TEXT = "滞纳金太高了，电话13812341427"


def _answer(top: str, conf: float, *rest: tuple[str, float]) -> dict[str, Any]:
    return {
        "text": TEXT,
        "intent": {"name": top, "confidence": conf},
        "intent_ranking": [{"name": top, "confidence": conf}]
        + [{"name": n, "confidence": c} for n, c in rest],
        "entities": [
            # A regex match Rasa found, deliberately with a wrong value: the rules must win.
            {
                "entity": "phone",
                "start": 7,
                "end": 18,
                "value": "1381234",
                "extractor": "RegexEntityExtractor",
            },
        ],
    }


def test_intent_and_category_come_from_the_label() -> None:
    parse = from_rasa(_answer("report_dispute+late_fee", 0.93, ("greet", 0.02)), TEXT)
    assert (parse.intent, parse.category) == ("report_dispute", "late_fee")
    assert parse.confidence == pytest.approx(0.93) and not parse.uncertain
    assert parse.ranking[0][0] == "late_fee"


def test_checksummed_entities_come_from_the_rules() -> None:
    parse = from_rasa(_answer("report_dispute+late_fee", 0.93), TEXT)
    phones = [e.value for e in parse.entities if e.type == "phone"]
    assert phones == ["13812341427"]


def test_nlu_fallback_maps_to_the_best_real_intent_and_is_uncertain() -> None:
    answer = _answer("nlu_fallback", 0.3, ("report_dispute+refund", 0.28), ("greet", 0.1))
    parse = from_rasa(answer, TEXT)
    assert parse.intent == "report_dispute" and parse.category == "refund"
    assert parse.uncertain


def test_an_empty_or_strange_answer_is_out_of_scope_not_an_error() -> None:
    assert from_rasa({}, "x").intent == "out_of_scope"
    assert from_rasa({"intent": {"name": "no_such_intent", "confidence": 1}}, "x").intent == (
        "out_of_scope"
    )


@pytest.fixture
async def fake_rasa(unused_tcp_port: int) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    async def parse(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(body)
        if body["text"] == "boom":
            return web.json_response({"error": "x"}, status=500)
        return web.json_response(_answer("report_dispute+late_fee", 0.9))

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", unused_tcp_port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{unused_tcp_port}", seen
    finally:
        await runner.cleanup()


async def test_client_posts_the_text_and_maps_the_answer(
    fake_rasa: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    url, seen = fake_rasa
    client = RasaParser(url)
    parse = await client.aparse(TEXT)
    assert seen == [{"text": TEXT}]
    assert parse is not None and parse.category == "late_fee"
    assert await client.aparse("boom") is None  # the caller falls back to the built-in model


@pytest.mark.skipif(
    not os.environ.get("YICHUANG_RASA_URL"),
    reason="YICHUANG_RASA_URL not set: no Rasa server to test against",
)
async def test_real_rasa_server() -> None:
    client = RasaParser(os.environ["YICHUANG_RASA_URL"])
    parse = await client.aparse("单位欠缴了我三年的养老保险")
    assert parse is not None and parse.intent in {"report_dispute", "inform"}
