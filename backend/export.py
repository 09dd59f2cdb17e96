"""The case register (台账) as JSON, CSV or XLSX.

JSON: an array of ``CaseDetail.to_json()`` records (ARCHITECTURE.md "Case export (JSON)").
CSV / XLSX: one row per case with Chinese column headers, for the office's spreadsheets.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.categories import INSURANCE_TYPES
from backend.config import County
from backend.service import CaseDetail
from backend.workflow import VERDICTS

FORMATS: tuple[str, ...] = ("json", "csv", "xlsx")


def to_json(cases: Sequence[CaseDetail]) -> str:
    return json.dumps([c.to_json() for c in cases], ensure_ascii=False, indent=2)


def _columns(county: County) -> list[tuple[str, Callable[[CaseDetail], Any]]]:
    tz = ZoneInfo(county.timezone)

    def when(value: datetime | None) -> str:
        return "" if value is None else f"{value.astimezone(tz):%Y-%m-%d %H:%M}"

    def agency(agency_id: str) -> str:
        return county.agency(agency_id).short_name if county.has_agency(agency_id) else agency_id

    def period(c: CaseDetail) -> str:
        if c.period_start is None and c.period_end is None:
            return ""
        return f"{c.period_start or ''}至{c.period_end or ''}"

    return [
        ("案件编号", lambda c: c.number),
        ("状态", lambda c: c.status_label),
        ("争议类别", lambda c: c.category_label),
        ("分类", lambda c: c.tier_label),
        ("登记时间", lambda c: when(c.created_at)),
        ("办理时限", lambda c: when(c.due_at)),
        ("是否超期", lambda c: "是" if c.overdue else "否"),
        ("牵头单位", lambda c: agency(c.lead_agency)),
        ("联办单位", lambda c: "、".join(agency(a) for a in c.co_agencies)),
        ("缴费人类型", lambda c: "用人单位" if c.complainant.kind == "employer" else "个人"),
        ("姓名", lambda c: c.complainant.name or ""),
        ("联系电话", lambda c: c.complainant.phone or ""),
        ("身份证号", lambda c: c.complainant.id_number or ""),
        ("用人单位", lambda c: c.complainant.employer or ""),
        ("统一社会信用代码", lambda c: c.complainant.credit_code or ""),
        ("乡镇", lambda c: c.complainant.township or ""),
        ("村（社区）", lambda c: c.complainant.village or ""),
        ("险种", lambda c: INSURANCE_TYPES.get(c.insurance_type or "", c.insurance_type or "")),
        ("所属期", period),
        ("金额（元）", lambda c: "" if c.amount is None else c.amount),
        ("涉及人数", lambda c: "" if c.people_count is None else c.people_count),
        ("反映内容", lambda c: c.description),
        ("受理渠道", lambda c: c.channel),
        (
            "代办网格员",
            lambda c: "" if c.filed_by is None else f"{c.filed_by.name} {c.filed_by.phone}",
        ),
        ("关联重复件", lambda c: "、".join(c.related_cases)),
        ("转往地区", lambda c: c.transferred_to or ""),
        ("答复内容", lambda c: c.latest_reply or ""),
        ("答复时间", lambda c: when(c.replied_at)),
        ("办结时间", lambda c: when(c.closed_at)),
        ("满意度", lambda c: VERDICTS.get(c.satisfaction or "", c.satisfaction or "")),
        ("办理过程", lambda c: "；".join(f"{when(e.at)} {e.action_label}" for e in c.events)),
    ]


def table(cases: Sequence[CaseDetail], county: County) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows, shared by CSV and XLSX."""
    columns = _columns(county)
    return [h for h, _ in columns], [[get(c) for _, get in columns] for c in cases]


def to_csv(cases: Sequence[CaseDetail], county: County) -> str:
    """CSV text; written with a UTF-8 BOM by ``write`` so that Excel opens it correctly."""
    headers, rows = table(cases, county)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def to_xlsx(cases: Sequence[CaseDetail], county: County) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    headers, rows = table(cases, county)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "案件台账"
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2, *(min(len(str(r[i - 1])), 40) for r in rows)])
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, width + 2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render(cases: Sequence[CaseDetail], county: County, fmt: str) -> bytes:
    """The register in ``fmt`` as bytes (CSV with a BOM for Excel)."""
    if fmt == "json":
        return (to_json(cases) + "\n").encode("utf-8")
    if fmt == "csv":
        return ("\ufeff" + to_csv(cases, county)).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(cases, county)
    raise ValueError(f"unknown export format {fmt!r}")
