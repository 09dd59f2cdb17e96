"""Hostile input to the staff API (issue 14.8, issue 13 "API details"), on SQLite and
PostgreSQL: every bad request is a JSON 4xx with one Chinese sentence — never a 500, never
a traceback, never a text/plain page — and nothing is changed by a refused request."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from apiharness import Api, running_api

from backend.workflow import ACTIONS, STATUSES
from bot.api import inputs

REPO = Path(__file__).resolve().parents[2]
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def api(database: Any, county: Any, clock: Any) -> AsyncIterator[Api]:
    async with running_api(database, county, clock) as running:
        yield running


async def raw_call(
    api: Api,
    method: str,
    path: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    staff: str = "office01",
) -> tuple[int, str, Any]:
    auth = {"Authorization": f"Bearer {api.tokens[staff]}"}
    async with api.http.request(
        method, path, data=data, headers={**auth, **(headers or {})}
    ) as resp:
        body = await resp.read()
        data_out = json.loads(body) if resp.content_type == "application/json" else body
        return resp.status, resp.content_type, data_out


def one_sentence(data: Any) -> str:
    assert isinstance(data, dict) and set(data) == {"error"}, data
    message = str(data["error"])
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert "Traceback" not in message and "\n" not in message and len(message) < 400
    return message


BAD_QUERIES = [
    ("/api/v1/cases/YC%00-2026-000001", "控制字符"),
    ("/api/v1/cases?q=a%00b", "控制字符"),
    ("/api/v1/cases?status=accepted%00", "控制字符"),
    ("/api/v1/cases?agency=tax%00", "控制字符"),
    ("/api/v1/cases?%00=1", "控制字符"),
    ("/api/v1/cases?date_from=0001-01-01", "date_from"),
    ("/api/v1/cases?date_to=9999-12-31", "date_to"),
    ("/api/v1/cases?date_from=9999-12-31", "date_from"),
    ("/api/v1/stats?date_from=0001-01-01", "date_from"),
    ("/api/v1/stats?date_to=9999-12-31", "date_to"),
    ("/api/v1/cases?offset=9223372036854775808", "offset"),
    ("/api/v1/cases?offset=9223372036854775807", "offset"),
    ("/api/v1/cases?offset=" + "9" * 5000, "offset"),
    ("/api/v1/outbox/dead?offset=9223372036854775808", "offset"),
    ("/api/v1/cases?limit=100000", "limit"),
    ("/api/v1/cases?limit=" + "9" * 5000, "limit"),
    ("/api/v1/cases?limit=%C2%B2", "limit"),
    ("/api/v1/cases?status=nope", "accepted"),  # names the allowed values
    ("/api/v1/cases?category=nope", "late_fee"),
    ("/api/v1/cases?tier=nope", "complex"),
    ("/api/v1/cases?agency=火星局", "火星局"),
]


async def test_bad_queries_and_paths_are_json_400(api: Api) -> None:
    await api.open_case("1", "late_fee", "滞纳金太高")
    for path, word in BAD_QUERIES:
        status, kind, data = await raw_call(api, "GET", path)
        assert (status, kind) == (400, "application/json"), (path[:80], status, data)
        assert word in one_sentence(data), (path[:80], data)


async def test_bad_bodies_are_json_400_and_change_nothing(api: Api) -> None:
    number = await api.open_case("1", "late_fee", "滞纳金太高")
    deep = "[" * 100_000 + "]" * 100_000
    bodies: list[tuple[str, bytes, dict[str, str], int, str]] = [
        ("accept", b'{"text": "\xff\xfe\xfa"}', JSON, 400, "UTF-8"),
        (
            "accept",
            b'{"text": "a"}',
            {"Content-Type": "application/json; charset=klingon"},
            400,
            "UTF-8",
        ),
        (
            "accept",
            '{"text": "甲"}'.encode("gb18030"),
            {"Content-Type": "application/json; charset=gb18030"},
            400,
            "UTF-8",
        ),
        ("accept", deep.encode(), JSON, 400, "嵌套"),
        ("accept", ('{"text": ' + deep + "}").encode(), JSON, 400, "嵌套"),
        ("accept", b'{"text": ' + b"[" * 40 + b"]" * 40 + b"}", JSON, 400, "嵌套"),
        (
            "extend_due",
            ('{"extend_days": ' + "9" * 5000 + ', "text": "x"}').encode(),
            JSON,
            400,
            "数字",
        ),
        ("extend_due", b'{"extend_days": 1e999, "text": "x"}', JSON, 400, "数字"),
        ("extend_due", b'{"extend_days": NaN, "text": "x"}', JSON, 400, "NaN"),
        ("extend_due", b'{"extend_days": true, "text": "x"}', JSON, 400, "extend_days"),
        ("extend_due", b'{"extend_days": "3", "text": "x"}', JSON, 400, "extend_days"),
        ("extend_due", b'{"extend_days": 3.0, "text": "x"}', JSON, 400, "extend_days"),
        ("extend_due", b'{"extend_days": 3, "text": 5}', JSON, 400, "text"),
        ("accept", b'{"text": "a\\u0000b"}', JSON, 400, "控制字符"),
        ("accept", b'{"text": "\\ud800"}', JSON, 400, "Unicode"),
        ("accept", b'{"te\\u0000xt": "a"}', JSON, 400, "控制字符"),
        ("accept", b"[1, 2]", JSON, 400, "JSON 对象"),
        ("accept", b'{"text": "x"}' + b" " * 300_000, JSON, 413, "太大"),
        ("frobnicate", b"{}", JSON, 404, "accept"),
    ]
    for action, body, headers, want, word in bodies:
        path = f"/api/v1/cases/{number}/{action}"
        status, kind, data = await raw_call(api, "POST", path, body, headers)
        assert (status, kind) == (want, "application/json"), (action, body[:60], status, data)
        assert word in one_sentence(data), (body[:60], data)
    detail = await api.ctx.cases.detail(number)
    assert detail.status == "registered" and [e.action for e in detail.events] == ["register"]


async def test_outbox_ids_that_are_not_ids(api: Api) -> None:
    for raw in (
        "%C2%B2",
        "%E2%91%A0",
        "%D9%A3",
        "2147483648",
        "9223372036854775808",
        "0",
        "-1",
        "9" * 5000,
        "1%00",
    ):
        status, kind, data = await raw_call(api, "POST", f"/api/v1/outbox/{raw}/retry")
        assert (status, kind) == (400, "application/json"), (raw[:20], status, data)
        one_sentence(data)
    status, _, data = await raw_call(api, "POST", "/api/v1/outbox/2147483647/retry")
    assert status == 404 and "2147483647" in one_sentence(data)


async def test_unknown_routes_and_methods_are_json(api: Api) -> None:
    number = await api.open_case("1", "late_fee", "滞纳金太高")
    for method, path, want, word in [
        ("POST", f"/api/v1/cases/{number}/frobnicate", 404, "可用的操作"),
        ("POST", f"/api/v1/cases/{number}/%00", 404, "可用的操作"),
        ("GET", "/api/v1/nothing", 404, "openapi.json"),
        ("GET", "/api/v1", 404, "没有这个接口"),
        ("GET", "/api/v1/", 404, "没有这个接口"),
        ("DELETE", "/api/v1/cases", 405, "GET"),
        ("GET", f"/api/v1/cases/{number}/accept", 405, "POST"),
        ("GET", "/api/v1/cases/" + "Y" * 5000, 404, "案件号"),
        ("GET", "/api/v1/cases/YC-2026-999999", 404, "YC-2026-999999"),
    ]:
        status, kind, data = await raw_call(api, method, path)
        assert (status, kind) == (want, "application/json"), (method, path[:60], status, data)
        assert word in one_sentence(data), (path[:60], data)
    unknown = f"没有“frobnicate”这个办理操作，可用的操作：{'、'.join(ACTIONS)}"
    _, _, data = await raw_call(api, "POST", f"/api/v1/cases/{number}/frobnicate")
    assert data["error"] == unknown
    headers = {"Authorization": f"Bearer {api.tokens['office01']}"}
    async with api.http.request("TRACE", "/api/v1/me", headers=headers) as resp:
        assert resp.status == 405 and "GET" in resp.headers["Allow"]  # RFC 9110
    # routes outside the API keep their own answers
    async with api.http.get("/nothing-here") as resp:
        assert resp.status == 404 and resp.content_type == "text/plain"


async def test_case_numbers_as_people_type_them(api: Api) -> None:
    number = await api.open_case("1", "late_fee", "滞纳金太高")
    assert number == "YC-2026-000001"
    for typed in ("yc2026001", "YC-2026-1", "yc-2026-000001"):
        status, _, data = await raw_call(api, "GET", f"/api/v1/cases/{typed}")
        assert status == 200 and data["number"] == number, typed
    case = await api.act("yc2026001", "accept", "tax01")
    assert case["status"] == "accepted"


async def test_unknown_filters_name_the_allowed_values(api: Api) -> None:
    """Issue 13: an unknown status or category used to return an empty list."""
    for key, allowed in (("status", STATUSES), ("category", ("late_fee", "refund"))):
        status, _, data = await raw_call(api, "GET", f"/api/v1/cases?{key}=closd")
        message = one_sentence(data)
        assert status == 400 and "closd" in message and all(a in message for a in allowed)
    for status_name in STATUSES:  # every real status is still accepted
        status, _, _ = await raw_call(api, "GET", f"/api/v1/cases?status={status_name}")
        assert status == 200, status_name


async def test_transfer_target_by_id_name_or_short_name(api: Api) -> None:
    """Issue 13: 人社局 used to answer 没有编号为“人社局”的单位. Names resolve through the
    county config (``County.find_agency``), the same as in the staff chat."""
    numbers = []
    for target in ("hrss", "县人社局", "人社局", "云川县人力资源和社会保障局"):
        number = await api.open_case(f"u{target}", "contribution_amount", "单位扣了社保钱没交")
        case = await api.act(number, "transfer", "tax01", target_agency=target, text="劳动关系")
        assert (case["status"], case["lead_agency"]) == ("transferred", "hrss"), target
        numbers.append(number)
    status, _, data = await raw_call(api, "GET", "/api/v1/cases?agency=人社局")
    assert status == 200 and {c["number"] for c in data["cases"]} == set(numbers)
    number = await api.open_case("9", "contribution_amount", "单位扣了我的社保钱没交")
    for target in ("火星局", "局", "x" * 64):
        status, data = await api.call(
            "POST", f"/cases/{number}/transfer", "tax01", {"target_agency": target, "text": "x"}
        )
        assert status == 400 and target[:20] in one_sentence(data), (target, data)
    assert (await api.ctx.cases.detail(number)).lead_agency == "tax"


async def test_extend_days_true_does_not_extend(api: Api) -> None:
    """Issue 14.8: ``{"extend_days": true}`` used to extend the due date by one day."""
    number = await api.open_case("1", "payment_system", "小程序交不了医保")
    await api.act(number, "reclassify", "tax01", tier="general", text="需核查")
    before = (await api.ctx.cases.detail(number)).due_at
    status, data = await api.call(
        "POST", f"/cases/{number}/extend_due", "office01", {"extend_days": True, "text": "x"}
    )
    assert status == 400 and "extend_days" in one_sentence(data)
    assert (await api.ctx.cases.detail(number)).due_at == before
    case = await api.act(number, "extend_due", "office01", extend_days=1, text="需调取记录")
    assert case["due_at"] > before.isoformat()


def auth(api: Api, staff: str = "office01") -> dict[str, str]:
    return {"Authorization": f"Bearer {api.tokens[staff]}"}


class _Broken:
    """A case service whose database is down, or that has a bug."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def list_cases(self, *args: Any) -> Any:
        raise self.exc


async def test_database_down_is_503_and_a_bug_is_a_json_500(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    down = sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    real = api.ctx.cases
    try:
        api.ctx.cases = _Broken(down)  # type: ignore[assignment]
        status, kind, data = await raw_call(api, "GET", "/api/v1/cases")
        assert (status, kind) == (503, "application/json") and "稍后" in one_sentence(data)
        async with api.http.get("/api/v1/cases", headers=auth(api)) as resp:
            assert resp.headers["Retry-After"] == "5"
        api.ctx.cases = _Broken(RuntimeError("secret detail 140522199003151234"))  # type: ignore[assignment]
        status, kind, data = await raw_call(api, "GET", "/api/v1/cases")
        message = one_sentence(data)
        assert (status, kind) == (500, "application/json") and "secret" not in message
        assert "RuntimeError" in caplog.text, "the traceback goes to the log"
    finally:
        api.ctx.cases = real


async def test_openapi_cites_only_files_in_the_repository(api: Api) -> None:
    async with api.http.get("/api/v1/openapi.json") as resp:
        text = await resp.text()
    cited = set(re.findall(r"[\w./-]+\.(?:md|py|toml|txt|jsonl|yaml|yml)\b", text))
    missing = {c for c in cited if not (REPO / c).is_file()}  # citations are repo paths
    assert not missing, f"the OpenAPI text cites files not in the repository: {missing}"
    doc = json.loads(text)
    status_param = next(
        p for p in doc["paths"]["/api/v1/cases"]["get"]["parameters"] if p["name"] == "status"
    )
    assert all(s in status_param["description"] for s in STATUSES)


def test_safe_json_reader_limits() -> None:
    """The shared reader (also for the channel webhooks): bounded, never raises anything
    but ``BadInput``."""
    ok = inputs.parse_json('{"a": [1, 2.5, "三", {"b": null}], "n": -12345678901234567890}')
    assert ok == {"a": [1, 2.5, "三", {"b": None}], "n": -12345678901234567890}
    for text in (
        "[" * 100_000 + "]" * 100_000,
        "9" * 5000,
        "-" + "9" * 33,
        "1" + "0" * 400 + ".5",
        "1e400",
        "Infinity",
        '"\\u0000"',
        '"\\udfff"',
        "{",
        "",
    ):
        with pytest.raises(inputs.BadInput):
            inputs.parse_json(text)
    with pytest.raises(inputs.BadInput):
        inputs.decode_body("{}".encode("utf-16"), None)
    assert inputs.decode_body("\ufeff{}".encode(), "UTF-8") == "{}"
    assert inputs.strip_controls("a\x00b\tc\u200b", max_len=4) == "ab\tc"
    assert inputs.shown("x" * 100, 10) == "x" * 10 + "…"


async def test_reading_personal_data_is_logged(api: Api) -> None:
    """Issue 13: a case's full details (ID number, phone) and the register export are
    personal data; who read them, when and how is in the access log. Refusals and lists
    (no ID numbers) are not readings."""
    number = await api.open_case("1", "late_fee", "滞纳金太高")
    status, _ = await api.call("GET", f"/cases/{number.lower()}", "tax01")
    assert status == 200
    status, _ = await api.call("GET", f"/cases/{number}", "court01")
    assert status == 403
    await api.call("GET", "/cases", "tax01")
    status, _ = await api.call("GET", "/export?format=csv", "office01")
    assert status == 200
    log = await api.ctx.cases.access_log()
    got = [(e.actor, e.case_number, e.what.split()[0], e.via) for e in reversed(log)]
    assert got == [
        ("staff:tax01", number, "detail", "api"),
        ("office:office01", None, "export", "api"),
    ]
