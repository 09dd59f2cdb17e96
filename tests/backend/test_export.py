"""The register export: JSON per ARCHITECTURE.md, CSV and XLSX with Chinese headers."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from openpyxl import load_workbook

from backend.config import County
from backend.export import render
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
    "channel_user",
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
    assert headers[:4] == ["案件编号", "状态", "争议类别", "分类"]
    assert len(rows) == 3
    by_number = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[1:]}
    person = by_number[cases[1].number]
    assert person["牵头单位"] == "县税务局" and person["联办单位"] == "县人社局、县财政局"
    assert person["状态"] == "已受理，正在办理" and person["代办网格员"].startswith("张桂兰")

    book = load_workbook(io.BytesIO(render(cases, county, "xlsx")))
    sheet = book["案件台账"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == headers and len(values) == 3
    assert {v[0] for v in values[1:]} == {c.number for c in cases}
