"""Staff acting on cases from a chat: buttons, commands, Chinese aliases, scoping."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.drafts import CaseDraft, ComplainantDraft
from backend.service import CaseService
from bot.staff_chat import MAX_CHOICE_ID, NOT_STAFF, StaffChat


@pytest.fixture
def chat_county(county: Any) -> Any:
    bind = {"tax01": {"telegram_user_id": 111}, "hrss01": {"wecom_userid": "LiXueWen"}}
    staff = [s.model_copy(update=bind.get(s.id, {})) for s in county.staff]
    return county.model_copy(update={"staff": staff})


@pytest.fixture
def service(chat_county: Any, sqlite_database: Any, clock: Any) -> CaseService:
    return CaseService(chat_county, sqlite_database, clock)


@pytest.fixture
def chat(chat_county: Any, service: CaseService) -> StaffChat:
    return StaffChat(chat_county, service)


async def open_case(service: CaseService, category: str = "late_fee", **person: Any) -> str:
    opened = await service.open_case(
        CaseDraft(
            channel="telegram",
            channel_user="900",
            description="滞纳金太高了，电话13812341427",
            category=category,
            complainant=ComplainantDraft(
                name="张三",
                phone="13812341427",
                id_number=person.get("id_number", "140522199003151234"),
                period_start=date(2025, 1, 1),
                period_end=date(2025, 3, 31),
                insurance_type=person.get("insurance"),
            ),
        )
    )
    return opened.number


def staff(county: Any, staff_id: str) -> Any:
    return county.staff_member(staff_id)


async def test_staff_are_recognised_by_their_chat_ids(chat: StaffChat) -> None:
    assert getattr(chat.staff_for("telegram", "111"), "id", None) == "tax01"
    assert getattr(chat.staff_for("wecom_app", "LiXueWen"), "id", None) == "hrss01"
    assert chat.staff_for("telegram", "999") is None
    assert chat.staff_for("wecom_app", "111") is None
    [reply] = await chat.handle(None, "/accept YC-2026-000001")
    assert reply.text == NOT_STAFF


async def test_buttons_accept_transfer_menu_and_transfer(
    chat: StaffChat, chat_county: Any, service: CaseService
) -> None:
    number = await open_case(service)
    tax = staff(chat_county, "tax01")
    [detail] = await chat.handle(tax, "", choice_id=f"detail:{number}")
    assert (
        number in detail.text and "13812341427" not in detail.text and "138****1427" in detail.text
    )
    assert f"accept:{number}" in {c.id for c in detail.choices}
    [done] = await chat.handle(tax, "", choice_id=f"accept:{number}")
    assert done.text.startswith("已受理") and (await service.detail(number)).status == "accepted"
    [menu] = await chat.handle(tax, "", choice_id=f"transfer:{number}")
    ids = {c.label: c.id for c in menu.choices}
    assert ids["县人社局"] == f"transfer_to:{number}:hrss"
    assert all(len(c.id) <= MAX_CHOICE_ID for c in menu.choices)
    assert "县税务局" not in ids, "the current lead is not offered"
    [moved] = await chat.handle(tax, "", choice_id=ids["县医保局"])
    assert "县医保局" in moved.text
    after = await service.detail(number)
    assert (after.status, after.lead_agency) == ("transferred", "medical")


async def test_commands_and_chinese_aliases(
    chat: StaffChat, chat_county: Any, service: CaseService
) -> None:
    number = await open_case(service)
    tax = staff(chat_county, "tax01")
    [r] = await chat.handle(tax, f"受理 {number.lower()}")
    assert r.text.startswith("已受理")
    [r] = await chat.handle(tax, "/cases")
    assert number in r.text
    [r] = await chat.handle(tax, f"/reply {number}")
    assert "答复内容" in r.text
    [r] = await chat.handle(tax, f"回复 {number} 经核实，滞纳金已按规定减免。")
    assert r.text.startswith("已书面答复")
    assert (await service.detail(number)).latest_reply == "经核实，滞纳金已按规定减免。"
    [r] = await chat.handle(tax, f"/close {number}")
    assert r.text.startswith("已办结")
    [r] = await chat.handle(tax, "/accept YC-2026-999999")
    assert "没有编号为" in r.text
    [r] = await chat.handle(tax, f"/accept {number}")
    assert "不能受理" in r.text, "illegal transitions are explained"
    [r] = await chat.handle(tax, "今天天气不错")
    assert "/cases" in r.text


async def test_reply_to_a_notification_and_transfer_by_name(
    chat: StaffChat, chat_county: Any, service: CaseService
) -> None:
    number = await open_case(service)
    tax = staff(chat_county, "tax01")
    await chat.handle(tax, f"/accept {number}")
    [r] = await chat.handle(tax, "已为您核减滞纳金。", reply_to_case=number)
    assert r.text.startswith("已书面答复")
    other = await open_case(service, id_number="11010519491231002X")
    [r] = await chat.handle(tax, f"/transfer {other} 人社 属于劳动关系争议")
    assert "县人社局" in r.text
    detail = await service.detail(other)
    assert detail.lead_agency == "hrss" and detail.events[-1].text == "属于劳动关系争议"
    [r] = await chat.handle(tax, f"移送 {number} 火星局")
    assert "没有找到单位" in r.text and r.choices


async def test_other_agencies_are_refused(
    chat: StaffChat, chat_county: Any, service: CaseService
) -> None:
    number = await open_case(service)
    hrss = staff(chat_county, "hrss01")
    for text in (f"/accept {number}", f"/detail {number}", f"/reply {number} 随便答"):
        [r] = await chat.handle(hrss, text)
        assert "无权" in r.text
    assert (await service.detail(number)).status == "registered"
    [r] = await chat.handle(hrss, "/cases")
    assert number not in r.text
    [r] = await chat.handle(staff(chat_county, "office01"), "/cases")
    assert number in r.text
