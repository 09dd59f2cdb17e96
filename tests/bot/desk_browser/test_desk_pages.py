"""The console's pages over HTTP against the real server (SQLite and PostgreSQL): the case list
with the API's filters and paging, the case page (full details, access log, action forms,
errors as one sentence), the 督办 board and its reminder, statistics, the register export."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from desk_harness import ID_NUMBER, DeskServer, running_desk
from sqlmodel import col

from backend.models import Attachment
from bot.desk.pages import PAGE_SIZE

BEIJING = ZoneInfo("Asia/Shanghai")
ROW = re.compile(
    r'<tr class="due-(\w+)">\s*<td data-label="案件号"><a href="/console/cases/([^"]+)">'
)


@pytest.fixture
async def desk(database: Any, county: Any, clock: Any) -> AsyncIterator[DeskServer]:
    async with running_desk(database, county, clock) as server:
        yield server


def at(clock: Any, day: int, month: int = 3, hour: int = 9) -> None:
    clock.set(datetime(2026, month, day, hour, 0, tzinfo=BEIJING))


def rows(html: str) -> dict[str, str]:
    """Case number -> highlight (overdue, due_soon, ok, done) of a list page."""
    return {number: state for state, number in ROW.findall(html)}


def form_error(html: str, kind: str) -> str:
    """The error sentence shown inside the form of ``kind``."""
    start = html.index(f'id="form-{kind}"')
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', html[start:])
    assert found, f"no error in form {kind}"
    return found.group(1)


async def test_list_filters_paging_and_highlights(desk: DeskServer, clock: Any) -> None:
    at(clock, 20, month=2)
    late = await desk.open_case(
        "公司欠缴社保好几个月了", category="arrears", name="李四", id_number=None
    )
    at(clock, 2)
    soon = await desk.open_case(name="王五", id_number=None)
    at(clock, 5)
    fresh = await desk.open_case("重复缴费要退", category="refund", name="赵六", id_number=None)
    for i in range(PAGE_SIZE - 1):  # page 1: these and ``fresh``
        await desk.open_case(name=f"填充{i}", id_number=None)
    at(clock, 6, hour=10)
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["office01"])
        status, html, _ = await client.get("/console/cases")
        first = rows(html)
        assert status == 200 and len(first) == PAGE_SIZE and late not in first
        assert 'rel="next"' in html and 'rel="prev"' not in html
        status, html, _ = await client.get("/console/cases?page=2")
        second = rows(html)
        assert set(second) == {soon, late} and 'rel="prev"' in html
        # Overdue and due-soon cases are highlighted; the others are not.
        assert second == {soon: "due_soon", late: "overdue"}
        assert set(first.values()) == {"ok"}
        assert "已超期" in html and "剩 1 个工作日" in html
        # The API's filters, one at a time and together.
        assert set(rows((await client.get("/console/cases?overdue=true"))[1])) == {late}
        assert set(rows((await client.get("/console/cases?q=李四"))[1])) == {late}
        assert set(rows((await client.get("/console/cases?category=refund"))[1])) == {fresh}
        got = rows((await client.get("/console/cases?date_from=2026-03-01&date_to=2026-03-04"))[1])
        assert set(got) == {soon}
        got = rows((await client.get("/console/cases?agency=tax&overdue=false&q=王五"))[1])
        assert set(got) == {soon}
        # Paging keeps the filters.
        status, html, _ = await client.get("/console/cases?overdue=false")
        assert 'href="/console/cases?overdue=false&amp;page=2"' in html
        # A wrong filter: one sentence, no list.
        status, html, _ = await client.get("/console/cases?date_from=2026-13-01")
        assert status == 400 and "date_from" in html and not rows(html)
        status, html, _ = await client.get("/console/cases?tier=huge")
        assert status == 400 and "tier" in html
    finally:
        await client.close()


async def test_case_page_shows_full_details_and_logs_the_view(desk: DeskServer) -> None:
    number = await desk.open_case()
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["tax01"])
        status, html, _ = await client.get("/console/cases")
        assert ID_NUMBER not in html  # the list never shows an ID number
        assert not await desk.ctx.cases.access_log(number=number)
        status, html, _ = await client.get(f"/console/cases/{number}")
        assert status == 200 and ID_NUMBER in html and "13812341427" in html
        log = await desk.ctx.cases.access_log(number=number)
        assert [(e.actor, e.via, e.what) for e in log] == [("staff:tax01", "console", "detail")]
        assert log[0].actor_name == "王建国"
    finally:
        await client.close()


async def test_actions_change_the_timeline_and_errors_are_one_sentence(
    desk: DeskServer,
) -> None:
    number = await desk.open_case()
    tax = desk.client()
    hrss = desk.client()
    office = desk.client()
    try:
        await tax.sign_in(desk.tokens["tax01"])
        page = f"/console/cases/{number}"
        _, html, _ = await tax.get(page)
        offered = re.findall(r"<summary>(.*?)</summary>", html)
        assert "受理" in offered and "移送" in offered
        assert "批准专案办理" not in offered and "延长办理时限" not in offered
        assert "办结" not in offered  # a general case is answered before it is closed
        token = await tax.csrf(page)

        status, _, resp = await tax.post(
            f"{page}/accept", {"_csrf": token, "text": "已受理，三日内核查"}, follow=False
        )
        assert status == 303 and resp.headers["Location"] == f"{page}#timeline"
        _, html, _ = await tax.get(page)
        timeline = html[html.index('id="timeline"') :]
        assert timeline.index("已受理，三日内核查") < timeline.index("登记")  # newest first
        assert "王建国（县税务局）" in timeline

        # A missing value: the form comes back with one sentence and what was typed.
        html = await tax.refused(
            f"{page}/transfer", {"_csrf": token, "target_agency": "hrss", "text": "  "}
        )
        assert form_error(html, "transfer") == "请填写移送理由。"
        assert '<details class="action" open>' in html
        html = await tax.refused(
            f"{page}/transfer", {"_csrf": token, "target_agency": "no_such", "text": "x"}
        )
        assert form_error(html, "transfer") == "请从列表中选择单位。"
        # Read once: the sentence is gone on the next visit.
        assert 'role="alert"' not in (await tax.get(page))[1]
        assert (await desk.ctx.cases.detail(number)).lead_agency == "tax"

        # Transfer with the agency chosen by name (the select shows names, posts the id).
        _, html, _ = await tax.get(page)
        assert re.search(r'<option value="hrss"\s*>云川县人力资源和社会保障局</option>', html)
        status, _, _ = await tax.post(
            f"{page}/transfer",
            {"_csrf": token, "target_agency": "hrss", "text": "属于人社局的参保登记问题"},
            follow=False,
        )
        assert status == 303
        assert (await desk.ctx.cases.detail(number)).lead_agency == "hrss"
        # The first receiver (首问) keeps read access, without actions.
        status, html, _ = await tax.get(page)
        assert status == 200 and "本账号没有可以办理的操作" in html
        assert "属于人社局的参保登记问题" in html

        await hrss.sign_in(desk.tokens["hrss01"])
        hrss_token = await hrss.csrf(page)
        await hrss.post(f"{page}/accept", {"_csrf": hrss_token, "text": ""})
        status, _, _ = await hrss.post(
            f"{page}/reply",
            {
                "_csrf": hrss_token,
                "reply": "经核查，您的养老保险已按规定补缴。",
                "text": "内部：已与税务核对",
            },
            follow=False,
        )
        assert status == 303
        detail = await desk.ctx.cases.detail(number)
        assert detail.status == "replied"
        assert detail.latest_reply is not None and "已按规定补缴" in detail.latest_reply
        # Not allowed in this state: 409 and the workflow's sentence.
        html = await hrss.refused(f"{page}/accept", {"_csrf": hrss_token, "text": ""})
        assert "不能受理" in html

        # Only the office extends a due date; a wrong number of days is one sentence.
        await office.sign_in(desk.tokens["office01"])
        number2 = await desk.open_case(name="钱七", id_number=None)
        page2 = f"/console/cases/{number2}"
        office_token = await office.csrf(page2)
        _, html, _ = await office.get(page2)
        assert "延长办理时限" in html
        html = await office.refused(
            f"{page2}/extend_due", {"_csrf": office_token, "extend_days": "abc", "text": "复杂"}
        )
        assert form_error(html, "extend_due") == "延长工作日数应为 1 到 60 的整数。"
        assert ">复杂</textarea>" in html  # what was typed is still in the form
        before = (await desk.ctx.cases.detail(number2)).due_at
        status, _, _ = await office.post(
            f"{page2}/extend_due",
            {"_csrf": office_token, "extend_days": "3", "text": "需调取档案"},
            follow=False,
        )
        assert status == 303 and (await desk.ctx.cases.detail(number2)).due_at > before
        html = await tax.refused(
            f"{page2}/extend_due", {"_csrf": token, "extend_days": "3", "text": "x"}
        )
        assert "领导小组办公室" in html
    finally:
        for c in (tax, hrss, office):
            await c.close()


async def test_board_lists_late_cases_and_sends_a_reminder(desk: DeskServer, clock: Any) -> None:
    at(clock, 20, month=2)
    late = await desk.open_case("公司欠缴社保", category="arrears", name="李四", id_number=None)
    at(clock, 5)
    calm = await desk.open_case(name="孙八", id_number=None)
    at(clock, 6, hour=10)
    office = desk.client()
    tax = desk.client()
    try:
        await office.sign_in(desk.tokens["office01"])
        status, html, _ = await office.get("/console/board")
        assert status == 200 and late in html and calm not in html
        lead = (await desk.ctx.cases.detail(late)).lead_agency
        assert desk.ctx.county.agency(lead).short_name in html and "超期 1" in html
        token = await office.csrf("/console/board")
        status, html, resp = await office.post(
            "/console/board/remind", {"_csrf": token, "number": late}, follow=False
        )
        assert status == 303
        _, html, _ = await office.get(resp.headers["Location"])
        assert f"已向牵头单位发送案件 {late} 的督办提醒" in html
        assert desk.ctx.notifier is not None
        await desk.ctx.notifier.drain()
        sent = [n for n in desk.staff_box.sent if "【督办】" in n.text]
        assert [n.recipient for n in sent] == [lead] and late in sent[0].text
        assert "140522199003151234" not in sent[0].text  # masked like every staff push
        events = (await desk.ctx.cases.detail(late)).events
        assert events[-1].action == "overdue" and events[-1].actor == "office:office01"
        # Once an hour at most.
        status, _, resp = await office.post(
            "/console/board/remind", {"_csrf": token, "number": late}, follow=False
        )
        assert status == 303 and resp.headers["Location"].endswith(f"#remind-{late}")
        status, html, _ = await office.get(resp.headers["Location"])
        row_form = html[html.index(f'id="remind-{late}"') :]
        assert status == 200 and "一小时内已经提醒过" in row_form[: row_form.index("</form>")]
        # Agencies have no board.
        await tax.sign_in(desk.tokens["tax01"])
        assert (await tax.get("/console/board"))[0] == 403
        tax_token = await tax.csrf("/console/cases")
        status, _, _ = await tax.post("/console/board/remind", {"_csrf": tax_token, "number": late})
        assert status == 403
    finally:
        await office.close()
        await tax.close()


async def test_statistics_page(desk: DeskServer, clock: Any) -> None:
    at(clock, 20, month=2)
    await desk.open_case("公司欠缴社保", category="arrears", id_number=None)
    at(clock, 2)
    answered = await desk.open_case(id_number=None)
    await desk.open_case("要退重复缴的钱", category="refund", id_number=None)
    at(clock, 6, hour=10)
    office = desk.client()
    tax = desk.client()
    try:
        await office.sign_in(desk.tokens["office01"])
        token = await office.csrf(f"/console/cases/{answered}")
        await office.post(f"/console/cases/{answered}/accept", {"_csrf": token, "text": ""})
        await office.post(
            f"/console/cases/{answered}/reply", {"_csrf": token, "reply": "已核实并更正。"}
        )
        status, html, _ = await office.get("/console/stats")
        assert status == 200
        assert html.count("<svg") >= 6 and "<script" not in html
        assert re.search(r'<span class="n">3</span><span>登记案件</span>', html)
        # 税务 leads all three: one answered on time, one open past its date, one in time.
        # Answered 4 days and 1 hour after registration: 4.0 days on average.
        assert (
            "<tr><td>县税务局</td><td>3</td><td>1</td><td>1</td><td>1</td><td>50.0%</td>"
            "<td>4.0</td></tr>"
        ) in html
        assert "征缴检查、欠费追缴" in html and "2026-02" in html and "2026-03" in html
        # Each chart has its table.
        assert html.count('<table class="figures">') >= 6
        status, html, _ = await office.get("/console/stats?date_from=2026-03-01")
        assert re.search(r'<span class="n">2</span><span>登记案件</span>', html)
        status, html, _ = await office.get("/console/stats?date_from=tomorrow")
        assert status == 400 and "date_from" in html
        # An agency sees its own figures only.
        await tax.sign_in(desk.tokens["tax01"])
        status, html, _ = await tax.get("/console/stats?agency=hrss")
        assert "只能查看本单位" in html and "<small>县税务局</small>" in html
    finally:
        await office.close()
        await tax.close()


async def test_export_uses_the_current_filters(desk: DeskServer) -> None:
    from openpyxl import load_workbook

    refund = await desk.open_case("重复缴费要退", category="refund", name="赵六", id_number=None)
    other = await desk.open_case(name="钱七", id_number=None)
    client = desk.client()
    try:
        await client.sign_in(desk.tokens["office01"])
        _, html, _ = await client.get("/console/cases?category=refund")
        link = re.search(r'href="(/console/export\?format=csv[^"]*)"', html)
        assert link and "category=refund" in link.group(1)
        status, body, resp = await client.get(link.group(1).replace("&amp;", "&"))
        assert status == 200 and "attachment" in resp.headers["Content-Disposition"]
        assert refund in body and other not in body and "案件编号" in body
        async with client.http.get("/console/export?format=xlsx") as resp:
            data = await resp.read()
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert numbers == {refund, other}
        log = await desk.ctx.cases.access_log(actor="office:office01")
        assert any(e.what == "export" and e.via == "console" for e in log)
        status, _, _ = await client.get("/console/export?format=pdf")
        assert status == 400
    finally:
        await client.close()


def test_notification_links_open_the_case_page(county: Any) -> None:
    from bot.wecom.senders import case_url

    url = case_url(county.dashboard_url, "YC-2026-000001")
    assert url is not None and url.endswith("/console/cases/YC-2026-000001")


# A 1×1 PNG: what a resident's photo looks like to the upload checks.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def test_case_page_shows_material_through_the_authorised_route(desk: DeskServer) -> None:
    import tests.backend.attachment_samples as samples
    from backend.attachments.records import Upload

    number = await desk.open_case()
    attachments = desk.ctx.attachments
    assert attachments is not None
    sent = {
        "image": (PNG, "工资条.png"),
        "voice": (samples.wav(), None),
        "file": (samples.pdf(), "核定通知书.pdf"),
    }
    refs: dict[str, str] = {}
    for i, (kind, (data, name)) in enumerate(sent.items()):
        got = await attachments.receive(
            Upload(
                data=data,
                kind=kind,
                channel="telegram",
                user_ref="user-1",
                received_at=desk.ctx.clock(),
                declared_name=name,
                message_id=f"m-{i}",
            ),
            case_number=number,
        )
        assert not got.refused and got.attachment is not None, got.sentence
        refs[kind] = got.attachment.ref
    base = f"/console/cases/{number}/attachments"
    tax, finance = desk.client(), desk.client()
    try:
        await tax.sign_in(desk.tokens["tax01"])
        status, html, _ = await tax.get(f"/console/cases/{number}")
        assert status == 200 and "材料" in html and "工资条.png" in html
        assert f'<img src="{base}/{refs["image"]}"' in html
        assert f'<audio controls preload="none" src="{base}/{refs["voice"]}"' in html
        assert f'href="{base}/{refs["file"]}?download=1"' in html
        # Byte-identical, typed as sniffed, never cached or sniffed again, named.
        for kind, (data, name) in sent.items():
            async with tax.http.get(f"{base}/{refs[kind]}") as resp:
                assert resp.status == 200 and await resp.read() == data
                headers = resp.headers
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Cache-Control"] == "private, no-store"
            assert "sandbox" in headers["Content-Security-Policy"]
            disposition = headers["Content-Disposition"]
            if name is not None:
                assert quote(name) in disposition
            assert disposition.startswith("attachment" if kind == "file" else "inline")
        async with tax.http.get(f"{base}/{refs['image']}") as resp:
            assert resp.headers["Content-Type"] == "image/png"
        async with tax.http.get(f"{base}/{refs['image']}?download=1") as resp:
            assert resp.headers["Content-Disposition"].startswith("attachment")
        # Every fetch is in the access log, as a read of this case through the console.
        log = await desk.ctx.cases.access_log(number=number)
        fetched = [e for e in log if e.what.startswith("attachment:")]
        assert len(fetched) == 5 and {e.via for e in fetched} == {"console"}
        assert {e.actor for e in fetched} == {"staff:tax01"}
        office = desk.client()
        await office.sign_in(desk.tokens["office01"])
        _, html, _ = await office.get(f"/console/access?number={number}")
        await office.close()
        assert f"查看附件 {refs['image']}" in html
        # Unknown refs, a ref under another case's number, a guessed id: 404.
        other = await desk.open_case(name="钱七", id_number=None)
        assert (await tax.get(f"{base}/{'0' * 32}"))[0] == 404
        assert (await tax.get(f"{base}/1"))[0] == 404
        assert (await tax.get(f"/console/cases/{other}/attachments/{refs['image']}"))[0] == 404
        # Another agency: 403 with the sentence, nothing logged for it.
        await finance.sign_in(desk.tokens["finance01"])
        status, html, _ = await finance.get(f"{base}/{refs['image']}")
        assert status == 403 and "无权查看" in html
        log = await desk.ctx.cases.access_log(actor="staff:finance01")
        assert not [e for e in log if e.what.startswith("attachment:")]
        # Without a session: to the sign-in page, never the bytes.
        anonymous = desk.client()
        status, _, resp = await anonymous.get(f"{base}/{refs['image']}", follow=False)
        await anonymous.close()
        assert status == 303 and "/console/login" in resp.headers["Location"]
        # Removed by retention: 410.
        async with desk.ctx.db.session(write=True) as s:
            await s.execute(
                sa.update(Attachment)
                .where(col(Attachment.ref) == refs["voice"])
                .values(pruned_at=desk.ctx.clock())
            )
            await s.commit()
        status, html, _ = await tax.get(f"{base}/{refs['voice']}")
        assert status == 410 and "保存期限" in html
    finally:
        await tax.close()
        await finance.close()


async def test_office_sees_who_read_personal_data(desk: DeskServer) -> None:
    number = await desk.open_case(id_number=None)
    other = await desk.open_case(name="钱七", id_number=None)
    tax = desk.client()
    office = desk.client()
    try:
        await tax.sign_in(desk.tokens["tax01"])
        await tax.get(f"/console/cases/{number}")
        assert (await tax.get("/console/access"))[0] == 403  # agencies do not audit
        await office.sign_in(desk.tokens["office01"])
        await office.get(f"/console/cases/{other}")
        status, html, _ = await office.get(f"/console/access?number={number.lower()}")
        assert status == 200 and "王建国" in html and "县税务局" in html and ">工作台</td>" in html
        assert f'href="/console/cases/{other}"' not in html
        status, body, resp = await office.get(f"/console/access?format=csv&number={number}")
        assert "attachment" in resp.headers["Content-Disposition"]
        assert body.splitlines()[0].lstrip("\ufeff").startswith("时间,人员")
        assert len(body.splitlines()) == 2 and number in body
        status, html, _ = await office.get("/console/access?number=bogus")
        assert status == 400 and "格式不对" in html
    finally:
        await tax.close()
        await office.close()


async def test_joint_opinions_and_a_complex_case_through_the_forms(desk: DeskServer) -> None:
    number = await desk.open_case(id_number=None)
    page = f"/console/cases/{number}"
    tax, finance, office = desk.client(), desk.client(), desk.client()
    try:
        await tax.sign_in(desk.tokens["tax01"])
        token = await tax.csrf(page)
        await tax.post(f"{page}/accept", {"_csrf": token, "text": ""})
        status, _, _ = await tax.post(
            f"{page}/start_joint",
            {"_csrf": token, "target_agency": "finance", "text": "请财政局核对退费拨付"},
            follow=False,
        )
        assert status == 303
        # The co-agency may read the case and give its opinion, nothing else.
        await finance.sign_in(desk.tokens["finance01"])
        _, html, _ = await finance.get(page)
        assert re.findall(r"<summary>(.*?)</summary>", html) == ["提交书面意见"]
        assert 'name="target_agency"' not in html  # their own agency, not chosen
        f_token = await finance.csrf(page)
        status, _, _ = await finance.post(
            f"{page}/submit_opinion", {"_csrf": f_token, "text": "拨付已于3月1日完成"}, follow=False
        )
        assert status == 303
        _, html, _ = await tax.get(page)
        opinions = html[html.index("联办意见") : html.index('id="actions"')]
        assert "云川县财政局" in opinions and "拨付已于3月1日完成" in opinions
        # Escalated by the lead, approved and minuted by the office.
        await tax.post(f"{page}/escalate", {"_csrf": token, "text": "涉及多个部门，金额较大"})
        await office.sign_in(desk.tokens["office01"])
        o_token = await office.csrf(page)
        await office.post(f"{page}/approve", {"_csrf": o_token, "text": "同意专案办理"})
        status, _, _ = await office.post(
            f"{page}/record_minutes", {"_csrf": o_token, "text": "会商：由税务局牵头答复"}
        )
        assert status == 200
        detail = await desk.ctx.cases.detail(number)
        assert [e.action for e in detail.events][-4:] == [
            "submit_opinion",
            "escalate",
            "approve",
            "record_minutes",
        ]
        assert detail.status == "approved"
    finally:
        for c in (tax, finance, office):
            await c.close()
