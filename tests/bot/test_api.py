"""The staff API on a real server (127.0.0.1): every path of DOMAIN.md §5 through the API, the
complainant's channel receiving each message, agency scoping, validation and the OpenAPI
document in step with the router."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from apiharness import ID_NUMBER, PHONE, Api, running_api

from bot.api import api_routes

USER = "1001"


@pytest.fixture
async def api(database: Any, county: Any, clock: Any) -> AsyncIterator[Api]:
    async with running_api(database, county, clock) as running:
        yield running


async def told(api: Api, user: str) -> list[str]:
    """Deliver the outbox; the complainant's messages so far."""
    await api.deliver()
    return [n.text for n in api.complainant.to(user)]


async def test_general_case_joint_handling_reply_feedback_archive(api: Api) -> None:
    # refund after the reform, pension: tax leads, hrss + finance co-handle
    number = await api.open_case(
        USER, "refund", "重复缴费要退，退款一直没到账", insurance="pension"
    )
    case = await api.act(number, "accept", "tax01")
    assert (case["status"], case["lead_agency"]) == ("accepted", "tax")
    assert set(case["co_agencies"]) == {"hrss", "finance"}
    await api.deliver()
    staff_text = "\n".join(n.text for n in api.staff_box.sent)
    assert "新案件" in staff_text and ID_NUMBER not in staff_text and PHONE not in staff_text
    assert "1405**********1234" in staff_text and "138****1427" in staff_text

    assert (await api.act(number, "start_joint", "tax01"))["status"] == "joint"
    await api.act(number, "submit_opinion", "hrss01", text="人社核实：2025年2月重复缴费属实。")
    case = await api.act(number, "submit_opinion", "finance01", text="财政：同意退付。")
    assert {a["agency_id"]: a["opinion"] for a in case["assignments"] if a["role"] == "co"} == {
        "hrss": "人社核实：2025年2月重复缴费属实。",
        "finance": "财政：同意退付。",
    }
    await api.deliver()
    assert any(n.kind == "opinion" for n in api.staff_box.sent), "the lead hears of opinions"

    reply = "经核实，您2025年2月重复缴纳的养老保险费将在10个工作日内退回原账户。"
    assert (await api.act(number, "reply", "tax01", text=reply))["status"] == "replied"
    assert any(reply in m for m in await told(api, USER))
    case = await api.act(number, "feedback", "tax01", verdict="satisfied")
    assert (case["status"], case["satisfaction"]) == ("closed", "satisfied")
    case = await api.act(number, "archive", "tax01")
    assert case["status"] == "archived"
    actions = [e["action"] for e in case["events"]]
    assert actions[0] == "register" and actions[-1] == "archive"
    assert {"accept", "start_joint", "submit_opinion", "reply", "feedback"} <= set(actions)
    assert all(e["at"] and e["actor"] for e in case["events"])


async def test_transfer_tells_complainant_new_agency_then_close(api: Api, county: Any) -> None:
    number = await api.open_case(USER, "contribution_amount", "单位扣了我的社保钱没交")
    case = await api.act(number, "transfer", "tax01", target_agency="hrss", text="属劳动关系争议")
    assert (case["status"], case["lead_agency"]) == ("transferred", "hrss")
    hrss = county.agency("hrss")
    [message] = await told(api, USER)
    assert hrss.name in message and hrss.phone in message
    # the old lead no longer acts on the case but, as first receiver (首问), still reads it
    status, _ = await api.call("POST", f"/cases/{number}/accept", "tax01", {})
    assert status == 403
    status, seen = await api.call("GET", f"/cases/{number}", "tax01")
    assert status == 200 and seen["lead_agency"] == "hrss"
    status, mine = await api.call("GET", "/cases", "tax02")
    assert number in [c["number"] for c in mine["cases"]]
    status, _ = await api.call("GET", f"/cases/{number}", "court01")
    assert status == 403
    await api.act(number, "accept", "hrss01")
    await api.act(number, "reply", "hrss01", text="已责令单位补缴。")
    case = await api.act(number, "close", "hrss01")
    assert case["status"] == "closed"
    messages = await told(api, USER)
    replied = next(i for i, m in enumerate(messages) if "已责令单位补缴" in m)
    assert any("办结" in m for m in messages[replied + 1 :]), messages


async def test_transfer_out_of_jurisdiction_then_archive(api: Api) -> None:
    number = await api.open_case(
        "2002", "benefits", "我在外省缴的养老保险待遇算少了", insurance="pension"
    )
    status, refused = await api.call(
        "POST",
        f"/cases/{number}/transfer_out",
        "hrss01",
        {"jurisdiction": "泽州县", "jurisdiction_phone": "3021234", "text": "外县"},
    )
    assert status == 400 and "对方联系电话" in refused["error"]
    case = await api.act(
        number,
        "transfer_out",
        "hrss01",
        jurisdiction="晋城市泽州县人社局",
        jurisdiction_phone="0356-3021234",
        text="参保地在泽州县",
    )
    assert (case["status"], case["transferred_to"]) == ("transferred_out", "晋城市泽州县人社局")
    [message] = await told(api, "2002")
    assert "泽州县人社局" in message and "0356-3021234" in message  # whom to call there
    assert (await api.act(number, "archive", "hrss01"))["status"] == "archived"


async def test_objection_tells_legal_routes(api: Api) -> None:
    number = await api.open_case("3003", "late_fee", "滞纳金罚得太高了")
    await api.act(number, "accept", "tax01")
    await api.act(number, "reply", "tax01", text="滞纳金按规定加收，无误。")
    case = await api.act(number, "object", "tax01", route="reconsideration", text="不服")
    assert case["status"] == "objected"
    messages = await told(api, "3003")
    assert "行政复议" in messages[-1] and "行政诉讼" in messages[-1]
    assert (await api.act(number, "archive", "tax01"))["status"] == "archived"


async def test_complex_case_escalate_approve_minutes_reply(api: Api) -> None:
    number = await api.open_case("4004", "arrears", "公司倒闭了，拖欠我们三十多人的社保", people=32)
    case = await api.act(number, "accept", "tax01")
    assert case["tier"] == "complex"
    status, err = await api.call("POST", f"/cases/{number}/reply", "tax01", {"text": "答复"})
    assert status == 409 and "批准" in err["error"]
    await api.act(number, "escalate", "tax01", text="涉及30余人，群体性")
    status, err = await api.call("POST", f"/cases/{number}/approve", "tax01", {})
    assert status == 403 and "领导" in err["error"]
    assert (await api.act(number, "approve", "leader01"))["status"] == "approved"
    await api.act(number, "record_minutes", "office01", text="会商：税务追缴，法院执行。")
    await api.act(number, "reply", "tax01", text="已立案追缴，法院依法强制执行。")
    assert any("已立案追缴" in m for m in await told(api, "4004"))


async def test_simple_case_closed_on_the_spot_reclassify_and_extend(api: Api) -> None:
    number = await api.open_case("5005", "payment_system", "小程序交不了医保，一直报错")
    case = await api.act(number, "reclassify", "tax01", tier="general", text="需核查")
    assert case["tier"] == "general" and case["due_at"]
    status, err = await api.call(
        "POST", f"/cases/{number}/extend_due", "tax01", {"extend_days": 3, "text": "x"}
    )
    assert status == 403 and "办公室" in err["error"]
    before = case["due_at"]
    case = await api.act(number, "extend_due", "office01", extend_days=3, text="需调取外地记录")
    assert case["due_at"] > before
    case = await api.act(number, "reclassify", "tax01", tier="simple", text="核实为系统故障")
    case = await api.act(number, "close", "tax01", text="系统已修复，已当场缴费成功。")
    assert case["status"] == "closed"
    assert "系统已修复" in (await told(api, "5005"))[-1]


async def test_agency_scoping_and_refusals_are_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    number = await api.open_case(USER, "late_fee", "滞纳金太高")  # tax leads alone
    caplog.set_level(logging.WARNING, logger="bot.api")
    status, err = await api.call("GET", f"/cases/{number}", "court01")
    assert status == 403 and "无权" in err["error"]
    status, err = await api.call("POST", f"/cases/{number}/accept", "court01", {})
    assert status == 403
    status, _ = await api.call("POST", f"/cases/{number}/close", "court01", {"text": "x"})
    assert status == 403
    assert "refused" in caplog.text and "court01" in caplog.text
    detail = await api.ctx.cases.detail(number)
    assert detail.status == "registered", "a refused action changed the case"
    status, err = await api.call("GET", "/cases?agency=tax", "court01")
    assert status == 403
    status, body = await api.call("GET", "/cases", "court01")
    assert status == 200 and body["cases"] == []
    status, body = await api.call("GET", "/cases", "tax02")
    assert [c["number"] for c in body["cases"]] == [number]
    for office in ("office01", "leader01"):
        status, body = await api.call("GET", f"/cases/{number}", office)
        assert status == 200 and body["complainant"]["id_number"] == ID_NUMBER
    status, _ = await api.call("GET", "/outbox/dead", "tax01")
    assert status == 403


async def test_authentication(api: Api) -> None:
    async with api.http.get("/api/v1/cases") as resp:
        assert resp.status == 401 and "令牌" in (await resp.json())["error"]
    headers = {"Authorization": "Bearer ycs_not-a-real-token"}
    async with api.http.get("/api/v1/cases", headers=headers) as resp:
        assert resp.status == 401
    from backend.auth import StaffAuth

    assert await StaffAuth(api.ctx.db, api.ctx.county).revoke("tax01") == 1
    status, _ = await api.call("GET", "/me", "tax01")
    assert status == 401
    status, me = await api.call("GET", "/me", "tax02")
    assert status == 200 and me["agency"] == "tax" and me["sees_all_cases"] is False


async def test_validation_errors_are_clear_400s(api: Api) -> None:
    number = await api.open_case(USER, "late_fee", "滞纳金太高")
    cases = [
        ("POST", f"/cases/{number}/transfer", {"text": "理由"}, "target_agency"),
        ("POST", f"/cases/{number}/transfer", {"target_agency": "nowhere", "text": "x"}, "nowhere"),
        ("POST", f"/cases/{number}/reply", {"text": ""}, "text"),
        ("POST", f"/cases/{number}/accept", {"txt": "typo"}, "txt"),
        ("POST", f"/cases/{number}/extend_due", {"extend_days": 0, "text": "x"}, "extend_days"),
        ("POST", f"/cases/{number}/reclassify", {"text": "x"}, "category"),
        ("POST", f"/cases/{number}/feedback", {"verdict": "great"}, "verdict"),
        ("GET", "/cases?tier=huge", None, "tier"),
        ("GET", "/cases?limit=abc", None, "limit"),
        ("GET", "/cases?date_from=2026-03-05&date_to=2026-03-01", None, "date_from"),
        ("GET", "/export?format=pdf", None, "format"),
    ]
    for method, path, body, word in cases:
        status, err = await api.call(method, path, "office01", body)
        assert status == 400, (path, body, err)
        assert word in err["error"], (path, err)
    status, err = await api.call("POST", f"/cases/{number}/accept", "office01", raw="{not json")
    assert status == 400 and "JSON" in err["error"]
    status, err = await api.call("POST", f"/cases/{number}/archive", "office01", {})
    assert status == 409 and "不能归档" in err["error"]
    status, err = await api.call("GET", "/cases/YC-2026-999999", "office01")
    assert status == 404


async def test_list_filters_stats_export(api: Api) -> None:
    a = await api.open_case(USER, "late_fee", "滞纳金太高了")
    b = await api.open_case("6006", "benefits", "养老金算少了", insurance="pension")
    await api.act(a, "accept", "tax01")
    await api.act(a, "reply", "tax01", text="已核减滞纳金。")
    status, body = await api.call("GET", "/cases?status=replied", "office01")
    assert [c["number"] for c in body["cases"]] == [a]
    status, body = await api.call("GET", "/cases?q=养老金", "office01")
    assert [c["number"] for c in body["cases"]] == [b]
    status, body = await api.call("GET", "/cases?agency=hrss&overdue=false", "office01")
    assert [c["number"] for c in body["cases"]] == [b]
    status, body = await api.call(
        "GET", "/cases?date_from=2026-03-02&date_to=2026-03-02", "office01"
    )
    assert {c["number"] for c in body["cases"]} == {a, b}
    status, stats = await api.call("GET", "/stats", "office01")
    assert status == 200 and stats["total"] == 2
    assert stats["by_category"] == {"late_fee": 1, "benefits": 1}
    assert stats["by_agency"] == {"tax": 1, "hrss": 1}
    assert stats["replied"] == 1 and stats["median_hours_to_reply"] == 0.0
    assert stats["overdue_rate"] == 0.0
    status, mine = await api.call("GET", "/stats", "hrss01")
    assert mine["total"] == 1
    status, data = await api.call("GET", "/export?format=csv", "hrss01")
    assert status == 200
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 2 and b in rows[1]
    status, data = await api.call("GET", "/export?format=json", "office01")
    assert {c["number"] for c in data} == {a, b}


async def test_dead_letters_listed_and_retried_by_the_office(api: Api) -> None:
    assert api.ctx.notifier is not None
    number = await api.open_case("7007", "late_fee", "滞纳金太高")
    api.ctx.notifier._senders.pop("telegram")  # the complainant's channel is down
    await api.act(number, "accept", "tax01")
    await api.act(number, "reply", "tax01", text="答复内容")
    clock = api.ctx.clock
    for _ in range(7):
        await api.deliver()
        clock.advance(3600)  # type: ignore[attr-defined]
    status, body = await api.call("GET", "/outbox/dead", "office01")
    letters = body["dead_letters"]  # the complainant's notices (受理, 答复 ...)
    assert letters and all(d["case_number"] == number for d in letters)
    assert all(d["last_error"].startswith("渠道未启用") for d in letters)
    dead = letters[0]
    api.ctx.notifier.register(api.complainant)
    status, body = await api.call("POST", f"/outbox/{dead['id']}/retry", "office01")
    assert status == 200 and body["status"] == "pending"
    assert (await told(api, "7007")) == [api.complainant.sent[-1].text]
    status, _ = await api.call("POST", f"/outbox/{dead['id']}/retry", "office01")
    assert status == 404


async def test_openapi_in_step_with_router(api: Api) -> None:
    async with api.http.get("/api/v1/openapi.json") as resp:
        assert resp.status == 200
        doc = await resp.json()
    documented = {(m.upper(), path) for path, ops in doc["paths"].items() for m in ops}
    served = {
        (r.method, r.resource.canonical)
        for r in api.app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith("/api/v1/")
        and r.method != "HEAD"
    }
    assert documented == served
    assert documented == {(r.method, r.full_path) for r in api_routes()}
    async with api.http.get("/fake/ping") as resp:  # plugin routes are mounted too
        assert await resp.text() == "fake"
    for path, ops in doc["paths"].items():
        for op in ops.values():
            assert op["summary"] and op["operationId"] and "200" in op["responses"]
            if "{number}" in path:
                assert any(p["name"] == "number" and p["in"] == "path" for p in op["parameters"])
    transfer = doc["paths"]["/api/v1/cases/{number}/transfer"]["post"]
    ref = transfer["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(body["required"]) == {"target_agency", "text"}


async def test_export_takes_the_list_filters(api: Api) -> None:
    """``GET /export`` accepts the case list's filters, checked the same way, documented."""
    refund = await api.open_case(USER, "refund", "重复缴费要退")
    other = await api.open_case("1002", "contribution_amount", "单位少缴了钱七的养老保险")
    await api.act(other, "accept", "tax01")
    for query, expected in (
        ("category=refund", {refund}),
        ("q=钱七", {other}),
        ("status=accepted", {other}),
        ("status=closed", set()),
        ("agency=tax", {refund, other}),
        ("date_from=2026-03-02&date_to=2026-03-02", {refund, other}),
        ("date_from=2026-03-03", set()),
        ("", {refund, other}),
    ):
        status, rows = await api.call("GET", f"/export?format=json&{query}", "office01")
        assert status == 200, (query, rows)
        assert {r["number"] for r in rows} == expected, query
    status, body = await api.call("GET", "/export?format=csv&category=refund", "office01")
    text = body.decode("utf-8-sig")
    assert status == 200 and refund in text and other not in text
    for bad in ("category=nope", "status=%00", "date_from=2026-13-01", "limit=5"):
        status, data = await api.call("GET", f"/export?{bad}", "office01")
        assert status == 400 and data["error"], bad
    # An agency's staff are held to their agency, as in the list.
    status, data = await api.call("GET", "/export?agency=hrss", "tax01")
    assert status == 403
    status, document = await api.call("GET", "/openapi.json", None)
    names = {p["name"] for p in document["paths"]["/api/v1/export"]["get"]["parameters"]}
    assert {"status", "category", "tier", "agency", "overdue", "date_from", "date_to", "q"} <= names
