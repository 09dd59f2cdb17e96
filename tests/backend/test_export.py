"""The register export: JSON per ARCHITECTURE.md, CSV and XLSX with Chinese headers."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from backend.config import County
from backend.export import render, safe_cell, table, write_file
from backend.service import CaseFilter, CaseService
from backend.workflow import Actor, StaffAction

ARCHITECTURE_FIELDS = {
    "number",
    "status",
    "category",
    "tier",
    "description",
    "created_at",
    "due_at",
    "channel",
    "lead_agency",
    "co_agencies",
    "complainant",
    "filed_by",
    "related_cases",
    "events",
}
COMPLAINANT_FIELDS = {
    "kind",
    "name",
    "phone",
    "id_number",
    "employer",
    "credit_code",
    "township",
    "village",
    "insurance_type",
    "period",
    "amount",
    "people_count",
}


async def _register(svc: CaseService, make_draft: Any) -> list[Any]:
    a = await svc.open_case(
        make_draft(
            category="refund",
            insurance_type="pension",
            period_start=date(2023, 1, 1),
            period_end=date(2023, 12, 31),
            amount=1200.5,
            filed_by=("张桂兰", "15835601121"),
        )
    )
    await svc.open_case(
        make_draft(
            kind="employer", name=None, employer="宏达煤业", credit_code="91140522MA0K0XXX1B"
        )
    )
    await svc.act(a.number, StaffAction("accept", Actor("tax01", "staff", "tax")))
    return await svc.list_cases(CaseFilter(limit=None))


async def test_json_export(
    sqlite_case_service: CaseService, make_draft: Any, county: County
) -> None:
    cases = await _register(sqlite_case_service, make_draft)
    data = json.loads(render(cases, county, "json"))
    assert isinstance(data, list) and len(data) == 2
    employer, person = data
    for record in data:
        assert set(record) >= ARCHITECTURE_FIELDS
        # The chat account stays a field (ARCHITECTURE.md) but leaves the server masked.
        assert record["channel_user"].startswith("***") and "user-1" not in record["channel_user"]
        assert set(record["complainant"]) >= COMPLAINANT_FIELDS
        assert {"at", "actor", "action", "text"} <= set(record["events"][0])
    assert person["complainant"]["period"] == {"start": "2023-01-01", "end": "2023-12-31"}
    assert person["complainant"]["amount"] == 1200.5
    assert person["filed_by"] == {
        "role": "grid_worker",
        "name": "张桂兰",
        "phone": "15835601121",
        "township": "凤鸣镇",
        "village": "南关村",
    }
    assert person["co_agencies"] == ["hrss", "finance"]
    assert [e["action"] for e in person["events"]] == ["register", "consent", "accept"]
    assert employer["filed_by"] is None and employer["complainant"]["period"] is None
    assert employer["complainant"]["kind"] == "employer" and employer["complainant"]["name"] is None


async def test_csv_and_xlsx_exports(
    sqlite_case_service: CaseService, make_draft: Any, county: County
) -> None:
    cases = await _register(sqlite_case_service, make_draft)
    raw = render(cases, county, "csv")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    headers = rows[0]
    # Every field of the 登记表 (seeds 000, 001; DOMAIN.md §6).
    for field in (
        "案件编号",
        "登记时间",
        "受理渠道",
        "首问单位",
        "受理人员",
        "缴费人类型",
        "姓名或单位名称",
        "身份证号或统一社会信用代码",
        "用人单位",
        "联系电话",
        "所属乡镇",
        "村（社区）",
        "反映的主要内容",
        "初步处理意见",
        "评价",
    ):
        assert field in headers, field
    assert len(rows) == 3
    by_number = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[1:]}
    person = by_number[cases[1].number]
    assert person["牵头单位"] == "县税务局" and person["联办单位"] == "县人社局、县财政局"
    assert person["状态"] == "已受理，正在办理" and person["代办网格员"].startswith("张桂兰")
    assert person["受理渠道"] == "网格员代办（窗口终端）"
    assert person["受理人员"] == "王建国" and person["首问单位"] == "县税务局"
    assert person["初步处理意见"].startswith("受理，由县税务局办理")
    assert person["登记时间"] == "2026-03-02 09:00"
    process = person["办理过程（日期 单位 人员 动作）"].splitlines()
    assert process[0] == "2026-03-02 09:00 — 网格员张桂兰 登记"
    assert process[-1] == "2026-03-02 09:00 县税务局 王建国 受理"
    assert "staff:" not in raw.decode("utf-8-sig")
    employer = by_number[cases[0].number]
    assert employer["姓名或单位名称"] == "宏达煤业"
    assert employer["身份证号或统一社会信用代码"] == "91140522MA0K0XXX1B"
    assert employer["初步处理意见"].startswith("待受理；按分工由")

    book = load_workbook(io.BytesIO(render(cases, county, "xlsx")))
    sheet = book["案件台账"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == headers and len(values) == 3
    assert {v[0] for v in values[1:]} == {c.number for c in cases}
    registered = values[1][headers.index("登记时间")]
    assert isinstance(registered, datetime) and registered == datetime(2026, 3, 2, 9, 0)
    assert isinstance(values[1][headers.index("办理时限")], datetime)


async def test_verdict_and_channel_names(
    sqlite_case_service: CaseService, make_draft: Any, county: County
) -> None:
    svc = sqlite_case_service
    tax = Actor("tax01", "staff", "tax", "王建国")
    opened = await svc.open_case(make_draft(channel="telegram", category="refund"))
    await svc.act(opened.number, StaffAction("accept", tax))
    await svc.act(opened.number, StaffAction("reply", tax, text="已退费"))
    await svc.record_feedback(opened.number, "satisfied", "满意", actor="complainant")
    headers, [row] = table(await svc.list_cases(CaseFilter()), county)
    record = dict(zip(headers, row, strict=True))
    assert record["评价"] == "满意" and record["受理渠道"] == "Telegram"
    assert record["答复内容"] == "已退费"


@pytest.mark.parametrize(
    "lead", ['=HYPERLINK("http://x","点我")', "+1", "-1+2", "@SUM(A1)", "\t=1"]
)
async def test_formula_leading_cells_are_neutralised(
    sqlite_case_service: CaseService, make_draft: Any, county: County, lead: str
) -> None:
    await sqlite_case_service.open_case(make_draft(description=lead + " 扣多了", name=lead))
    cases = await sqlite_case_service.list_cases(CaseFilter())
    rows = list(csv.reader(io.StringIO(render(cases, county, "csv").decode("utf-8-sig"))))
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    text = cases[0].description  # as cleaned at intake
    assert rows[1][rows[0].index("反映的主要内容")] == "'" + text  # the CSV convention
    book = load_workbook(io.BytesIO(render(cases, county, "xlsx")))
    sheet = book["案件台账"]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str) and cell.value.lstrip().startswith(("=", "+", "-", "@")):
                assert cell.data_type == "s" and cell.quotePrefix, cell.value
    # The cell shows what was typed, as text, with no visible apostrophe.
    described = sheet.cell(row=2, column=headers.index("反映的主要内容") + 1)
    assert described.value == text and described.quotePrefix


def test_safe_cell() -> None:
    assert safe_cell("=1+1") == "'=1+1" and safe_cell(" =1") == "' =1"
    assert safe_cell("\r=1") == "'\r=1" and safe_cell("张三") == "张三"
    assert safe_cell(-3.5) == -3.5 and safe_cell(None) is None


def test_write_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text("old")
    path.chmod(0o644)
    write_file(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.xlsx"
    write_file(fresh, b"x")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


async def test_access_log_csv_speaks_chinese(
    sqlite_case_service: CaseService, make_draft: Any, county: County
) -> None:
    from backend.export import render_access_log

    svc = sqlite_case_service
    opened = await svc.open_case(make_draft())
    tax = Actor("tax01", "staff", "tax", "王建国")
    await svc.record_access(tax, opened.number, "detail", via="api")
    await svc.record_access("cli:root", opened.number, "detail", via="cli")
    await svc.record_access("staff:office01", None, "export xlsx: 3 件", via="console")
    await svc.record_access("staff:tax01", opened.number, "attachment:ab12", via="chat")
    text = render_access_log(await svc.access_log(), county, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["时间", "人员", "单位", "案件编号", "查看内容", "途径"]
    shown = [row[1:] for row in rows[1:]]
    assert shown == [
        ["王建国", "县税务局", opened.number, "查看附件 ab12", "工作人员聊天"],
        ["崔明", "领导小组办公室", "", "导出台账（XLSX，3 件）", "工作台"],
        ["命令行用户 root", "", opened.number, "查看案件详情（含身份证号、电话）", "命令行"],
        ["王建国", "县税务局", opened.number, "查看案件详情（含身份证号、电话）", "工作人员接口"],
    ]
    for code in ("detail", "console", "export", ",api", ",cli"):
        assert code not in text


def test_money_is_formatted_once() -> None:
    from backend.labels import format_money

    assert format_money(200000.0) == "200,000 元" and format_money(1234.5) == "1,234.5 元"
    assert format_money(1234.567) == "1,234.57 元" and format_money(None) == ""
    assert format_money(3) == "3 元" and format_money(0.0) == "0 元"


async def test_staff_push_shows_money_formatted(
    sqlite_case_service: CaseService, make_draft: Any
) -> None:
    import sqlalchemy as sa

    from backend.models import OutboxMessage

    await sqlite_case_service.open_case(make_draft(category="refund", amount=200000.0))
    async with sqlite_case_service.db.session() as s:
        bodies = list((await s.execute(sa.select(OutboxMessage.body))).scalars())  # type: ignore[call-overload]
    assert bodies and all("金额 200,000 元" in b for b in bodies if "金额" in b)
    assert not any("200000" in b or "200,000.00" in b for b in bodies)
