"""The console in a real browser: Debian's Chromium driven by Playwright (its own browser
download is not reachable here, so it launches the system executable). One browser for the
module, one server per database backend; each test in a fresh browser context.

Covered: sign in, filter, open a case, act on it and see the timeline change, another agency's
403 and missing link, a form without its CSRF token refused, no console errors on any page,
the 督办 board on a phone, and screenshots at 1280 px and 375 px (in the test's tmp dir).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from desk_harness import PHONE
from desk_live import LiveServer, MovableClock

BEIJING = ZoneInfo("Asia/Shanghai")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: As the machine notes say: no sandbox as root, and no background connections (the
#: network is closed; Chromium's attempts would be refused many times a second).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE_SIZE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        reason = "没有 Chromium（apt-get install -y chromium；.ci/run 会安装）"
        if os.environ.get("CI") or os.environ.get("YICHUANG_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _postgres_url(reason: str | None) -> Iterator[str]:
    from desk_pg import admin, need_postgres, url

    need_postgres(reason)
    name = f"yc_desk_{uuid.uuid4().hex[:10]}"
    # Playwright's sync API keeps an event loop of its own in this thread: use another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, admin(f'CREATE DATABASE "{name}"')).result()
        try:
            yield url(name)
        finally:
            drop = admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            pool.submit(asyncio.run, drop).result()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def live(
    request: pytest.FixtureRequest,
    county: Any,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_available: str | None,
) -> Iterator[LiveServer]:
    if request.param == "sqlite":
        urls: Iterator[str] = iter(
            [f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('desk') / 'desk.db'}"]
        )
    else:
        urls = _postgres_url(postgres_available)
    url = next(urls)
    clock = MovableClock(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    attachments = tmp_path_factory.mktemp("desk-attachments")
    server = LiveServer(url, county, clock, attachments_dir=attachments).start()
    try:
        yield server
    finally:
        server.stop()
        for _ in urls:  # drop the PostgreSQL database
            pass


def open_case(live: LiveServer, description: str, **kw: Any) -> str:
    from backend.drafts import CaseDraft, ComplainantDraft

    draft = CaseDraft(
        channel="telegram",
        channel_user=kw.pop("user", "user-1"),
        description=description,
        category=kw.pop("category", "contribution_amount"),
        complainant=ComplainantDraft(name=kw.pop("name", "张三"), phone=PHONE, **kw),
    )
    return live.call(lambda: live.ctx.cases.open_case(draft)).number  # type: ignore[no-any-return]


def send_photo(live: LiveServer, number: str) -> str:
    """The complainant sends a 64×48 photo about the case; its ref."""
    import tests.backend.attachment_samples as samples
    from backend.attachments.records import Upload

    upload = Upload(
        data=samples.image("PNG", (64, 48), seed=5),
        kind="image",
        channel="telegram",
        user_ref="user-1",
        received_at=live.clock(),
        declared_name="收据.png",
        message_id=f"photo-{number}",
    )
    got = live.call(lambda: live.ctx.attachments.receive(upload, case_number=number))
    assert not got.refused and got.attachment is not None, got.sentence
    return str(got.attachment.ref)


class Watched:
    """A page whose console errors, uncaught exceptions and failed sub-resources (style
    sheet, icon…) are collected. A page answered 4xx on purpose is not an error; Chromium's
    console line about it ("Failed to load resource") is left out for that reason."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")


def sign_in(live: LiveServer, watched: Watched, staff: str, path: str = "/console/cases") -> None:
    page = watched.page
    page.goto(live.base + path)
    assert "/console/login" in page.url
    page.fill("#token", live.tokens[staff])
    page.click("button:has-text('登录')")
    page.wait_for_url(live.base + path)


def test_sign_in_filter_open_act_and_see_the_timeline(
    chromium: Any, live: LiveServer, tmp_path: Path
) -> None:
    live.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    number = open_case(
        live,
        "单位从2025年起少报我的缴费基数<b>不是粗体</b>",
        category="contribution_base",
        name="刘桂芳",
        id_number="140522195803151231",
    )
    open_case(live, "重复缴费要退", category="refund", name="赵六")
    photo = send_photo(live, number)
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    watched = Watched(context)
    page = watched.page
    try:
        sign_in(live, watched, "tax01")
        assert page.locator("h1").first.inner_text().startswith("案件")
        # Filter by category: the other case disappears from the list.
        page.select_option("select[name=category]", "contribution_base")
        page.click("button:has-text('筛选')")
        page.wait_for_url("**category=contribution_base**")
        links = page.locator("table.cases a")
        assert links.count() == 1 and links.first.inner_text() == number
        page.screenshot(path=str(tmp_path / "cases-1280.png"), full_page=True)

        links.first.click()
        page.wait_for_url(f"**/console/cases/{number}")
        assert "<b>不是粗体</b>" in page.inner_text("section.card p.text")  # shown, not obeyed
        assert "140522195803151231" in page.content()
        # The resident's photo renders inline, through the authorised route (CSP allows it).
        image = page.locator("#attachments img")
        assert image.get_attribute("src") == f"/console/cases/{number}/attachments/{photo}"
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const i = document.querySelector('#attachments img');"
            " return i && i.complete && i.naturalWidth === 64; }"
        )
        before = page.locator("ol.timeline li").count()

        page.click("summary:has-text('受理')")
        page.fill("#accept-text", "已受理，请核对工资台账")
        page.click("#form-accept button[type=submit]")
        page.wait_for_url(f"**/console/cases/{number}#timeline")
        items = page.locator("ol.timeline li")
        assert items.count() == before + 1
        assert "已受理，请核对工资台账" in items.first.inner_text()
        assert "已受理，正在办理" in page.inner_text("h1")

        # A reason of spaces passes the browser's "required" but not the server: one
        # sentence next to the form, which stays open with the agency still chosen.
        page.click("summary:has-text('移送')")
        page.select_option("#transfer-target_agency", label="云川县人力资源和社会保障局")
        page.fill("#transfer-text", "   ")
        page.click("#form-transfer button[type=submit]")
        page.wait_for_url(f"**/console/cases/{number}?failed=transfer#form-transfer")
        assert page.inner_text("#form-transfer .error") == "请填写移送理由。"
        assert page.input_value("#transfer-target_agency") == "hrss"
        page.fill("#transfer-text", "属人社局职责")
        page.click("#form-transfer button[type=submit]")
        page.wait_for_url(f"**/console/cases/{number}#timeline")
        assert "移送" in page.locator("ol.timeline li").first.inner_text()
        assert "人力资源和社会保障局" in page.inner_text("dl.facts")
        page.screenshot(path=str(tmp_path / "case-1280.png"), full_page=True)

        # The same pages on a phone: nothing wider than the screen.
        page.set_viewport_size(PHONE_SIZE)
        for path, shot in (
            (f"/console/cases/{number}", "case-375.png"),
            ("/console/cases", "cases-375.png"),
        ):
            page.goto(live.base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
            page.screenshot(path=str(tmp_path / shot), full_page=True)
        assert watched.errors == []
    finally:
        context.close()
    for shot in ("cases-1280.png", "case-1280.png", "case-375.png", "cases-375.png"):
        assert (tmp_path / shot).stat().st_size > 10_000, shot


def test_another_agency_and_a_form_without_csrf(chromium: Any, live: LiveServer) -> None:
    number = open_case(live, "单位扣了社保没有交", category="contribution_amount", name="周九")
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    watched = Watched(context)
    page = watched.page
    try:
        sign_in(live, watched, "medical01")
        assert page.locator(f'a[href="/console/cases/{number}"]').count() == 0
        response = page.goto(f"{live.base}/console/cases/{number}")
        assert response is not None and response.status == 403
        assert "无权查看" in page.inner_text("main")
        context.clear_cookies()

        sign_in(live, watched, "tax01", f"/console/cases/{number}")
        page.click("summary:has-text('受理')")
        page.evaluate("document.querySelector('#form-accept input[name=_csrf]').remove()")
        page.fill("#accept-text", "受理")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("#form-accept button[type=submit]")
        assert posted.value.status == 403
        assert "已拒绝" in page.inner_text("main")
        detail = live.call(lambda: live.ctx.cases.detail(number))
        assert detail.status == "registered"
        assert watched.errors == []
    finally:
        context.close()


def test_office_board_and_statistics_on_a_phone(
    chromium: Any, live: LiveServer, tmp_path: Path
) -> None:
    live.clock.set(datetime(2026, 2, 20, 9, 0, tzinfo=BEIJING))
    late = open_case(live, "公司欠缴社保三个月", category="arrears", name="吴十")
    live.clock.set(datetime(2026, 3, 6, 10, 0, tzinfo=BEIJING))
    context = chromium.new_context(viewport=PHONE_SIZE, locale="zh-CN", is_mobile=True)
    watched = Watched(context)
    page = watched.page
    try:
        sign_in(live, watched, "office01", "/console/board")
        row = page.locator("tr", has=page.locator(f'a[href="/console/cases/{late}"]'))
        assert "已超期" in row.inner_text()
        row.locator("button:has-text('发送督办提醒')").click()
        page.wait_for_url("**/console/board?sent=*")
        assert f"已向牵头单位发送案件 {late} 的督办提醒" in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "board-375.png"), full_page=True)
        page.goto(live.base + "/console/stats")
        assert page.locator("svg.chart").count() >= 6
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
        page.screenshot(path=str(tmp_path / "stats-375.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(tmp_path / "stats-1280.png"), full_page=True)
        page.goto(live.base + "/console/access")
        assert "个人信息查阅记录" in page.inner_text("h1")
        assert watched.errors == []
    finally:
        context.close()


def _shots(tmp_path: Path) -> Path:
    """Where screenshots go: the test's tmp dir, or YICHUANG_SHOTS to keep them."""
    kept = os.environ.get("YICHUANG_SHOTS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        return Path(kept)
    return tmp_path


def test_phone_call_verdict_and_undelivered_notice_on_a_phone(
    chromium: Any, live: LiveServer, tmp_path: Path
) -> None:
    """A complainant who blocked the bot: the lead agency sees the undelivered notice with
    the phone number on the case page, sends it again, and records the verdict given by
    phone; a refused form leaves the browser on the case page with the error by its form."""
    import sqlalchemy as sa

    from backend.access import actor_for
    from backend.models import Case, OutboxMessage
    from backend.workflow import StaffAction

    live.clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=BEIJING))
    number = open_case(live, "养老保险少记了三个月", name="郑十一")
    county = live.county

    async def prepare() -> None:
        tax = actor_for(county, county.staff_member("tax01"))
        for kind, fields in (
            ("accept", {}),
            ("reply", {"reply": "经核查，已补记三个月缴费记录。"}),
            ("close", {"reply": "已办结。", "text": "内部：电话确认"}),
        ):
            await live.ctx.cases.act(number, StaffAction(kind=kind, actor=tax, **fields))
        async with live.ctx.db.session(write=True) as s:
            case_id = await s.scalar(sa.select(Case.id).where(Case.number == number))  # type: ignore[arg-type]
            await s.execute(
                sa.update(OutboxMessage)
                .where(
                    OutboxMessage.case_id == case_id,  # type: ignore[arg-type]
                    OutboxMessage.kind == "to_complainant",  # type: ignore[arg-type]
                )
                .values(status="dead", attempts=6, last_error="Forbidden: bot was blocked")
            )
            await s.commit()

    live.call(prepare)
    shots = _shots(tmp_path)
    context = chromium.new_context(viewport=PHONE_SIZE, locale="zh-CN", is_mobile=True)
    watched = Watched(context)
    page = watched.page
    try:
        sign_in(live, watched, "tax01", f"/console/cases/{number}")
        undelivered = page.locator("#undelivered")
        assert PHONE in undelivered.inner_text() and "bot was blocked" in undelivered.inner_text()
        page.screenshot(path=str(shots / "case-undelivered-375.png"), full_page=True)
        undelivered.locator("button:has-text('重新发送')").first.click()
        page.wait_for_url("**?retried=*#undelivered")
        assert "已重新排队" in page.inner_text("#undelivered")
        # An objection without its text: refused, the browser stays on the case page.
        page.click("summary:has-text('记录异议')")
        page.select_option("#object-route", "arbitration")
        page.evaluate("document.querySelector('#object-text').removeAttribute('required')")
        page.click("#form-object button[type=submit]")
        page.wait_for_url(f"**/console/cases/{number}?failed=object#form-object")
        assert page.inner_text("#form-object .error") == "请填写缴费人的异议内容。"
        assert page.input_value("#object-route") == "arbitration"
        # The verdict given on the phone.
        page.click("summary:has-text('记录缴费人评价')")
        page.select_option("#feedback-verdict", "satisfied")
        page.fill("#feedback-text", "电话回访：满意")
        page.click("#form-feedback button[type=submit]")
        page.wait_for_url(f"**/console/cases/{number}#timeline")
        assert "满意" in page.inner_text("dl.facts")
        assert "告知缴费人" in page.inner_text("#timeline")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
        page.screenshot(path=str(shots / "case-verdict-375.png"), full_page=True)
        detail = live.call(lambda: live.ctx.cases.detail(number))
        assert detail.satisfaction == "satisfied"
        # The session ends while an objection is being typed: it is kept through sign-in.
        page.click("summary:has-text('记录异议')")
        page.fill("#object-text", "缴费人来电：对补记月份仍有异议")
        live.clock.advance(hours=3)
        page.click("#form-object button[type=submit]")
        assert "缴费人来电：对补记月份仍有异议" in page.input_value("#kept textarea")
        page.screenshot(path=str(shots / "login-kept-375.png"), full_page=True)
        page.fill("#token", live.tokens["tax01"])
        page.click("button:has-text('登录')")
        page.wait_for_url(f"**/console/cases/{number}?failed=object#form-object")
        assert page.input_value("#object-text") == "缴费人来电：对补记月份仍有异议"
        assert "没有提交" in page.inner_text("#form-object .error")
        assert watched.errors == []
    finally:
        context.close()
    office = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    watched = Watched(office)
    try:
        sign_in(live, watched, "office01", "/console/board")
        assert "未送达的通知" in watched.page.inner_text("#undelivered")
        watched.page.screenshot(path=str(shots / "board-1280.png"), full_page=True)
        assert watched.errors == []
    finally:
        office.close()
