"""The staff API's attachments (list, bytes), the office's access log, and the reply text for
the complainant kept apart from the internal note — on a real server, both databases."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from apiharness import Api, running_api
from sqlmodel import col

import tests.backend.attachment_samples as samples
from backend.attachments.records import Upload
from backend.models import Attachment


@pytest.fixture
async def api(database: Any, county: Any, clock: Any) -> AsyncIterator[Api]:
    async with running_api(database, county, clock) as running:
        yield running


async def send(api: Api, number: str, user: str, data: bytes, kind: str, msg: str) -> str:
    """The complainant (telegram ``user``) sends material about case ``number``; its ref."""
    assert api.ctx.attachments is not None
    got = await api.ctx.attachments.receive(
        Upload(
            data=data,
            kind=kind,
            channel="telegram",
            user_ref=user,
            received_at=api.ctx.clock(),
            declared_name="收据.jpg" if kind == "image" else None,
            message_id=msg,
        ),
        case_number=number,
    )
    assert not got.refused and got.attachment is not None, got.sentence
    return got.attachment.ref


async def raw_get(api: Api, path: str, staff: str) -> tuple[int, bytes, Any]:
    headers = {"Authorization": f"Bearer {api.tokens[staff]}"}
    async with api.http.get("/api/v1" + path, headers=headers) as resp:
        return resp.status, await resp.read(), resp.headers


async def test_list_and_fetch_attachments_with_agency_scoping(api: Api) -> None:
    number = await api.open_case("2001", "late_fee", "滞纳金太高，收据拍给你们")  # tax leads
    photo, voice = samples.image("JPEG", seed=4), samples.ogg_opus()
    photo_ref = await send(api, number, "2001", photo, "image", "a-1")
    voice_ref = await send(api, number, "2001", voice, "voice", "a-2")

    status, body = await api.call("GET", f"/cases/{number.lower()}/attachments", "tax01")
    assert status == 200 and body["number"] == number
    assert body["counts"] == {"image": 1, "voice": 1, "video": 0, "file": 0, "total": 2}
    assert [a["ref"] for a in body["attachments"]] == [photo_ref, voice_ref]
    first = body["attachments"][0]
    assert first["content_type"] == "image/jpeg" and first["name"] == "收据.jpg"
    assert first["url"] == f"/api/v1/cases/{number}/attachments/{photo_ref}"
    status, case = await api.call("GET", f"/cases/{number}", "tax01")
    assert case["attachments"] == 2

    for ref, data, kind in ((photo_ref, photo, "image/jpeg"), (voice_ref, voice, "audio/ogg")):
        status, got, headers = await raw_get(api, f"/cases/{number}/attachments/{ref}", "tax01")
        assert status == 200 and got == data
        assert headers["Content-Type"] == kind
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "private, no-store"
        assert headers["Content-Disposition"].startswith("inline")
    log = await api.ctx.cases.access_log(number=number, actor="staff:tax01")
    assert sorted(e.what for e in log if e.via == "api") == sorted(
        ["detail", f"attachment:{photo_ref}", f"attachment:{voice_ref}"]
    )

    # A second agency can neither list nor fetch; nothing is logged for it.
    status, err = await api.call("GET", f"/cases/{number}/attachments", "court01")
    assert status == 403 and "无权" in err["error"]
    status, err = await api.call("GET", f"/cases/{number}/attachments/{photo_ref}", "court01")
    assert status == 403 and "无权" in err["error"]
    assert await api.ctx.cases.access_log(actor="staff:court01") == []

    # Unknown, malformed or another case's ref: a JSON 404.
    other = await api.open_case("2002", "late_fee", "另一件")
    for path in (
        f"/cases/{number}/attachments/{'0' * 32}",
        f"/cases/{number}/attachments/1",
        f"/cases/{other}/attachments/{photo_ref}",
        f"/cases/YC-2026-999999/attachments/{photo_ref}",
    ):
        status, err = await api.call("GET", path, "office01")
        assert status == 404 and err["error"], path
    # The bytes removed by retention: 410.
    async with api.ctx.db.session(write=True) as s:
        await s.execute(
            sa.update(Attachment)
            .where(col(Attachment.ref) == voice_ref)
            .values(pruned_at=api.ctx.clock())
        )
        await s.commit()
    status, err = await api.call("GET", f"/cases/{number}/attachments/{voice_ref}", "tax01")
    assert status == 410 and "保存期限" in err["error"]
    status, body = await api.call("GET", f"/cases/{number}/attachments", "tax01")
    assert [a["pruned"] for a in body["attachments"]] == [False, True]


async def test_the_office_reads_the_access_log_with_filters(api: Api) -> None:
    a = await api.open_case("3001", "late_fee", "滞纳金太高")
    b = await api.open_case("3002", "benefits", "养老金算少了", insurance="pension")
    await api.call("GET", f"/cases/{a}", "tax01")
    await api.call("GET", f"/cases/{b}", "hrss01")
    await api.call("GET", f"/cases/{b}", "office01")

    status, err = await api.call("GET", "/access-log", "tax01")
    assert status == 403 and "办公室" in err["error"]
    status, entries = await api.call("GET", "/access-log", "office01")
    assert status == 200 and len(entries) == 3
    assert {(e["case_number"], e["actor"], e["via"]) for e in entries} == {
        (a, "staff:tax01", "api"),
        (b, "staff:hrss01", "api"),
        (b, "office:office01", "api"),
    }
    status, entries = await api.call("GET", f"/access-log?number={b.lower()}", "office01")
    assert {e["actor"] for e in entries} == {"staff:hrss01", "office:office01"}
    for who in ("tax01", "staff:tax01"):
        status, entries = await api.call("GET", f"/access-log?actor={who}", "office01")
        assert [e["case_number"] for e in entries] == [a]
    status, entries = await api.call(
        "GET", "/access-log?date_from=2026-03-02&date_to=2026-03-02", "office01"
    )
    assert len(entries) == 3
    status, entries = await api.call("GET", "/access-log?date_from=2026-03-03", "office01")
    assert status == 200 and entries == []
    status, data = await api.call("GET", f"/access-log?format=csv&number={a}", "office01")
    assert status == 200
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["时间", "人员"] and len(rows) == 2 and a in rows[1]
    for query, word in (
        ("number=bogus", "number"),
        ("actor=nobody", "actor"),
        ("date_from=2026-3-1", "date_from"),
        ("format=xml", "format"),
    ):
        status, err = await api.call("GET", f"/access-log?{query}", "office01")
        assert status == 400 and word in err["error"], (query, err)


async def test_the_reply_for_the_complainant_is_apart_from_the_internal_note(api: Api) -> None:
    number = await api.open_case("4001", "late_fee", "滞纳金太高")
    await api.act(number, "accept", "tax01")
    case = await api.act(
        number,
        "reply",
        "tax01",
        reply="经核实，滞纳金已按规定减免，请于本月底前缴清本金。",
        text="内部：已请示分管领导同意减免",
    )
    assert case["latest_reply"].startswith("经核实")
    await api.deliver()
    told = [n.text for n in api.complainant.to("4001")]
    assert "经核实，滞纳金已按规定减免" in told[-1] and "内部" not in told[-1]
    [event] = [e for e in case["events"] if e["action"] == "reply"]
    assert event["data"]["note"] == "内部：已请示分管领导同意减免"

    case = await api.act(number, "close", "tax01", text="内部：归档前核对", reply="本案已办结。")
    await api.deliver()
    told = [n.text for n in api.complainant.to("4001")]
    assert "办理结果：本案已办结。" in told[-1] and "归档前核对" not in told[-1]

    status, err = await api.call("POST", f"/cases/{number}/reply", "tax01", {"reply": "  "})
    assert status in (400, 409) and err["error"]
    async with api.http.get("/api/v1/openapi.json") as resp:
        doc = await resp.json()
    schemas = doc["components"]["schemas"]
    for kind, name in (("reply", "ReplyBody"), ("close", "CloseBody")):
        op = doc["paths"][f"/api/v1/cases/{{number}}/{kind}"]["post"]
        assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(name)
        assert "缴费人" in schemas[name]["properties"]["reply"]["description"]
        assert "内部" in schemas[name]["properties"]["text"]["description"]
    listing = doc["paths"]["/api/v1/cases/{number}/attachments/{ref}"]["get"]
    assert {"403", "404", "410"} <= set(listing["responses"])
    assert "/api/v1/access-log" in doc["paths"]
