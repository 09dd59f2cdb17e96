"""The case service against SQLite and PostgreSQL: opening, notifications, repeats, look-ups,
concurrency, the conversation store."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend.config import County
from backend.conversations import SqlConversationStore
from backend.db import Database
from backend.models import OutboxMessage
from backend.service import CaseFilter, CaseService
from backend.workflow import Actor, CaseNotFound, StaffAction

BJ = ZoneInfo("Asia/Shanghai")
TAX = Actor("tax01", "staff", "tax", "王建国")
OFFICE = Actor("office01", "office", "office", "崔明")


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        return list(
            (await s.execute(sa.select(OutboxMessage).order_by(col(OutboxMessage.id)))).scalars()
        )  # type: ignore[arg-type]


async def test_open_case(case_service: CaseService, make_draft: Any, clock: Any) -> None:
    draft = make_draft(
        category="refund",
        insurance_type="pension",
        id_number="14052219900315076X",
        period_start=date(2023, 1, 1),
        period_end=date(2023, 6, 30),
        amount=3200.0,
        description="我叫张三，电话13812341427，重复缴费要求退费，退款一直没到账",
        nlu_confidence=0.91,
    )
    opened = await case_service.open_case(draft)
    assert opened.number == "YC-2026-000001"
    assert (opened.category, opened.tier, opened.working_days) == ("refund", "general", 5)
    assert opened.lead.id == "tax" and opened.lead.phone
    assert [a.id for a in opened.co_agencies] == ["hrss", "finance"]
    # Monday 2026-03-02 + 5 working days = Monday 2026-03-09, 18:00 Beijing
    assert opened.due_at == datetime(2026, 3, 9, 18, 0, tzinfo=BJ).astimezone(UTC)

    detail = await case_service.detail(opened.number.lower())
    assert detail.status == "registered" and detail.complainant.id_number == "14052219900315076X"
    assert [e.action for e in detail.events] == ["register"]
    assert detail.events[0].actor == "complainant"
    assert detail.events[0].data["lead"] == "tax"

    rows = await outbox(case_service.db)
    assert [(r.channel, r.recipient, r.kind) for r in rows] == [
        ("console", "tax", "new_case"),
        ("console", "hrss", "new_case"),
        ("console", "finance", "new_case"),
    ]
    lead = rows[0]
    assert lead.actions == [["accept", "受理"], ["transfer", "移送"], ["detail", "详情"]]
    assert lead.due_label == "2026-03-09 18:00（5个工作日）"
    assert "1405**********076X" in lead.body and "138****1427" in lead.body
    assert "14052219900315076X" not in lead.body and "13812341427" not in lead.body
    event_id = detail.events[0].id
    assert lead.dedup_key == f"{opened.number}:{event_id}:console:tax"
    assert (lead.status, lead.next_attempt_at) == ("pending", clock())

    second = await case_service.open_case(make_draft(category="payment_system"))
    assert second.number == "YC-2026-000002" and second.tier == "simple"


async def test_complex_case_also_tells_the_office(
    case_service: CaseService, make_draft: Any
) -> None:
    opened = await case_service.open_case(make_draft(category="arrears", people_count=40))
    assert opened.tier == "complex" and opened.working_days == 15
    kinds = {(r.recipient, r.kind) for r in await outbox(case_service.db)}
    assert ("office", "complex_case") in kinds and ("tax", "new_case") in kinds


async def test_proxy_filing_records_the_grid_worker_and_consent(
    case_service: CaseService, make_draft: Any
) -> None:
    draft = make_draft(
        filed_by=("张桂兰", "15835601121"),
        channel="wecom_app",
        channel_user="zhangguilan",
        name="李四",
        phone="13912345678",
    )
    opened = await case_service.open_case(draft)
    detail = await case_service.detail(opened.number)
    assert detail.filed_by is not None and detail.filed_by.name == "张桂兰" and detail.consent
    assert [e.action for e in detail.events] == ["register", "consent"]
    assert detail.events[0].actor == "grid_worker:15835601121"
    mine = await case_service.cases_of_user("wecom_app", "zhangguilan")
    assert [v.number for v in mine] == [opened.number]
    assert mine[0].filed_by_channel_user == "zhangguilan"


async def test_complainant_outside_the_gazetteer_is_registered(
    case_service: CaseService, make_draft: Any
) -> None:
    opened = await case_service.open_case(make_draft(township="火星镇", village="一村"))
    detail = await case_service.detail(opened.number)
    assert detail.complainant.township == "火星镇"
    assert detail.events[0].data["outside_gazetteer"] is True


async def test_repeat_complaints(case_service: CaseService, make_draft: Any, clock: Any) -> None:
    first = await case_service.open_case(make_draft(id_number="14052219900315076X"))
    # same ID number, same category (同类事项): a repeat, handled as complex
    again = await case_service.open_case(make_draft(id_number="14052219900315076x"))
    assert again.related_cases == (first.number,) and again.tier == "complex"
    # same ID number, another category: a new matter, not a repeat
    other = await case_service.open_case(
        make_draft(id_number="14052219900315076X", category="benefits")
    )
    assert other.related_cases == () and other.tier == "general"
    # same employer and category, another person
    a = await case_service.open_case(
        make_draft(name="王五", employer="云川县宏达煤业有限公司", category="arrears")
    )
    b = await case_service.open_case(
        make_draft(name="赵六", employer="云川县宏达煤业有限公司", category="arrears")
    )
    c = await case_service.open_case(
        make_draft(name="钱七", employer="云川县宏达煤业有限公司", category="refund")
    )
    assert b.related_cases == (a.number,) and c.related_cases == ()
    detail = await case_service.detail(b.number)
    assert detail.repeat_of == a.number and detail.related_cases == (a.number,)
    assert "repeat" in [e.action for e in detail.events]
    assert (await case_service.detail(a.number)).related_cases == (b.number,)
    # outside the window it is a new complaint
    clock.advance(days=181)
    d = await case_service.open_case(make_draft(id_number="14052219900315076X"))
    assert d.related_cases == ()


async def test_only_the_same_complainant_again_raises_the_tier(
    case_service: CaseService, make_draft: Any
) -> None:
    """A repeat complaint (重复件) is complex; another worker of the same employer, or an ID
    number given under another name, is linked for staff but handled as a new matter."""
    a = await case_service.open_case(
        make_draft(name="王五", employer="云川县宏达煤业有限公司", category="arrears")
    )
    b = await case_service.open_case(
        make_draft(name="赵六", employer="云川县宏达煤业有限公司", category="arrears")
    )
    assert b.related_cases == (a.number,) and b.tier == "general"
    first = await case_service.open_case(make_draft(name="李伟", id_number="14052219900315076X"))
    other = await case_service.open_case(make_draft(name="吴秀英", id_number="14052219900315076X"))
    assert first.number in (await case_service.detail(other.number)).related_cases
    assert other.tier == "general"
    detail = await case_service.detail(other.number)
    assert "identity_check" in [e.action for e in detail.events]
    same = await case_service.open_case(make_draft(name="李伟", id_number="14052219900315076X"))
    assert same.tier == "complex"
    unit = dict(kind="employer", name="云川县宏达煤业有限公司", employer="云川县宏达煤业有限公司")
    await case_service.open_case(make_draft(category="late_fee", **unit))
    again = await case_service.open_case(make_draft(category="late_fee", **unit))
    assert again.tier == "complex"


async def test_a_window_complaint_after_a_refund_is_no_repeat(
    case_service: CaseService, make_draft: Any
) -> None:
    """The tester's case: a closed refund case, then a complaint about the window service."""
    refund = await case_service.open_case(
        make_draft(category="refund", id_number="14052219900315076X", description="退费没到账")
    )
    await case_service.act(refund.number, StaffAction("accept", TAX))
    await case_service.act(refund.number, StaffAction("reply", TAX, text="已退费到账。"))
    await case_service.act(refund.number, StaffAction("close", TAX, text="已办结"))
    window = await case_service.open_case(
        make_draft(
            category="service",
            id_number="14052219900315076X",
            description="办税服务厅窗口工作人员态度差，让我来回跑",
        )
    )
    assert window.related_cases == () and window.tier == "general"
    detail = await case_service.detail(window.number)
    assert detail.repeat_of is None and "repeat" not in [e.action for e in detail.events]


async def test_same_id_number_under_another_name_is_told_to_staff(
    case_service: CaseService, make_draft: Any
) -> None:
    first = await case_service.open_case(make_draft(name="张三", id_number="14052219900315076X"))
    before = len(await outbox(case_service.db))
    second = await case_service.open_case(
        make_draft(name="李四", id_number="14052219900315076X", category="benefits")
    )
    assert second.related_cases == ()
    detail = await case_service.detail(second.number)
    [check] = [e for e in detail.events if e.action == "identity_check"]
    assert first.number in check.text and "张三" in check.text
    assert check.action_label == "身份核对提示"
    pushed = (await outbox(case_service.db))[before:]
    assert pushed and all("请核对身份" in r.body and first.number in r.body for r in pushed)
    # 李四 again: the first case (张三) still differs
    third = await case_service.open_case(
        make_draft(name="李四", id_number="14052219900315076X", category="late_fee")
    )
    assert "identity_check" in [e.action for e in (await case_service.detail(third.number)).events]
    fourth = await case_service.open_case(make_draft(name="王五", phone="13900001111"))
    assert "identity_check" not in [
        e.action for e in (await case_service.detail(fourth.number)).events
    ]


async def test_transfer_keeps_the_due_date_and_tells_both(
    case_service: CaseService, make_draft: Any
) -> None:
    opened = await case_service.open_case(make_draft(category="contribution_amount"))
    before = len(await outbox(case_service.db))
    detail = await case_service.act(
        opened.number,
        StaffAction("transfer", TAX, text="所属期在改革前，属人社职责", target_agency="hrss"),
    )
    assert detail.lead_agency == "hrss" and detail.due_at == opened.due_at
    assert detail.status == "transferred"
    rows = (await outbox(case_service.db))[before:]
    assert {(r.channel, r.recipient, r.kind) for r in rows} == {
        ("console", "hrss", "transfer"),
        ("console", "user-1", "to_complainant"),
    }
    told = next(r for r in rows if r.kind == "to_complainant")
    assert "人力资源和社会保障局" in told.body and "0356-4212333" in told.body
    # the office extends: the only way to move the date
    extended = await case_service.act(
        opened.number, StaffAction("extend_due", OFFICE, extend_days=2)
    )
    assert extended.due_at > opened.due_at


async def test_views_for_the_complainant(case_service: CaseService, make_draft: Any) -> None:
    opened = await case_service.open_case(make_draft(channel="telegram", channel_user="42"))
    assert await case_service.find_case("YC-2099-000001") is None
    view = await case_service.find_case(f" {opened.number.lower()} ")
    assert view is not None and view.status_label == "已登记，待受理"
    assert view.complainant_phone_last4 == "1427" and not view.awaiting_feedback
    await case_service.act(opened.number, StaffAction("accept", TAX))
    await case_service.act(opened.number, StaffAction("reply", TAX, text="已核实，金额无误。"))
    [view] = await case_service.cases_of_user("telegram", "42")
    assert view.awaiting_feedback and view.latest_reply == "已核实，金额无误。"
    view = await case_service.record_feedback(
        opened.number, "basically_satisfied", "", actor="complainant"
    )
    assert view.status == "closed" and not view.awaiting_feedback
    assert await case_service.cases_of_user("telegram", "43") == []
    with pytest.raises(CaseNotFound):
        await case_service.detail("YC-2099-000001")


async def test_list_filters(case_service: CaseService, make_draft: Any, clock: Any) -> None:
    a = await case_service.open_case(make_draft(category="refund", name="甲"))
    clock.advance(days=1)
    b = await case_service.open_case(make_draft(category="payment_system", name="乙"))
    c = await case_service.open_case(
        make_draft(category="labor_relation", name="丙", employer="宏达")
    )
    await case_service.act(b.number, StaffAction("close", TAX, text="已当场处理"))

    async def numbers(**kw: Any) -> list[str]:
        return [d.number for d in await case_service.list_cases(CaseFilter(**kw))]

    assert await numbers() == [c.number, b.number, a.number]
    assert await numbers(status="closed") == [b.number]
    assert await numbers(status=["registered"], category="refund") == [a.number]
    assert await numbers(tier="simple") == [b.number]
    assert await numbers(agency="finance") == [a.number]  # a co-agency
    assert await numbers(agency="hrss") == [c.number, a.number]
    assert await numbers(text="宏达") == [c.number]
    assert await numbers(created_to=date(2026, 3, 2)) == [a.number]
    assert await numbers(created_from=date(2026, 3, 3)) == [c.number, b.number]
    assert await numbers(overdue=True) == []
    clock.advance(days=30)
    assert await numbers(overdue=True) == [c.number, a.number]  # b is closed
    assert (await case_service.detail(a.number)).overdue
    assert await numbers(limit=1, offset=1) == [b.number]
    light = await case_service.list_cases(CaseFilter(with_events=False))
    assert all(d.events == () for d in light)


@pytest.mark.postgres
async def test_fifty_concurrent_openings_get_fifty_sequential_numbers(
    county: County, postgres_database: Database, make_draft: Any, clock: Any
) -> None:
    svc = CaseService(county, postgres_database, clock)
    opened = await asyncio.gather(
        *(svc.open_case(make_draft(name=f"用户{i}", channel_user=f"u{i}")) for i in range(50))
    )
    numbers = sorted(o.number for o in opened)
    assert numbers == [f"YC-2026-{i:06d}" for i in range(1, 51)]
    assert len(await svc.list_cases(CaseFilter(limit=None, with_events=False))) == 50


async def test_concurrent_openings_on_sqlite(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    opened = await asyncio.gather(
        *(sqlite_case_service.open_case(make_draft(channel_user=f"u{i}")) for i in range(20))
    )
    assert sorted(int(o.number[-6:]) for o in opened) == list(range(1, 21))


async def test_numbers_restart_each_year(
    case_service: CaseService, make_draft: Any, clock: Any
) -> None:
    clock.set(datetime(2026, 12, 31, 23, 0, tzinfo=BJ))
    assert (await case_service.open_case(make_draft())).number == "YC-2026-000001"
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=BJ))  # still 2026 in UTC, 2027 locally
    assert (await case_service.open_case(make_draft())).number == "YC-2027-000001"


# --- conversation store ------------------------------------------------------------------


async def test_conversation_store(database: Database) -> None:
    store = SqlConversationStore(database)
    assert await store.load("telegram", "42") is None
    await store.save("telegram", "42", {"step": "ask_phone", "draft": {"name": "张三"}})
    await store.save("telegram", "42", {"step": "confirm"})
    assert await store.load("telegram", "42") == {"step": "confirm"}
    assert await store.load("wecom_kf", "42") is None
    assert await store.first_time_seen("telegram", "m1") is True
    assert await store.first_time_seen("telegram", "m1") is False
    assert await store.first_time_seen("wecom_app", "m1") is True
    results = await asyncio.gather(*(store.first_time_seen("telegram", "m2") for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]


async def test_opening_the_same_draft_twice_gives_one_case(
    case_service: CaseService, make_draft: Any
) -> None:
    draft = make_draft(category="refund", draft_key="console:user-1:draft-7")
    first = await case_service.open_case(draft)
    again = await case_service.open_case(draft)
    assert again.number == first.number
    assert (again.lead, again.co_agencies, again.due_at) == (
        first.lead,
        first.co_agencies,
        first.due_at,
    )
    other = await case_service.open_case(make_draft(draft_key="console:user-1:draft-8"))
    assert other.number != first.number
    async with case_service.db.session() as s:
        count = (await s.execute(sa.text("SELECT count(*) FROM cases"))).scalar_one()
    assert count == 2


async def test_concurrent_openings_of_one_draft_give_one_case(
    case_service: CaseService, make_draft: Any
) -> None:
    draft = make_draft(draft_key="wecom:resident-9:draft-1")
    opened = await asyncio.gather(*(case_service.open_case(draft) for _ in range(8)))
    assert len({o.number for o in opened}) == 1
    async with case_service.db.session() as s:
        count = (await s.execute(sa.text("SELECT count(*) FROM cases"))).scalar_one()
        outbox_rows = (await s.execute(sa.text("SELECT count(*) FROM outbox"))).scalar_one()
    assert count == 1
    # The notifications of the losers were rolled back with their case.
    single = await outbox(case_service.db)
    assert outbox_rows == len(single) and len({r.dedup_key for r in single}) == len(single)


async def test_search_by_id_number_and_phone_as_typed(
    case_service: CaseService, make_draft: Any
) -> None:
    a = await case_service.open_case(
        make_draft(name="张三", phone="13812341427", id_number="14052219900315076X")
    )
    b = await case_service.open_case(make_draft(name="李四", phone="13935612340"))
    for typed in (
        "138 1234 1427",
        "138-1234-1427",
        "+86 138 1234 1427",
        "１３８１２３４１４２７",
        "140522 19900315 076x",
        "14052219900315076x",
        "0315076",
        a.number.lower(),
    ):
        found = await case_service.list_cases(CaseFilter(text=typed, with_events=False))
        assert [c.number for c in found] == [a.number], typed
    both = CaseFilter(text="13", limit=1, with_events=False)
    assert len(await case_service.list_cases(both)) == 1
    assert await case_service.count_cases(both) == 2
    assert await case_service.count_cases(CaseFilter(text="李四")) == 1
    assert b.number and await case_service.count_cases(CaseFilter(text="100%")) == 0


async def test_a_case_about_several_insurances_keeps_them_all(
    case_service: CaseService, make_draft: Any
) -> None:
    """"养老、医疗都没给交": both on the case, in the register and the push; the medical
    insurance's agency joins as co-agency (the pension rule leads)."""
    from backend.export import to_csv

    opened = await case_service.open_case(
        make_draft(
            category="registration",
            insurance_type="pension",
            insurance_types=("pension", "medical", "bogus", "pension"),
        )
    )
    detail = await case_service.detail(opened.number)
    assert detail.insurance_type == "pension"
    assert detail.insurance_keys == ("pension", "medical")
    assert detail.lead_agency == "hrss" and "medical" in detail.co_agencies
    assert detail.to_json()["complainant"]["insurance_types"] == ["pension", "medical"]
    assert "养老保险、医疗保险" in to_csv([detail], case_service.county)
    pushes = [m.body for m in await outbox(case_service.db) if opened.number in m.body]
    assert any("险种 养老保险、医疗保险" in text for text in pushes), pushes
    single = await case_service.detail(
        (await case_service.open_case(make_draft(insurance_type="medical"))).number
    )
    assert single.insurance_types == () and single.insurance_keys == ("medical",)


async def test_a_correction_after_the_case_is_recorded_and_pushed_masked(
    case_service: CaseService, make_draft: Any
) -> None:
    """补充更正: from the chat that reported it, kept on the case and pushed to the lead with
    numbers masked; from anyone else, refused."""
    from backend.workflow import Forbidden

    opened = await case_service.open_case(make_draft(channel="console", channel_user="u-9"))
    view = await case_service.record_info(
        opened.number, "电话说错了，应为 139 1234 5678", "console", "u-9"
    )
    assert view.number == opened.number
    detail = await case_service.detail(opened.number)
    assert detail.events[-1].action == "add_info" and "139 1234 5678" in detail.events[-1].text
    pushes = [m for m in await outbox(case_service.db) if m.kind == "complainant_info"]
    assert pushes and all("12345678" not in m.body and opened.number in m.body for m in pushes)
    with pytest.raises(Forbidden):
        await case_service.record_info(opened.number, "我来改改", "console", "someone-else")


async def test_a_credit_code_under_another_unit_name_is_told_to_staff(
    case_service: CaseService, make_draft: Any
) -> None:
    """One credit code, two company names: staff are asked to check; no repeat is counted."""
    from stdnum.cn import uscc

    code = "91140522MA0M5T2W4" + uscc.calc_check_digit("91140522MA0M5T2W4")

    def unit(name: str) -> Any:
        return make_draft(
            category="late_fee", kind="employer", credit_code=code, name=name, employer=name
        )

    first = await case_service.open_case(unit("云川县恒达建材有限公司"))
    second = await case_service.open_case(unit("云川县鑫源煤业有限公司"))
    assert second.tier == "general"
    detail = await case_service.detail(second.number)
    check = [e for e in detail.events if e.action == "identity_check"]
    assert check and "统一社会信用代码" in check[0].text and first.number in check[0].text
