"""What people are told and what the register holds, as the acceptance tester found it:
a complainant hears only of their own cases; the reply names who replied; a transfer out of
the county gives the receiving side's phone; staff pushes carry a capped description; the
register writes money as money and gives a villager's contact through the grid worker."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from backend.config import County
from backend.export import MONEY_FORMAT, render
from backend.models import OutboxMessage
from backend.service import CaseFilter, CaseService
from backend.texts import FULL_TEXT_HINT, PUSH_DESCRIPTION_LIMIT
from backend.workflow import Actor, InvalidAction, StaffAction

TAX = Actor("tax01", "staff", "tax", "王建国")
OFFICE = Actor("office01", "office", "office", "崔明")
ID = "14052219900315076X"


async def _rows(svc: CaseService, number: str | None = None) -> list[OutboxMessage]:
    async with svc.db.session() as s:
        rows = (await s.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id))).scalars()  # type: ignore[arg-type]
        found = list(rows)
    if number is None:
        return found
    return [r for r in found if number in r.dedup_key]


async def test_a_complainant_is_told_only_of_their_own_earlier_cases(
    case_service: CaseService, make_draft: Any
) -> None:
    svc = case_service
    first = await svc.open_case(make_draft(name="张三", id_number=ID, channel_user="u1"))
    # Same ID number, another name, another chat: linked for staff, never told.
    draft = make_draft(name="李四", id_number=ID, channel_user="u2", draft_key="k2")
    other = await svc.open_case(draft)
    assert other.related_cases == ()
    assert await svc.open_case(draft) == other  # the same draft again: the same answer
    detail = await svc.detail(other.number)
    assert detail.repeat_of == first.number and first.number in detail.related_cases
    pushed = [r for r in await _rows(svc, other.number) if r.kind == "new_case"]
    assert pushed and all(first.number in r.body for r in pushed)  # staff see the link
    await svc.act(other.number, StaffAction("accept", TAX))
    told = [r for r in await _rows(svc, other.number) if r.kind == "to_complainant"]
    assert told and not any(first.number in r.body + r.title for r in told)
    # Same ID number AND same name (another chat): their own case, told.
    again = await svc.open_case(make_draft(name="张三", id_number=ID, channel_user="u3"))
    assert first.number in again.related_cases and other.number not in again.related_cases
    # The same chat, another ID: their own too (e.g. the same grid worker's filings).
    same_chat = await svc.open_case(make_draft(name="王五", id_number=None, employer="宏达煤业"))
    later = await svc.open_case(make_draft(name="赵六", id_number=None, employer="宏达煤业"))
    assert later.related_cases == (same_chat.number,)
    colleague = await svc.open_case(
        make_draft(name="钱七", id_number=None, employer="宏达煤业", channel_user="u9")
    )
    assert colleague.related_cases == ()  # a colleague at the same employer: not told


async def test_the_reply_names_who_replied_and_a_transfer_out_gives_a_phone(
    case_service: CaseService, make_draft: Any, county: County
) -> None:
    svc = case_service
    opened = await svc.open_case(make_draft(category="refund"))
    assert opened.lead.id == "tax"
    await svc.act(opened.number, StaffAction("accept", TAX))
    await svc.act(opened.number, StaffAction("reply", OFFICE, reply="经协调，下周退费。"))
    [told] = [r for r in await _rows(svc, opened.number) if r.title.endswith("答复")]
    office = county.agency("office")
    assert f"{office.name}答复如下" in told.body and office.phone in told.body
    assert county.agency("tax").name not in told.body

    out = await svc.open_case(make_draft(channel_user="u2"))
    with pytest.raises(InvalidAction, match="对方联系电话不对"):
        await svc.act(
            out.number,
            StaffAction(
                "transfer_out", TAX, text="外县", jurisdiction="泽州县", jurisdiction_phone="123"
            ),
        )
    await svc.act(
        out.number,
        StaffAction(
            "transfer_out",
            TAX,
            text="参保地在泽州县",
            jurisdiction="晋城市泽州县税务局",
            jurisdiction_phone="0356-3021234",
        ),
    )
    [moved] = [r for r in await _rows(svc, out.number) if r.kind == "to_complainant"]
    assert "晋城市泽州县税务局" in moved.body and "0356-3021234" in moved.body
    cases = await svc.list_cases(CaseFilter(limit=None))
    rows = list(csv.reader(io.StringIO(render(cases, county, "csv").decode("utf-8-sig"))))
    record = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}[out.number]
    assert record["转往地区"] == "晋城市泽州县税务局（电话 0356-3021234）"


async def test_staff_pushes_carry_a_capped_description(
    case_service: CaseService, make_draft: Any
) -> None:
    svc = case_service
    # An ID number across the cut: masked first, so no half of it leaks unmasked.
    long = "单位欠缴。" * 59 + f"身份证{ID}" + "详细经过如下。" * 350
    assert len(long) > 2700
    opened = await svc.open_case(make_draft(description=long))
    pushes = [r for r in await _rows(svc, opened.number) if r.kind == "new_case"]
    assert pushes
    for r in pushes:
        [line] = [x for x in r.body.splitlines() if x.startswith("诉求：")]
        assert line.endswith(FULL_TEXT_HINT)
        assert len(line) <= len("诉求：") + PUSH_DESCRIPTION_LIMIT + len(FULL_TEXT_HINT)
        assert "140522199003" not in r.body
    assert (await svc.detail(opened.number)).description == long  # the case keeps it all


async def test_register_money_and_a_villagers_contact(
    sqlite_case_service: CaseService, make_draft: Any, county: County
) -> None:
    svc = sqlite_case_service
    villager = await svc.open_case(
        make_draft(category="refund", amount=380.0, phone=None, filed_by=("张桂兰", "15835601121"))
    )
    await svc.open_case(make_draft(amount=1200.5, channel_user="u2"))
    cases = await svc.list_cases(CaseFilter(limit=None))
    rows = list(csv.reader(io.StringIO(render(cases, county, "csv").decode("utf-8-sig"))))
    by_number = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_number[villager.number]["金额（元）"] == "380"
    assert by_number[villager.number]["联系电话"] == "（网格员）15835601121"
    others = [v for k, v in by_number.items() if k != villager.number]
    assert others[0]["金额（元）"] == "1,200.5" and others[0]["联系电话"] == "13812341427"

    sheet = load_workbook(io.BytesIO(render(cases, county, "xlsx")))["案件台账"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("金额（元）") + 1
    amounts = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=column)
        for r in range(2, sheet.max_row + 1)
    }
    cell = amounts[villager.number]
    assert cell.value == 380 and cell.data_type == "n" and cell.number_format == MONEY_FORMAT
