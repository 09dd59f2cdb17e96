"""The console's security, over HTTP against the real server (SQLite and PostgreSQL):
no page without a session, session fixation, open redirects, escaping, CSRF, agency scoping,
cookie attributes, expiry, sign-out and the response headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from desk_harness import ID_NUMBER, DeskServer, running_desk

from bot.desk.core import SESSION_COOKIE
from bot.desk.sessions import IDLE_HOURS, SESSION_HOURS


@pytest.fixture
async def desk(database: Any, county: Any, clock: Any) -> AsyncIterator[DeskServer]:
    async with running_desk(database, county, clock) as server:
        yield server


async def _status(desk: DeskServer, number: str) -> str:
    return str((await desk.ctx.cases.detail(number)).status)


async def test_no_page_without_a_session(desk: DeskServer) -> None:
    number = await desk.open_case()
    client = desk.client()
    try:
        for path in (
            "/console/cases",
            f"/console/cases/{number}",
            "/console/board",
            "/console/stats",
            "/console/export?format=csv",
            "/console/cases?q=张三",
        ):
            status, _, resp = await client.get(path, follow=False)
            assert status == 303, path
            assert resp.headers["Location"].startswith("/console/login?next=/console/"), path
        # A form sent without a session changes nothing (refused before the CSRF check).
        status, html, _ = await client.post(
            f"/console/cases/{number}/accept", {"_csrf": "x", "text": "受理"}
        )
        assert status == 401 and "请先登录" in html
        assert await _status(desk, number) == "registered"
        # Only sign-in and the style sheet are public.
        assert (await client.get("/console/login"))[0] == 200
        assert (await client.get("/console/static/console.css"))[0] == 200
    finally:
        await client.close()


async def test_session_fixation_is_not_possible(desk: DeskServer) -> None:
    planted = "attacker-chosen-session-id-0123456789"
    client = desk.client()
    victim = desk.client()
    try:
        # A session id the server did not issue is not a session...
        client.plant(SESSION_COOKIE, planted)
        status, _, _ = await client.get("/console/cases", follow=False)
        assert status == 303
        # ...and signing in never adopts the id the browser brought.
        await client.sign_in(desk.tokens["tax01"])
        first = client.cookie(SESSION_COOKIE)
        assert first and first != planted
        assert (await client.get("/console/cases", follow=False))[0] == 200
        # Signing in again (as someone else) ends the old session and issues a new id.
        await client.sign_in(desk.tokens["hrss01"])
        second = client.cookie(SESSION_COOKIE)
        assert second and second != first
        victim.plant(SESSION_COOKIE, first)
        assert (await victim.get("/console/cases", follow=False))[0] == 303
    finally:
        await client.close()
        await victim.close()


#: Places a sign-in must never send the browser to (or through).
HOSTILE_NEXT = (
    "https://evil.example/",
    "//evil.example/console/cases",
    "/\\evil.example",
    "/console/../api/v1/cases",
    "javascript:alert(1)",
    "/console//evil.example",
    "/console/cases\r\nSet-Cookie: x=1",
    "/api/v1/cases",
)


async def test_no_open_redirect_after_sign_in(desk: DeskServer) -> None:
    client = desk.client()
    try:
        for target in HOSTILE_NEXT:
            # The sign-in page does not carry it into its form...
            status, html, _ = await client.get(f"/console/login?next={quote(target)}")
            assert status == 200 and 'name="next" value="/console/cases"' in html, target
            # ...and a sign-in posted with it lands on the case list.
            resp = await client.sign_in(desk.tokens["tax01"], target)
            assert resp.status == 303, target
            assert resp.headers["Location"] == "/console/cases", target
            client.http.cookie_jar.clear()
    finally:
        await client.close()


async def test_sign_in_goes_back_to_the_page_asked_for(desk: DeskServer) -> None:
    number = await desk.open_case()
    client = desk.client()
    try:
        _, _, resp = await client.get(f"/console/cases/{number}", follow=False)
        next_path = resp.headers["Location"].split("next=", 1)[1]
        resp = await client.sign_in(desk.tokens["tax01"], next_path)
        assert resp.headers["Location"] == f"/console/cases/{number}"
    finally:
        await client.close()


async def test_complainants_html_is_escaped(desk: DeskServer) -> None:
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>扣多了"
    number = await desk.open_case(evil, name="<b>王五</b>")
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["tax01"])
        for path in (f"/console/cases/{number}", "/console/cases"):
            status, html, _ = await client.get(path)
            assert status == 200
            assert "<script>alert" not in html and "<img src=x" not in html
            assert "<b>王五</b>" not in html and "&lt;b&gt;王五&lt;/b&gt;" in html
        status, html, _ = await client.get(f"/console/cases/{number}")
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    finally:
        await client.close()


async def test_forms_without_the_csrf_token_are_refused(desk: DeskServer) -> None:
    number = await desk.open_case()
    client = desk.client()
    other = desk.client()
    try:
        await client.sign_in(desk.tokens["tax01"])
        await other.sign_in(desk.tokens["tax02"])
        others_token = await other.csrf("/console/cases")
        path = f"/console/cases/{number}/accept"
        for data in (
            {"text": "受理"},
            {"_csrf": "", "text": "受理"},
            {"_csrf": "0" * 64, "text": "受理"},
            {"_csrf": others_token, "text": "受理"},  # another session's token
        ):
            status, html, _ = await client.post(path, data)
            assert status == 403 and "已拒绝" in html
            # Nothing done, but what was typed is back in its form to send again.
            assert '<details class="action" open>' in html and ">受理</textarea>" in html
        assert await _status(desk, number) == "registered"
        # Not from our page (another site): the error page only, nothing echoed.
        status, html, _ = await client.post(
            path, {"text": "别人预填"}, headers={"Origin": "https://evil.example"}
        )
        assert status == 403 and "已拒绝" in html and "别人预填" not in html
        # Sign-out needs the token too; without it the session stays.
        status, _, _ = await client.post("/console/logout", {})
        assert status == 403
        assert (await client.get("/console/cases", follow=False))[0] == 200
        # With the page's own token the same form goes through.
        token = await client.csrf(f"/console/cases/{number}")
        status, _, _resp = await client.post(path, {"_csrf": token, "text": "受理"}, follow=False)
        assert status == 303 and await _status(desk, number) == "accepted"
    finally:
        await client.close()
        await other.close()


async def test_sign_in_form_has_its_own_csrf_token(desk: DeskServer) -> None:
    client = desk.client()
    try:
        status, _, _ = await client.post(
            "/console/login", {"token": desk.tokens["tax01"], "_csrf": "guess"}
        )
        assert status == 403
        assert client.cookie(SESSION_COOKIE) is None
        # A wrong token with the right form token: one sentence, no session.
        token = await client.csrf("/console/login")
        status, html, _ = await client.post(
            "/console/login", {"token": "ycs_wrong", "_csrf": token}
        )
        assert status == 401 and "令牌无效或已吊销" in html
        assert client.cookie(SESSION_COOKIE) is None
    finally:
        await client.close()


async def test_another_agency_gets_403_and_no_link(desk: DeskServer) -> None:
    number = await desk.open_case()  # 缴费金额 after the reform: 税务 leads
    detail = await desk.ctx.cases.detail(number)
    assert detail.lead_agency == "tax" and "medical" not in detail.co_agencies
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["medical01"])
        status, html, _ = await client.get("/console/cases")
        assert status == 200 and number not in html
        status, html, _ = await client.get(f"/console/cases/{number}")
        assert status == 403 and "无权查看" in html and "140522" not in html
        token = await client.csrf("/console/cases")
        status, _, _ = await client.post(
            f"/console/cases/{number}/accept", {"_csrf": token, "text": "受理"}
        )
        assert status == 403 and await _status(desk, number) == "registered"
        # Nor through the filters, the statistics or the export.
        status, html, _ = await client.get("/console/cases?agency=tax")
        assert number not in html and "只能查看本单位" in html
        status, body, _ = await client.get("/console/export?format=csv&agency=tax")
        assert status == 200 and number not in body
        status, _, _ = await client.get("/console/board")
        assert status == 403
    finally:
        await client.close()


async def test_cookie_attributes_expiry_and_sign_out(desk: DeskServer, clock: Any) -> None:
    client = desk.client()
    try:
        resp = await client.sign_in(desk.tokens["office01"])
        header = next(v for v in resp.headers.getall("Set-Cookie") if SESSION_COOKIE in v)
        lowered = header.lower()
        assert "httponly" in lowered and "samesite=lax" in lowered
        assert "path=/console" in lowered and f"max-age={SESSION_HOURS * 3600}" in lowered
        assert (await client.get("/console/cases", follow=False))[0] == 200
        # Used now and then, a session lasts SESSION_HOURS, whatever the browser keeps.
        for _ in range(SESSION_HOURS - 1):
            clock.advance(hours=1)
            assert (await client.get("/console/cases", follow=False))[0] == 200
        clock.advance(hours=1.1)
        assert (await client.get("/console/cases", follow=False))[0] == 303
        # Left alone for IDLE_HOURS, it ends sooner.
        await client.sign_in(desk.tokens["office01"])
        clock.advance(hours=IDLE_HOURS + 0.1)
        assert (await client.get("/console/cases", follow=False))[0] == 303
        # Sign-out deletes the session: the same id is worthless afterwards.
        await client.sign_in(desk.tokens["office01"])
        session_id = client.cookie(SESSION_COOKIE)
        token = await client.csrf("/console/cases")
        status, _, resp = await client.post("/console/logout", {"_csrf": token}, follow=False)
        assert status == 303 and resp.headers["Location"] == "/console/login"
        again = desk.client()
        again.plant(SESSION_COOKIE, session_id or "")
        assert (await again.get("/console/cases", follow=False))[0] == 303
        await again.close()
    finally:
        await client.close()


async def test_pages_send_security_headers(desk: DeskServer) -> None:
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["office01"])
        _, _, resp = await client.get("/console/cases")
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Cache-Control"] == "no-store"
        status, html, _ = await client.get("/console/no-such-page")
        assert status == 404 and "没有这个页面" in html and "Traceback" not in html
    finally:
        await client.close()


async def test_hostile_form_input(desk: DeskServer) -> None:
    """NUL and control characters (PostgreSQL refuses NUL) are dropped; an over-long text or
    a non-number gets one sentence, never a stack trace."""
    number = await desk.open_case()
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["tax01"])
        page = f"/console/cases/{number}"
        token = await client.csrf(page)
        html = await client.refused(f"{page}/accept", {"_csrf": token, "text": "x" * 6000})
        assert "内容太长了，最多 5000 字。" in html
        status, _, _ = await client.post(
            f"{page}/accept", {"_csrf": token, "text": "已受理\x00\x1b[31m，核查中"}, follow=False
        )
        assert status == 303
        detail = await desk.ctx.cases.detail(number)
        assert detail.events[-1].text == "已受理[31m，核查中"
        for query in ("page=99999999999", "page=-1", "page=%00", "q=" + "%25" * 300):
            status, html, _ = await client.get(f"/console/cases?{query}")
            assert status in (200, 400) and "Traceback" not in html, query
        status, html, _ = await client.get("/console/cases/" + "A" * 5000)
        assert status == 404 and "没有这个页面" in html
    finally:
        await client.close()


async def test_revoking_a_token_ends_the_sessions_it_opened(desk: DeskServer) -> None:
    """``staff token revoke --token T`` ends the sessions signed in with T (not the others);
    ``staff token revoke <staff>`` ends every session of that staff member, WeChat Work ones
    included. Checked on the next request, whatever the cookie's remaining lifetime."""
    from backend.auth import StaffAuth
    from bot.desk.sessions import ConsoleSessions

    number = await desk.open_case()
    page = f"/console/cases/{number}"
    auth = StaffAuth(desk.ctx.db, desk.ctx.county, desk.ctx.clock)
    second = await auth.issue("tax01")
    one, two, by_wecom, other = desk.client(), desk.client(), desk.client(), desk.client()
    try:
        await one.sign_in(desk.tokens["tax01"])
        await two.sign_in(second)
        await other.sign_in(desk.tokens["hrss01"])
        sessions = ConsoleSessions(desk.ctx.db, desk.ctx.county, desk.ctx.clock)
        signed = await sessions.create("tax01", "wecom")
        by_wecom.plant(SESSION_COOKIE, signed.session_id)
        for c in (one, two, by_wecom, other):
            assert (await c.get(page, follow=False))[0] in (200, 403)
        assert (await one.get(page, follow=False))[0] == 200

        assert await auth.revoke_token(desk.tokens["tax01"])
        status, _, resp = await one.get(page, follow=False)
        assert status == 303 and resp.headers["Location"].startswith("/console/login")
        # The ID number is not shown any more, even by a form post.
        token = await two.csrf(page)
        assert (await two.get(page, follow=False))[0] == 200  # the other token's session lives
        assert (await by_wecom.get(page, follow=False))[0] == 200

        assert await auth.revoke("tax01") == 1
        for c in (two, by_wecom):
            status, html, _ = await c.get(page, follow=False)
            assert status == 303 and ID_NUMBER not in html
        status, html, _ = await two.post(f"{page}/accept", {"_csrf": token, "text": "受理"})
        assert status == 401 and await _status(desk, number) == "registered"
        assert (await other.get("/console/cases", follow=False))[0] == 200  # hrss01 untouched
    finally:
        for c in (one, two, by_wecom, other):
            await c.close()


async def test_staff_removed_from_the_county_file_lose_access(desk: DeskServer) -> None:
    """The county file is the list of staff: once the server has a county without someone
    (reloaded into the context), their session and token open nothing on the very next
    request, and their session rows are purged at start."""
    from bot.desk.sessions import ConsoleSessions

    county = desk.ctx.county
    number = await desk.open_case()
    gone, stays = desk.client(), desk.client()
    try:
        await gone.sign_in(desk.tokens["tax01"])
        await stays.sign_in(desk.tokens["tax02"])
        session_id = gone.cookie(SESSION_COOKIE)
        assert session_id and (await gone.get(f"/console/cases/{number}"))[0] == 200
        smaller = county.model_copy(update={"staff": [s for s in county.staff if s.id != "tax01"]})
        desk.ctx.county = smaller
        status, html, _ = await gone.get(f"/console/cases/{number}", follow=False)
        assert status == 303 and ID_NUMBER not in html
        async with gone.http.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {desk.tokens['tax01']}"}
        ) as resp:
            assert resp.status == 401
        assert (await stays.get(f"/console/cases/{number}", follow=False))[0] == 200
        # The session row is gone too: the staff member added back does not revive it.
        desk.ctx.county = county
        sessions = ConsoleSessions(desk.ctx.db, county, desk.ctx.clock)
        assert await sessions.lookup(session_id) is None
        # Start-up purges the sessions of people no longer in the county file.
        await stays.sign_in(desk.tokens["tax02"])
        kept = stays.cookie(SESSION_COOKIE)
        other = await sessions.create("hrss01", "wecom")
        without = county.model_copy(update={"staff": [s for s in county.staff if s.id != "hrss01"]})
        assert await ConsoleSessions(desk.ctx.db, without, desk.ctx.clock).purge_expired() == 1
        assert await sessions.lookup(other.session_id) is None
        assert await sessions.lookup(kept) is not None
    finally:
        desk.ctx.county = county
        await gone.close()
        await stays.close()
