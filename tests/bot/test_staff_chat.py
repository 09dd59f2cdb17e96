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
    [r] = await chat.handle(tax, f"/detail {other}")  # first receiver (首问) still reads it
    assert other in r.text and "无权" not in r.text
    [r] = await chat.handle(tax, f"/accept {other}")  # ... but no longer acts on it
    assert "无权" in r.text
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


@pytest.mark.parametrize(
    ("word", "answer"),
    [
        ("#²", "牵头单位"),  # NFKC "2": the menu's third agency, the lead itself
        ("#①", "已移送县政府办"),
        ("＃②", "牵头单位"),
        ("#٣", "已移送县人社局"),
        ("#" + "9" * 4900, "没有找到单位"),
        ("#-1", "没有找到单位"),
        ("#", "没有找到单位"),
        ("①", "没有找到单位"),
        ("²", "没有找到单位"),
        ("9" * 4900, "没有找到单位"),
    ],
)
async def test_unicode_digits_as_menu_choices_never_crash(
    chat: StaffChat, chat_county: Any, service: CaseService, word: str, answer: str
) -> None:
    """Issue 14.9: ``str.isdigit()`` is true for "²", "①" and 5,000 digits; ``int()``
    raises on all three. Each is read as a menu index or refused with the agency menu."""
    number = await open_case(service)
    tax = staff(chat_county, "tax01")
    [r] = await chat.handle(tax, f"/transfer {number} {word} 理由")
    assert answer in r.text
    moved = (await service.detail(number)).lead_agency != "tax"
    assert moved == answer.startswith("已移送")
    if not moved:
        [r] = await chat.handle(tax, "", choice_id=f"transfer_to:{number}:{word}")
        assert r.text and not r.text.startswith("已移送")


async def test_menu_index_reads_circled_and_full_width_digits(
    chat: StaffChat, chat_county: Any, service: CaseService
) -> None:
    number = await open_case(service)
    [menu] = await chat.handle(staff(chat_county, "tax01"), "", choice_id=f"transfer:{number}")
    agencies = [a.id for a in chat_county.agencies]
    [r] = await chat.handle(staff(chat_county, "tax01"), f"/transfer {number} #③ 属人社")
    assert r.text.startswith("已移送")
    assert (await service.detail(number)).lead_agency == agencies[3]
    assert menu.choices


async def test_case_numbers_as_typed_and_hostile_text(
    chat: StaffChat, chat_county: Any, service: CaseService
) -> None:
    number = await open_case(service)  # YC-2026-000001
    tax = staff(chat_county, "tax01")
    [r] = await chat.handle(tax, "/detail yc2026001")
    assert number in r.text
    [r] = await chat.handle(tax, "/accept YC－2026－000001")
    assert r.text.startswith("已受理")
    for text in (
        "/accept YC-2026-①",
        "/accept YC-2026-" + "9" * 4900,
        "/detail " + "Y" * 4900,
        "受理 ²",
    ):
        [r] = await chat.handle(tax, text)
        assert "案件号" in r.text, text[:40]
    [r] = await chat.handle(tax, "x" * 6000)
    assert "太长" in r.text
    for forged in (f"accept:{'9' * 5000}", "detail:YC-2026-\x00", "accept", ":::", "detail:²"):
        [r] = await chat.handle(tax, "", choice_id=forged)
        assert "/cases" in r.text, forged  # unknown button: the help text
    assert (await service.detail(number)).status == "accepted"


async def test_nul_in_a_chat_reply_is_stored_on_both_databases(
    chat_county: Any, database: Any, clock: Any
) -> None:
    """PostgreSQL refuses NUL in text; a staff reply containing one is stored without it."""
    service = CaseService(chat_county, database, clock)
    chat = StaffChat(chat_county, service)
    number = await open_case(service)
    tax = staff(chat_county, "tax01")
    await chat.handle(tax, f"/accept {number}")
    [r] = await chat.handle(tax, f"/reply {number} 已核减\x00滞纳金\x07。")
    assert r.text.startswith("已书面答复"), r.text
    assert (await service.detail(number)).latest_reply == "已核减滞纳金。"
    [r] = await chat.handle(tax, "补充说明\x00", reply_to_case=number.lower())
    assert "已书面答复" in r.text or "不能" in r.text


async def test_close_asks_for_the_result_for_the_complainant(
    chat: StaffChat, chat_county: Any, service: CaseService, tmp_path: Any
) -> None:
    from backend.attachments import FileStore, Upload, add_to_case
    from bot.staff_chat import ASK_CLOSE
    from tests.backend.attachment_samples import image

    number = await open_case(service, category="payment_system")
    assert (await service.detail(number)).tier == "simple"
    tax = staff(chat_county, "tax01")
    # The 当场办结 button of a simple case asks for the result; it does not refuse.
    [asked] = await chat.handle(tax, "", choice_id=f"close:{number}")
    assert asked.text == ASK_CLOSE.format(number=number) and "需要填写" not in asked.text
    [asked] = await chat.handle(tax, f"办结 {number}")
    assert asked.text == ASK_CLOSE.format(number=number)
    assert (await service.detail(number)).status == "registered"
    # The photo the complainant sent shows in the chat's case detail as a count.
    upload = Upload(
        data=image("JPEG", seed=2),
        kind="image",
        channel="telegram",
        user_ref="900",
        received_at=service.clock(),
        message_id="chat-1",
    )
    added = await add_to_case(service.db, FileStore(tmp_path), chat_county, number, upload)
    assert not hasattr(added, "sentence"), added
    [shown] = await chat.handle(tax, "", choice_id=f"detail:{number}")
    assert "附件：照片 1 张" in shown.text
    # The text after /close is the result the complainant is told, word for word.
    [done] = await chat.handle(tax, f"/close {number} 经核实，系统已修复，您已缴费成功。")
    assert done.text.startswith("已办结")
    detail = await service.detail(number)
    assert detail.status == "closed"
    assert detail.latest_reply == "经核实，系统已修复，您已缴费成功。"
    [event] = [e for e in detail.events if e.action == "close"]
    assert event.data["reply"] == "经核实，系统已修复，您已缴费成功。" and event.data["on_the_spot"]
