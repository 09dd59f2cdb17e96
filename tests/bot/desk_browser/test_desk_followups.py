"""What an acceptance tester found on the desk, each checked against the real server (SQLite
and PostgreSQL): the complainant's verdict or objection recorded from the desk, undelivered
notifications on the case page and the board, hostile query strings, refused forms answered
post/redirect/get with the error by their form, the text typed before a session ended kept,
the timeline's complainant-facing texts and new dates, HTML error pages for unreadable and
oversized forms, the access log's filters and paging, and a database outage."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from desk_harness import PHONE, DeskServer, running_desk

from backend.models import Case, OutboxMessage
from backend.workflow import StaffAction
from bot.desk.sessions import IDLE_HOURS

BEIJING = ZoneInfo("Asia/Shanghai")
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def prose(length: int) -> str:
    """Chinese text that does not compress (as a real reply does not)."""
    return "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(length))


@pytest.fixture
async def desk(database: Any, county: Any, clock: Any) -> AsyncIterator[DeskServer]:
    async with running_desk(database, county, clock) as server:
        yield server


def offered(html: str) -> list[str]:
    return re.findall(r"<summary>(.*?)</summary>", html)


def form_error(html: str, kind: str) -> str:
    start = html.index(f'id="form-{kind}"')
    end = html.index("</form>", start)
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', html[start:end])
    assert found, f"no error in form {kind}"
    return found.group(1)


async def act(desk: DeskServer, number: str, kind: str, staff: str, **fields: Any) -> None:
    from backend.access import actor_for

    actor = actor_for(desk.ctx.county, desk.ctx.county.staff_member(staff))
    await desk.ctx.cases.act(number, StaffAction(kind=kind, actor=actor, **fields))


async def answered_case(desk: DeskServer, *, close: bool) -> str:
    """A general case the tax office answered in writing (and closed, ``close``)."""
    number = await desk.open_case(id_number=None)
    await act(desk, number, "accept", "tax01")
    await act(desk, number, "reply", "tax01", reply="经核查，缴费金额已更正。")
    if close:
        await act(
            desk, number, "close", "tax01", reply="已办结，如有疑问请来电。", text="内部：无异议"
        )
    return number


async def test_verdict_and_objection_by_phone_are_recorded_on_the_desk(desk: DeskServer) -> None:
    closed = await answered_case(desk, close=True)
    replied = await answered_case(desk, close=False)
    tax = desk.client()
    try:
        await tax.sign_in(desk.tokens["tax01"])
        page = f"/console/cases/{closed}"
        _, html, _ = await tax.get(page)
        assert {"记录缴费人评价", "记录异议", "归档"} <= set(offered(html))
        token = await tax.csrf(page)
        # A verdict must be chosen from the list.
        html = await tax.refused(f"{page}/feedback", {"_csrf": token, "verdict": "great"})
        assert form_error(html, "feedback") == "请选择满意、基本满意或不满意。"
        status, _, _ = await tax.post(
            f"{page}/feedback",
            {"_csrf": token, "verdict": "basically_satisfied", "text": "电话回访：基本满意"},
            follow=False,
        )
        assert status == 303
        detail = await desk.ctx.cases.detail(closed)
        assert detail.satisfaction == "basically_satisfied" and detail.status == "closed"
        _, html, _ = await tax.get(page)
        assert "基本满意" in html and "记录缴费人评价" not in offered(html)

        # An objection made in person: the legal routes are told to the complainant.
        page = f"/console/cases/{replied}"
        _, html, _ = await tax.get(page)
        assert "记录异议" in offered(html) and '<option value="arbitration"' in html
        html = await tax.refused(f"{page}/object", {"_csrf": token, "route": "arbitration"})
        assert form_error(html, "object") == "请填写缴费人的异议内容。"
        status, _, _ = await tax.post(
            f"{page}/object",
            {"_csrf": token, "route": "arbitration", "text": "缴费人当面表示不认可核定金额"},
            follow=False,
        )
        assert status == 303
        detail = await desk.ctx.cases.detail(replied)
        assert detail.status == "objected" and detail.events[-1].data["route"] == "arbitration"
        async with desk.ctx.db.session() as s:
            told = (
                (
                    await s.execute(
                        sa.select(OutboxMessage.body).where(
                            OutboxMessage.kind == "to_complainant",  # type: ignore[arg-type]
                            OutboxMessage.title.contains("异议"),  # type: ignore[attr-defined]
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert told and any("仲裁" in body for body in told)
        _, html, _ = await tax.get(page)
        timeline = html[html.index('id="timeline"') :]
        assert "申请劳动人事争议仲裁" in timeline
    finally:
        await tax.close()


async def _kill_complainant_notices(desk: DeskServer, number: str) -> list[int]:
    """The complainant blocked the bot: every notice to them failed for good."""
    async with desk.ctx.db.session(write=True) as s:
        case_id = await s.scalar(sa.select(Case.id).where(Case.number == number))  # type: ignore[arg-type]
        ids = list(
            (
                await s.execute(
                    sa.select(OutboxMessage.id).where(
                        OutboxMessage.case_id == case_id,  # type: ignore[arg-type]
                        OutboxMessage.kind == "to_complainant",  # type: ignore[arg-type]
                    )
                )
            ).scalars()
        )
        await s.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))  # type: ignore[union-attr]
            .values(status="dead", attempts=6, last_error="Forbidden: bot was blocked by the user")
        )
        await s.commit()
    assert ids
    return [int(i) for i in ids if i is not None]


async def test_undelivered_notices_on_the_case_page_and_the_board(desk: DeskServer) -> None:
    number = await desk.open_case(id_number=None)
    await act(desk, number, "accept", "tax01")
    dead = await _kill_complainant_notices(desk, number)
    quiet = await desk.open_case(name="钱七", id_number=None)
    office, tax, hrss = desk.client(), desk.client(), desk.client()
    try:
        await office.sign_in(desk.tokens["office01"])
        page = f"/console/cases/{number}"
        _, html, _ = await office.get(page)
        section = html[html.index('id="undelivered"') : html.index("反映内容")]
        assert "bot was blocked" in section and "缴费人" in section and PHONE in section
        assert section.count("重新发送") == len(dead)
        assert 'id="undelivered"' not in (await office.get(f"/console/cases/{quiet}"))[1]
        # The board counts them and links the case.
        _, html, _ = await office.get("/console/board")
        assert f"{len(dead)} 条" in html and f'href="/console/cases/{number}#undelivered"' in html

        # The lead agency retries one (the staff API's retry_dead): pending again.
        await tax.sign_in(desk.tokens["tax01"])
        _, html, _ = await tax.get(page)
        assert "重新发送" in html
        token = await tax.csrf(page)
        status, _, resp = await tax.post(
            f"{page}/outbox/{dead[0]}/retry", {"_csrf": token}, follow=False
        )
        assert status == 303 and resp.headers["Location"].endswith("#undelivered")
        async with desk.ctx.db.session() as s:
            row = await s.get(OutboxMessage, dead[0])
            assert row is not None and (row.status, row.attempts) == ("pending", 0)
        _, html, _ = await tax.get(resp.headers["Location"])
        assert f"通知 #{dead[0]} 已重新排队" in html
        # Not a dead letter (any more), or one of another case: 404; no retry for others.
        status, _, _ = await tax.post(f"{page}/outbox/{dead[0]}/retry", {"_csrf": token})
        assert status == 404
        status, _, _ = await tax.post(
            f"/console/cases/{quiet}/outbox/{dead[-1]}/retry", {"_csrf": token}
        )
        assert status == 404
        await hrss.sign_in(desk.tokens["hrss01"])
        h_token = await hrss.csrf("/console/cases")
        status, _, _ = await hrss.post(f"{page}/outbox/{dead[-1]}/retry", {"_csrf": h_token})
        assert status == 403
    finally:
        for c in (office, tax, hrss):
            await c.close()


async def test_hostile_query_strings_are_one_sentence(desk: DeskServer) -> None:
    """PostgreSQL refuses NUL in text: the desk must refuse it first, as the API does."""
    number = await desk.open_case(id_number=None)
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["office01"])
        for path in (
            "/console/cases?q=%00",
            "/console/cases?q=%E5%BC%A0%01",
            "/console/cases?status=%00",
            "/console/cases?page=%00",
            "/console/stats?date_from=%00",
            "/console/export?format=csv&q=%00",
            "/console/access?number=%00",
            "/console/access?actor=tax01%00",
            f"/console/cases/{number}?failed=%00",
        ):
            status, html, resp = await client.get(path)
            assert status == 400, path
            assert resp.content_type == "text/html" and "含有不可见的控制字符" in html, path
        status, html, _ = await client.get("/console/cases?q=" + "张" * 101)
        assert status == 400 and "q" in html and "太长" in html
        status, html, _ = await client.get("/console/cases?x=" + "a" * 2000)
        assert status == 400 and "太长" in html
        status, html, _ = await client.get("/console/cases/YC%00")
        assert status == 404
        # The same sentence as the staff API for the same query.
        async with client.http.get(
            "/api/v1/cases?q=%00",
            headers={"Authorization": f"Bearer {desk.tokens['office01']}"},
        ) as resp:
            api_error = (await resp.json())["error"]
        assert api_error in (await client.get("/console/cases?q=%00"))[1]
    finally:
        await client.close()


async def test_typed_text_survives_an_expired_session(desk: DeskServer, clock: Any) -> None:
    number = await desk.open_case(id_number=None)
    await act(desk, number, "accept", "tax01")
    page = f"/console/cases/{number}"
    reply = "经核查，您2025年的缴费基数已按实际工资更正，多缴部分将退回。" * 3
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["tax01"])
        token = await client.csrf(page)
        clock.advance(hours=IDLE_HOURS + 0.5)  # the phone was left on the desk
        status, html, _ = await client.post(
            f"{page}/reply", {"_csrf": token, "reply": reply, "text": "内部：已核对台账"}
        )
        assert status == 401 and "请先登录" in html and reply in html
        assert (await desk.ctx.cases.detail(number)).status == "accepted"  # nothing done
        # Sign in from that page: the case page opens with the form filled, not sent.
        fields = dict(HIDDEN.findall(html))
        assert fields["resume_kind"] == "reply" and fields["next"] == page
        data = {**fields, "token": desk.tokens["tax01"]}
        status, _, resp = await client.post("/console/login", data, follow=False)
        assert status == 303 and resp.headers["Location"].startswith(f"{page}?failed=reply")
        _, html, _ = await client.get(resp.headers["Location"])
        assert "内容没有提交" in form_error(html, "reply")
        assert f">{reply}</textarea>" in html and ">内部：已核对台账</textarea>" in html
        assert (await desk.ctx.cases.detail(number)).status == "accepted"
        # Too long for a cookie: the page answers the sign-in itself, text still there.
        long_reply = prose(4000)
        token = await client.csrf(page)
        clock.advance(hours=IDLE_HOURS + 0.5)
        status, html, _ = await client.post(f"{page}/reply", {"_csrf": token, "reply": long_reply})
        data = {**dict(HIDDEN.findall(html)), "token": desk.tokens["tax01"]}
        status, html, _ = await client.post("/console/login", data, follow=False)
        assert status == 200 and f">{long_reply}</textarea>" in html
        assert (await client.get(page, follow=False))[0] == 200  # signed in
        # A cross-site post carries nothing into the sign-in page.
        anonymous = desk.client()
        status, html, _ = await anonymous.post(
            f"{page}/reply",
            {"_csrf": "x", "reply": "恶意预填"},
            headers={"Origin": "https://evil.example"},
        )
        await anonymous.close()
        assert status == 401 and "恶意预填" not in html
    finally:
        await client.close()


async def test_refused_reply_too_long_for_a_cookie_is_shown_directly(desk: DeskServer) -> None:
    number = await desk.open_case(id_number=None)
    page = f"/console/cases/{number}"
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["tax01"])
        token = await client.csrf(page)
        text = prose(3000)  # the case is not accepted yet: a reply is refused
        status, html, _ = await client.post(f"{page}/reply", {"_csrf": token, "reply": text})
        assert status in (400, 409) and f">{text}</textarea>" in html
    finally:
        await client.close()


async def test_timeline_shows_what_the_complainant_was_told_and_new_dates(
    desk: DeskServer,
) -> None:
    number = await answered_case(desk, close=True)
    extended = await desk.open_case(name="钱七", id_number=None)
    await act(desk, extended, "extend_due", "office01", extend_days=5, text="需调取档案")
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["office01"])
        _, html, _ = await client.get(f"/console/cases/{number}")
        timeline = html[html.index('id="timeline"') :]
        closing = timeline[: timeline.index("</li>")]  # newest first: the 办结
        assert "告知缴费人" in closing and "已办结，如有疑问请来电。" in closing
        assert "内部：无异议" in closing
        detail = await desk.ctx.cases.detail(extended)
        new_due = detail.due_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        old_due = (
            datetime.fromisoformat(detail.events[-1].data["old_due"])
            .astimezone(BEIJING)
            .strftime("%Y-%m-%d %H:%M")
        )
        _, html, _ = await client.get(f"/console/cases/{extended}")
        timeline = html[html.index('id="timeline"') :]
        assert f"{old_due} → {new_due}" in timeline
    finally:
        await client.close()


async def test_only_the_actions_the_backend_allows_are_offered(desk: DeskServer) -> None:
    """The forms are exactly the backend's ``allowed_actions`` for this user now: a complex
    case not yet approved offers no written reply; a general case offers no minutes."""
    general = await desk.open_case(id_number=None)
    await act(desk, general, "accept", "tax01")
    await act(desk, general, "start_joint", "tax01", target_agency="finance")
    complex_case = await desk.open_case(name="钱七", id_number=None)
    await act(desk, complex_case, "reclassify", "office01", tier="complex", text="重大")
    await act(desk, complex_case, "accept", "tax01")
    tax, office = desk.client(), desk.client()
    try:
        await tax.sign_in(desk.tokens["tax01"])
        await office.sign_in(desk.tokens["office01"])
        forms = offered((await tax.get(f"/console/cases/{complex_case}"))[1])
        assert "上报领导小组办公室" in forms and "书面答复" not in forms
        # The lead waits for the co-agency's opinion; the office may answer first.
        forms = offered((await tax.get(f"/console/cases/{general}"))[1])
        assert "记录会商纪要" not in forms and "书面答复" not in forms
        forms = offered((await office.get(f"/console/cases/{general}"))[1])
        assert "记录会商纪要" not in forms and "书面答复" in forms
        # What is offered is exactly what the backend allows this user.
        from backend.access import actor_for
        from backend.permissions import allowed_actions
        from bot.desk.actions import FORMS

        for client, staff in ((tax, "tax01"), (office, "office01")):
            for number in (general, complex_case):
                actor = actor_for(desk.ctx.county, desk.ctx.county.staff_member(staff))
                allowed = allowed_actions(await desk.ctx.cases.detail(number), actor)
                expected = [FORMS[k].button for k in FORMS if k in allowed]
                html = (await client.get(f"/console/cases/{number}"))[1]
                assert offered(html) == expected, (staff, number)
    finally:
        await tax.close()
        await office.close()


async def test_unreadable_and_oversized_forms_get_html_pages(desk: DeskServer) -> None:
    number = await desk.open_case(id_number=None)
    page = f"/console/cases/{number}"
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["tax01"])
        token = await client.csrf(page)
        broken = (
            b'--XyZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n'
            + token.encode()
            + b"\r\n--XyZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--Xy"
        )
        for body, content_type in (
            (broken, "multipart/form-data; boundary=XyZ"),
            (b"--a\r\n\r\n", "multipart/form-data"),  # no boundary at all
            ("text=受理".encode("gbk"), "application/x-www-form-urlencoded; charset=klingon"),
        ):
            async with client.http.post(
                f"{page}/accept", data=body, headers={"Content-Type": content_type}
            ) as resp:
                html = await resp.text()
                assert resp.status == 400, (content_type, resp.status)
                assert resp.content_type == "text/html" and "无法读取" in html
        async with client.http.post(
            f"{page}/accept", data={"_csrf": token, "text": "受" * 100_000}
        ) as resp:
            html = await resp.text()
            assert resp.status == 413 and resp.content_type == "text/html"
            assert "内容太大" in html and '{"error"' not in html
        assert (await desk.ctx.cases.detail(number)).status == "registered"
        # The API keeps answering JSON.
        async with client.http.post(
            f"/api/v1/cases/{number}/accept",
            data=b"x" * 300_000,
            headers={
                "Authorization": f"Bearer {desk.tokens['tax01']}",
                "Content-Type": "application/json",
            },
        ) as resp:
            assert resp.status == 413 and resp.content_type == "application/json"
    finally:
        await client.close()


async def test_access_log_filters_and_paging(desk: DeskServer, clock: Any) -> None:
    from bot.desk.pages import ACCESS_ROWS

    number = await desk.open_case(id_number=None)
    other = await desk.open_case(name="钱七", id_number=None)
    tax, office = desk.client(), desk.client()
    try:
        await tax.sign_in(desk.tokens["tax01"])
        await tax.get(f"/console/cases/{number}")
        clock.advance(days=1)
        await office.sign_in(desk.tokens["office01"])
        for _ in range(ACCESS_ROWS + 5):
            await desk.ctx.cases.record_access(_office_actor(desk), other, "detail", via="console")
        status, html, _ = await office.get("/console/access?actor=tax01")
        assert status == 200 and html.count('<tr class="access">') == 1 and number in html
        day = (clock() - timedelta(days=1)).astimezone(BEIJING).date().isoformat()
        status, html, _ = await office.get(f"/console/access?date_to={day}")
        assert html.count('<tr class="access">') == 1 and "王建国" in html
        status, html, _ = await office.get("/console/access")
        assert html.count('<tr class="access">') == ACCESS_ROWS and 'rel="next"' in html
        status, html, _ = await office.get("/console/access?page=2")
        assert html.count('<tr class="access">') == 6 and 'rel="prev"' in html
        assert "王建国" in html  # the oldest entry is on the last page
        status, body, _ = await office.get("/console/access?format=csv&actor=tax01")
        assert len(body.splitlines()) == 2
        for bad in (
            "actor=nobody",
            "date_from=2026-13-01",
            "date_from=2026-03-05&date_to=2026-03-01",
        ):
            assert (await office.get(f"/console/access?{bad}"))[0] == 400, bad
    finally:
        await tax.close()
        await office.close()


def _office_actor(desk: DeskServer) -> Any:
    from backend.access import actor_for

    return actor_for(desk.ctx.county, desk.ctx.county.staff_member("office01"))


class _Down:
    """A case service whose database went away."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))

        return fail


async def test_database_outage_is_503_and_logged_once(
    desk: DeskServer, caplog: pytest.LogCaptureFixture
) -> None:
    number = await desk.open_case(id_number=None)
    client = desk.client()
    api = {"Authorization": f"Bearer {desk.tokens['office01']}"}
    real = desk.ctx.cases
    try:
        await client.sign_in(desk.tokens["office01"])
        caplog.clear()
        caplog.set_level(logging.INFO)
        desk.ctx.cases = _Down(real)  # type: ignore[assignment]
        for _ in range(3):
            for path in ("/console/cases", f"/console/cases/{number}"):
                status, html, resp = await client.get(path)
                assert status == 503 and resp.content_type == "text/html", path
                assert "数据库暂时不可用" in html and resp.headers["Retry-After"] == "5"
            async with client.http.get("/api/v1/cases", headers=api) as resp:
                assert resp.status == 503 and resp.content_type == "application/json"
                assert resp.headers["Retry-After"] == "5"
        down = [r for r in caplog.records if "database unavailable" in r.getMessage()]
        assert len(down) == 1 and down[0].exc_info is None
        assert "Traceback" not in caplog.text
        desk.ctx.cases = real
        assert (await client.get("/console/cases"))[0] == 200
        back = [r for r in caplog.records if "available again" in r.getMessage()]
        assert len(back) == 1 and "9 requests" in back[0].getMessage()
    finally:
        desk.ctx.cases = real
        await client.close()


def test_the_edge_answers_console_paths_in_html() -> None:
    """What ``bot.server.edge_guard`` answers before the console sees a request (a body over
    its limit, a deadline): an HTML page in Chinese under /console, JSON elsewhere."""
    from aiohttp.test_utils import make_mocked_request

    from bot.desk.core import edge_error

    page = edge_error(make_mocked_request("POST", "/console/cases/X/reply"), 413, "请求<太大>")
    assert page is not None and page.status == 413 and page.content_type == "text/html"
    assert page.text is not None and "请求&lt;太大&gt;" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert edge_error(make_mocked_request("POST", "/api/v1/cases/X/reply"), 413, "x") is None
    assert edge_error(make_mocked_request("GET", "/consolex"), 413, "x") is None


class _Cable:
    """A TCP relay to PostgreSQL that the test can cut (the database "goes away") and mend."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def connect(self, port: int = 0) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        self.writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, ConnectionError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.writers:
            w.close()
        self.writers = []
        await self.server.wait_closed()


@pytest.mark.postgres
async def test_a_real_postgresql_outage(
    postgres_db_url: str, county: Any, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL unreachable (connections cut, new ones refused): the desk and the API answer
    503 with Retry-After, in HTML and in JSON, logged once; when it is back, pages work again
    and the return is logged."""
    from urllib.parse import urlsplit

    from backend.db import Database

    parts = urlsplit(postgres_db_url)
    cable = _Cable(parts.port or 5432)
    port = await cable.connect()
    db = await Database.connect(postgres_db_url.replace(f":{parts.port}/", f":{port}/"))
    await db.upgrade()
    try:
        async with running_desk(db, county, clock) as desk:
            number = await desk.open_case(id_number=None)
            client = desk.client()
            api = {"Authorization": f"Bearer {desk.tokens['office01']}"}
            await client.sign_in(desk.tokens["office01"])
            assert (await client.get(f"/console/cases/{number}"))[0] == 200
            token = await client.csrf(f"/console/cases/{number}")
            caplog.clear()
            caplog.set_level(logging.INFO)
            await cable.cut()
            for _ in range(3):
                for path in ("/console/cases", f"/console/cases/{number}", "/console/board"):
                    status, html, resp = await client.get(path)
                    assert (status, resp.content_type) == (503, "text/html"), path
                    assert "数据库暂时不可用" in html and resp.headers["Retry-After"] == "5"
                for method, path in (
                    ("GET", "/api/v1/cases"),
                    ("GET", f"/api/v1/cases/{number}"),
                    ("POST", f"/api/v1/cases/{number}/accept"),
                    ("GET", "/api/v1/stats"),
                    ("GET", "/api/v1/export?format=csv"),
                    ("GET", "/api/v1/outbox/dead"),
                    ("GET", "/api/v1/access-log"),
                ):
                    async with client.http.request(method, path, headers=api) as resp:
                        assert (resp.status, resp.content_type) == (503, "application/json"), path
                        assert resp.headers["Retry-After"] == "5"
            # A form sent meanwhile: not done, and what was typed is on the page to copy.
            status, html, _ = await client.post(
                f"/console/cases/{number}/accept", {"_csrf": token, "text": "受理：电话核实中"}
            )
            assert status == 503 and ">受理：电话核实中</textarea>" in html
            down = [r for r in caplog.records if "database unavailable" in r.getMessage()]
            assert len(down) == 1 and "Traceback" not in caplog.text
            assert not [r for r in caplog.records if r.exc_info]
            await cable.connect(port)
            for _ in range(20):  # the pool drops the dead connections and makes new ones
                status, _, _ = await client.get("/console/cases")
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            assert status == 200
            assert len([r for r in caplog.records if "available again" in r.getMessage()]) == 1
            await client.close()
    finally:
        await cable.cut()
        await db.dispose()
