"""Closing the loop with the complainant (issue 13): the notices they get at each step, in
order, as tables (who acts, what, the notice that follows); the objection routes in every
reply and closing notice; grid-worker filings (relay + SMS); simple cases settled at once.

Each table row: (actor, action, fields, expected notice title or None). The notices are read
back from the outbox, so the test sees exactly what the notifier would deliver.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend.models import OutboxMessage
from backend.outbox import TO_COMPLAINANT, TO_GRID_WORKER
from backend.service import CaseService
from backend.workflow import Actor, Forbidden, IllegalTransition, InvalidAction, StaffAction

BJ = ZoneInfo("Asia/Shanghai")
TAX = Actor("tax01", "staff", "tax", "王建国")
HRSS = Actor("hrss01", "staff", "hrss", "李学文")
FINANCE = Actor("finance01", "staff", "finance", "王向东")
OFFICE = Actor("office01", "office", "office", "崔明")
LEADER = Actor("leader01", "leader", "gov_office", "李静")
RESIDENT = Actor("user-1", "complainant", None, "缴费人")
ROUTE_WORDS = ("申请调解", "劳动人事争议仲裁", "行政复议", "行政诉讼", "六十日内", "六个月内")

Row = tuple[Actor, str, dict[str, Any], str | None]


async def notices(svc: CaseService, since: int = 0) -> list[OutboxMessage]:
    """The complainant-side outbox rows (own chat, grid worker, SMS), oldest first."""
    async with svc.db.session() as s:
        rows = await s.execute(
            sa.select(OutboxMessage)
            .where(
                col(OutboxMessage.kind).in_([TO_COMPLAINANT, TO_GRID_WORKER]),
                col(OutboxMessage.id) > since,
            )
            .order_by(col(OutboxMessage.id))
        )
        return list(rows.scalars())


async def run_table(svc: CaseService, number: str, table: list[Row]) -> list[OutboxMessage]:
    """Apply each row; check the notice it causes (title), return all notices in order."""
    told: list[OutboxMessage] = []
    for actor, kind, fields, expected in table:
        last = told[-1].id if told else 0
        await svc.act(number, StaffAction(kind, actor, **fields))
        new = await notices(svc, last or 0)
        titles = [n.title for n in new]
        if expected is None:
            assert titles == [], (kind, titles)
        else:
            assert titles == [expected.format(n=number)], (kind, titles)
        told += new
    return told


async def test_general_case_notices_in_order(case_service: CaseService, make_draft: Any) -> None:
    opened = await case_service.open_case(make_draft(category="refund", insurance_type="pension"))
    n = opened.number
    table: list[Row] = [
        (TAX, "accept", {}, "案件 {n} 已受理"),
        (TAX, "start_joint", {"text": "请人社、财政出具意见"}, None),
        (HRSS, "submit_opinion", {"text": "核实为重复缴费"}, None),
        (FINANCE, "submit_opinion", {"text": "退付资金已备"}, None),
        (
            TAX,
            "reply",
            {"reply": "多缴的 300 元 10 个工作日内退回您的社保卡。", "text": "内部：已与财政对账"},
            "案件 {n} 答复",
        ),
        (TAX, "close", {"text": "内部：缴费人电话确认无异议"}, "案件 {n} 已办结"),
        (RESIDENT, "feedback", {"verdict": "satisfied", "text": "满意"}, None),
    ]
    accepted, replied, closed = await run_table(case_service, n, table)
    assert all(m.channel == "console" and m.recipient == "user-1" for m in (accepted, closed))
    # 受理: who has it, by when, a phone to call.
    assert "国家税务总局云川县税务局受理" in accepted.body and "王建国" in accepted.body
    assert "2026年3月9日前" in accepted.body and "0356-4218366" in accepted.body
    # 答复: the text written for the complainant, never the internal note; the routes.
    assert "多缴的 300 元" in replied.body and "内部" not in replied.body
    assert all(word in replied.body for word in ROUTE_WORDS)
    # 办结: the routes again and the feedback question, no internal note.
    assert "内部" not in closed.body and "满意 / 基本满意 / 不满意" in closed.body
    assert all(word in closed.body for word in ROUTE_WORDS)
    detail = await case_service.detail(n)
    assert detail.latest_reply == "多缴的 300 元 10 个工作日内退回您的社保卡。"
    reply_event = next(e for e in detail.events if e.action == "reply")
    assert reply_event.data["note"] == "内部：已与财政对账"
    # 评价 shown once, not "满意：满意".
    assert detail.events[-1].text == "满意"


async def test_complex_case_notices_in_order(
    case_service: CaseService, make_draft: Any, clock: Any
) -> None:
    opened = await case_service.open_case(make_draft(category="arrears", people_count=30))
    n = opened.number
    assert opened.tier == "complex"
    table: list[Row] = [
        (TAX, "accept", {}, "案件 {n} 已受理"),
        (TAX, "escalate", {"text": "涉及 30 名职工，需专案办理"}, "案件 {n} 已上报"),
        (LEADER, "approve", {}, "案件 {n} 专案办理"),
        (
            OFFICE,
            "extend_due",
            {"extend_days": 5, "text": "需调取企业账册"},
            "案件 {n} 答复时间延后",
        ),
        (TAX, "record_minutes", {"text": "会商：由税务局牵头追缴"}, None),
        (TAX, "reply", {"text": "已责令企业补缴，并加收滞纳金。"}, "案件 {n} 答复"),
        (TAX, "close", {}, "案件 {n} 已办结"),
    ]
    told = await run_table(case_service, n, table)
    approved, extended = told[2], told[3]
    detail = await case_service.detail(n)
    # Registered Mon 2026-03-02: 15 working days -> Mon 2026-03-23; +5 -> Mon 2026-03-30.
    assert "2026年3月23日前" in approved.body
    assert "2026年3月30日前" in extended.body
    assert detail.due_at == datetime(2026, 3, 30, 18, 0, tzinfo=BJ)
    assert "领导小组办公室" in told[1].body and "0356-4218001" in told[1].body


async def test_escalated_general_case_gets_the_complex_time_when_approved(
    case_service: CaseService, make_draft: Any
) -> None:
    opened = await case_service.open_case(make_draft(category="refund"))
    assert opened.tier == "general"
    await case_service.act(opened.number, StaffAction("escalate", TAX, text="多部门"))
    detail = await case_service.act(opened.number, StaffAction("approve", LEADER))
    assert detail.tier == "complex" and detail.due_at > opened.due_at
    approve = detail.events[-1]
    assert approve.data["old_due"] == opened.due_at.isoformat()


async def test_transferred_case_notices_in_order(
    case_service: CaseService, make_draft: Any
) -> None:
    opened = await case_service.open_case(make_draft(category="contribution_amount"))
    n = opened.number
    table: list[Row] = [
        (
            TAX,
            "transfer",
            {"target_agency": "人社局", "text": "所属期在改革前，属人社职责"},
            "案件 {n} 已移送",
        ),
        (HRSS, "accept", {}, "案件 {n} 已受理"),
        (HRSS, "reply", {"text": "已按实际工资更正缴费基数。"}, "案件 {n} 答复"),
    ]
    moved, accepted, _replied = await run_table(case_service, n, table)
    # 移送: the new agency, a contact person and phone; the date unchanged.
    assert "云川县人力资源和社会保障局" in moved.body and "0356-4212333" in moved.body
    assert "李学文" in moved.body and "2026年3月9日前" in moved.body
    assert "属人社职责" not in moved.body  # the internal reason stays internal
    assert "李学文" in accepted.body
    detail = await case_service.detail(n)
    assert detail.lead_agency == "hrss" and detail.first_agency == "tax"
    assert "tax" in detail.readers


@pytest.mark.parametrize("name", ["hrss", "县人社局", "人社局", "人力资源和社会保障局"])
async def test_transfer_target_by_id_or_name(
    sqlite_case_service: CaseService, make_draft: Any, name: str
) -> None:
    opened = await sqlite_case_service.open_case(make_draft())
    detail = await sqlite_case_service.act(
        opened.number, StaffAction("transfer", TAX, text="属人社", target_agency=name)
    )
    assert detail.lead_agency == "hrss"


async def test_unknown_transfer_target_names_the_choices(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    opened = await sqlite_case_service.open_case(make_draft())
    with pytest.raises(InvalidAction) as info:
        await sqlite_case_service.act(
            opened.number, StaffAction("transfer", TAX, text="x", target_agency="火星局")
        )
    assert "火星局" in str(info.value) and "县人社局" in str(info.value)


async def test_grid_worker_filing_relay_and_sms(case_service: CaseService, make_draft: Any) -> None:
    draft = make_draft(
        filed_by=("张桂兰", "15835601121"),
        channel="telegram",
        channel_user="777",
        name="李四",
        phone="13912345678",
    )
    opened = await case_service.open_case(draft)
    [registered] = await notices(case_service)
    # The villager learns from an SMS that someone filed for them.
    assert (registered.channel, registered.recipient) == ("sms", "13912345678")
    assert "网格员张桂兰" in registered.body and opened.number in registered.body
    assert registered.body.startswith("【云川县社保费争议】")
    before = registered.id or 0
    await case_service.act(opened.number, StaffAction("accept", TAX))
    relay, sms = await notices(case_service, before)
    assert (relay.kind, relay.channel, relay.recipient) == (TO_GRID_WORKER, "telegram", "777")
    assert relay.actions == [["relayed", "已转告"]]
    assert "请转告李四" in relay.body and f"已转告 {opened.number}" in relay.body
    assert (sms.kind, sms.channel, sms.recipient) == (TO_COMPLAINANT, "sms", "13912345678")
    assert "已由国家税务总局云川县税务局受理" in sms.body
    # The grid worker records that they told the villager; nobody else may.
    with pytest.raises(Forbidden):
        await case_service.record_relayed(opened.number, "telegram", "888")
    view = await case_service.record_relayed(opened.number.lower(), "telegram", "777")
    assert view.status == "accepted"
    detail = await case_service.detail(opened.number)
    relayed = detail.events[-1]
    assert relayed.action == "relay" and relayed.actor_name == "网格员张桂兰"
    assert "转告缴费人" in relayed.text


async def test_no_sms_without_a_grid_worker_or_when_switched_off(
    case_service: CaseService, make_draft: Any, county: Any
) -> None:
    opened = await case_service.open_case(make_draft())
    await case_service.act(opened.number, StaffAction("accept", TAX))
    assert [m.channel for m in await notices(case_service)] == ["console"]
    quiet = county.model_copy(update={"sms": county.sms.model_copy(update={"villagers": False})})
    svc = CaseService(quiet, case_service.db, case_service.clock)
    filed = await svc.open_case(make_draft(filed_by=("张桂兰", "15835601121")))
    await svc.act(filed.number, StaffAction("accept", TAX))
    assert "sms" not in {m.channel for m in await notices(svc)}


# --- simple cases -----------------------------------------------------------------------------


async def test_simple_case_is_due_the_same_day_and_settled_at_once(
    case_service: CaseService, make_draft: Any
) -> None:
    opened = await case_service.open_case(make_draft(category="payment_system"))
    assert opened.tier == "simple" and opened.working_days == 0
    assert opened.due_at == datetime(2026, 3, 2, 18, 0, tzinfo=BJ)
    async with case_service.db.session() as s:
        push = (
            await s.execute(
                sa.select(OutboxMessage).where(col(OutboxMessage.kind) == "new_case").limit(1)
            )
        ).scalar_one()
    assert push.actions is not None and push.actions[0] == ["close", "当场办结"]
    assert push.due_label == "2026-03-02 18:00（当天办结）"
    detail = await case_service.act(
        opened.number,
        StaffAction("close", TAX, reply="已为您重新推送缴费数据，请在小程序再试一次。"),
    )
    assert detail.status == "closed" and detail.latest_reply is not None
    [closed] = await notices(case_service)
    assert "重新推送缴费数据" in closed.body and "行政复议" in closed.body


async def test_simple_case_after_hours_is_due_next_working_day(
    case_service: CaseService, make_draft: Any, clock: Any
) -> None:
    clock.set(datetime(2026, 3, 6, 19, 30, tzinfo=BJ))  # Friday evening
    opened = await case_service.open_case(make_draft(category="payment_system"))
    assert opened.due_at == datetime(2026, 3, 9, 18, 0, tzinfo=BJ)  # Monday


async def test_general_case_cannot_be_settled_on_the_spot(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    opened = await sqlite_case_service.open_case(make_draft(category="refund"))
    with pytest.raises(IllegalTransition):
        await sqlite_case_service.act(opened.number, StaffAction("close", TAX, text="已处理"))


async def test_old_missing_record_with_paper_receipts_is_not_simple(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    old = await sqlite_case_service.open_case(
        make_draft(
            category="payment_record",
            insurance_type="pension",
            period_start=date(2016, 1, 1),
            period_end=date(2017, 12, 31),
            description="2016到2017年的养老保险缴费记录查不到了，我手里有当年的纸质收据",
        )
    )
    assert old.tier == "general" and old.lead.id == "hrss"
    detail = await sqlite_case_service.detail(old.number)
    reasons = " ".join(detail.events[0].data["tier_reasons"])
    assert "改革前" in reasons and "纸质" in reasons
    recent = await sqlite_case_service.open_case(
        make_draft(
            category="payment_record",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 6, 30),
            description="今年上半年的缴费记录少了两个月",
        )
    )
    assert recent.tier == "simple"


# --- hostile input --------------------------------------------------------------------------


async def test_nul_and_over_long_values_never_refuse_a_case(
    case_service: CaseService, make_draft: Any
) -> None:
    opened = await case_service.open_case(
        make_draft(
            name="张\x00三",
            employer="云川县" + "宏达" * 300 + "有限公司",
            township="凤鸣镇\x00" + "镇" * 200,
            phone="138\x001234 1427" + "9" * 40,
            id_number="14052219900315076x\x00",
            people_count=2**40,
            amount=float("inf"),
            description="扣多了\x00\x07请核实\r\n谢谢" + "很" * 20000,
            channel_user="u\x00" + "x" * 300,
            draft_key="k\x00" + "y" * 100,
        )
    )
    detail = await case_service.detail(opened.number)
    c = detail.complainant
    assert c.name == "张三" and c.employer is not None and len(c.employer) == 200
    assert c.id_number == "14052219900315076X" and c.township is not None
    assert "\x00" not in detail.description and "\x07" not in detail.description
    assert detail.description.startswith("扣多了请核实\n谢谢") and len(detail.description) <= 10_000
    assert detail.people_count is None and detail.amount is None
    staff_text = "已核实\x00" + "长" * 6000
    done = await case_service.act(opened.number, StaffAction("accept", TAX, text=staff_text))
    assert "\x00" not in done.events[-1].text and len(done.events[-1].text) <= 5000


# --- reminders ------------------------------------------------------------------------------


async def test_no_due_soon_reminder_in_the_first_hours(
    case_service: CaseService, make_draft: Any, clock: Any, county: Any
) -> None:
    from backend.scanner import OverdueScanner

    opened = await case_service.open_case(make_draft(category="payment_system"))
    scanner = OverdueScanner(county, case_service.db, clock)
    clock.advance(hours=1)
    assert (await scanner.scan()).total == 0
    clock.advance(hours=county.due_soon_grace_hours)
    assert (await scanner.scan()).due_soon == [opened.number]


# --- filters and the access log -------------------------------------------------------------


async def test_unknown_filter_values_name_the_allowed_ones(
    sqlite_case_service: CaseService,
) -> None:
    from backend.service import CaseFilter, InvalidFilter

    filters = {
        "status": CaseFilter(status="done"),
        "category": CaseFilter(category="tax"),
        "tier": CaseFilter(tier="easy"),
    }
    for field, f in filters.items():
        value = str(getattr(f, field))
        with pytest.raises(InvalidFilter) as info:
            await sqlite_case_service.list_cases(f)
        assert info.value.field == field and value in str(info.value)
        assert len(info.value.allowed) >= 3 and info.value.allowed[0] in str(info.value)


async def test_first_receiver_keeps_read_access_in_lists(
    case_service: CaseService, make_draft: Any
) -> None:
    from backend.service import CaseFilter

    opened = await case_service.open_case(make_draft(category="contribution_amount"))
    await case_service.act(
        opened.number, StaffAction("transfer", TAX, text="属人社", target_agency="hrss")
    )
    found = await case_service.list_cases(CaseFilter(agency="tax", with_events=False))
    assert [d.number for d in found] == [opened.number]
    from backend.access import refusal

    county = case_service.county
    tax01 = county.staff_member("tax01")
    medical01 = county.staff_member("medical01")
    d = await case_service.detail(opened.number)
    assert refusal(county, tax01, d.lead_agency, d.co_agencies, d.first_agency) is None
    assert refusal(county, medical01, d.lead_agency, d.co_agencies, d.first_agency) is not None
    with pytest.raises(Forbidden):  # reading is not acting
        await case_service.act(opened.number, StaffAction("accept", TAX))


async def test_access_log(case_service: CaseService, make_draft: Any, clock: Any) -> None:
    opened = await case_service.open_case(make_draft())
    await case_service.record_access(TAX, opened.number.lower(), "detail", via="api")
    clock.advance(60)
    await case_service.record_access("cli:root", opened.number, "detail", via="cli")
    await case_service.record_access("staff:office01", None, "export csv: 1 件", via="console")
    entries = await case_service.access_log()
    assert [(e.actor, e.via) for e in entries] == [
        ("staff:office01", "console"),
        ("cli:root", "cli"),
        ("staff:tax01", "api"),
    ]
    assert entries[2].actor_name == "王建国" and entries[2].agency == "tax"
    assert entries[0].actor_name == "崔明" and entries[0].case_number is None
    mine = await case_service.access_log(number=opened.number)
    assert len(mine) == 2
