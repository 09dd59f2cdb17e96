"""The case register (台账 / 《社会保险费征缴争议登记表》) as JSON, CSV or XLSX, and the access
log as JSON or CSV.

One row per case with every field of the 登记表 (受理渠道, 受理人员, 缴费人基本情况, 联系方式,
所属辖区, 反映的主要内容, 初步处理意见 …), dates as dates (XLSX date cells), people and agencies
by name, the channel in Chinese, and the process as 「日期 单位 人员 动作」. JSON: an array of
records (ARCHITECTURE.md "Case export (JSON)") whose chat ids (``channel_user``) are masked: the
field stays for the tools that read it, the account behind it does not leave the server.

A spreadsheet runs a cell starting with = + - @ as a formula. In the CSV such a cell gets a
leading apostrophe (the CSV convention); in the XLSX it is written as a text cell (explicit
string type) with the ``quotePrefix`` style, so it shows exactly what was typed and no
apostrophe. Files are written 0600 (``write_file``).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from backend.access_log import AccessEntry
from backend.categories import INSURANCE_TYPES
from backend.config import County
from backend.labels import CHANNEL_LABELS, access_label, channel_label, format_money, via_label
from backend.views import CaseDetail, EventView
from backend.workflow import VERDICTS

FORMATS: tuple[str, ...] = ("json", "csv", "xlsx")
ACCESS_LOG_FORMATS: tuple[str, ...] = ("json", "csv")

#: How the register names a channel (受理渠道): the one table in ``backend.labels``.
CHANNEL_NAMES: dict[str, str] = CHANNEL_LABELS

#: The first decisions on a case: the 初步处理意见 and the 受理人员 of the 登记表.
FIRST_DECISIONS = ("accept", "transfer", "transfer_out", "escalate", "close", "reply")

#: A cell starting with one of these is a formula (or becomes one) in a spreadsheet.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")

DATE_FORMAT = "yyyy-mm-dd hh:mm"
#: Money in the XLSX: a number cell, thousands separated, to the fen.
MONEY_FORMAT = "#,##0.00"


class Money(float):
    """An amount in yuan: a number cell in the XLSX (``MONEY_FORMAT``), written as people
    write it in the text exports (``format_money``: 380, 1,200.5 — never 380.0)."""

    def __str__(self) -> str:
        return format_money(float(self), unit="")


def is_formula_like(value: Any) -> bool:
    """True for text a spreadsheet would run as a formula (= + - @, also after spaces)."""
    return (
        isinstance(value, str)
        and bool(value)
        and (value.startswith(FORMULA_LEADS) or value.lstrip().startswith(FORMULA_LEADS[:4]))
    )


def safe_cell(value: Any) -> Any:
    """``value`` for a CSV cell: formula-like text gets a leading apostrophe (the CSV
    convention); numbers and dates pass."""
    return "'" + value if is_formula_like(value) else value


def register_record(c: CaseDetail) -> dict[str, Any]:
    """The JSON record of a case in the register: the export fields, chat ids masked."""
    data = c.to_json()
    data["channel_user"] = mask_account(data.get("channel_user"))
    return data


def mask_account(user_ref: str | None) -> str | None:
    """A chat account id with all but its last 3 characters hidden (``****789``)."""
    if not user_ref:
        return user_ref
    return "*" * max(len(user_ref) - 3, 3) + user_ref[-3:]


def to_json(cases: Sequence[CaseDetail]) -> str:
    return json.dumps([register_record(c) for c in cases], ensure_ascii=False, indent=2)


# --- the columns --------------------------------------------------------------------------------


class _Register:
    """Reads one case the way the 登记表 shows it (names, Chinese, local dates)."""

    def __init__(self, county: County) -> None:
        self.county = county
        self.tz = ZoneInfo(county.timezone)

    def when(self, value: datetime | None) -> datetime | None:
        """Local wall-clock time (spreadsheets have no time zones)."""
        if value is None:
            return None
        return value.astimezone(self.tz).replace(tzinfo=None, second=0, microsecond=0)

    def agency(self, agency_id: str | None) -> str:
        if not agency_id:
            return ""
        c = self.county
        return c.agency(agency_id).short_name if c.has_agency(agency_id) else agency_id

    def channel(self, c: CaseDetail) -> str:
        name = channel_label(c.channel)
        return f"网格员代办（{name}）" if c.filed_by is not None else name

    def first_decision(self, c: CaseDetail) -> EventView | None:
        return next((e for e in c.events if e.action in FIRST_DECISIONS), None)

    def receiver(self, c: CaseDetail) -> str:
        """受理人员: who took the first decision on the case."""
        first = self.first_decision(c)
        return first.actor_name if first is not None else ""

    def initial_opinion(self, c: CaseDetail) -> str:
        """初步处理意见: the first decision in words, or the routing while none is taken."""
        e = self.first_decision(c)
        if e is None:
            register = next((x for x in c.events if x.action == "register"), None)
            data = register.data if register is not None else {}
            co = "、".join(self.agency(a) for a in data.get("co", []))
            lead = self.agency(data.get("lead") or c.lead_agency)
            return f"待受理；按分工由{lead}牵头" + (f"，{co}联办" if co else "")
        d = e.data
        if e.action == "accept":
            return f"受理，由{self.agency(d.get('agency') or c.lead_agency)}办理：{e.text}"
        if e.action == "transfer":
            return f"移送{self.agency(d.get('to_agency'))}：{e.text}"
        if e.action == "transfer_out":
            return f"转{d.get('jurisdiction', '')}：{e.text}"
        if e.action == "escalate":
            return f"上报领导小组办公室：{e.text}"
        if e.action == "close":
            return f"当场办结：{d.get('reply') or e.text}"
        return f"书面答复：{d.get('reply') or e.text}"

    def process(self, c: CaseDetail) -> str:
        """办理过程, one line per event: 日期 单位 人员 动作."""
        lines = []
        for e in c.events:
            at = self.when(e.at)
            day = f"{at:%Y-%m-%d %H:%M}" if at else ""
            unit = self.agency(e.actor_agency) or "—"
            lines.append(f"{day} {unit} {e.actor_name or e.actor} {e.action_label}")
        return "\n".join(lines)

    def phone(self, c: CaseDetail) -> str:
        """联系电话: the complainant's; for a villager without one, the grid worker's who
        filed for them, labelled so nobody calls the wrong person."""
        if c.complainant.phone:
            return c.complainant.phone
        if c.filed_by is not None and c.filed_by.phone:
            return f"（网格员）{c.filed_by.phone}"
        return ""

    def transferred_to(self, c: CaseDetail) -> str:
        """转往地区, with the receiving side's phone when staff entered it."""
        if not c.transferred_to:
            return ""
        out = next((e for e in reversed(c.events) if e.action == "transfer_out"), None)
        phone = (out.data or {}).get("jurisdiction_phone") if out is not None else None
        return f"{c.transferred_to}（电话 {phone}）" if phone else c.transferred_to

    def verdict(self, c: CaseDetail) -> str:
        if c.satisfaction is None:
            return ""
        said = next((e for e in reversed(c.events) if e.action == "feedback"), None)
        if said is not None and said.text:
            return said.text
        return VERDICTS.get(c.satisfaction, c.satisfaction)

    def columns(self) -> list[tuple[str, Callable[[CaseDetail], Any]]]:
        def period(c: CaseDetail) -> str:
            if c.period_start is None and c.period_end is None:
                return ""
            return f"{c.period_start or ''}至{c.period_end or ''}"

        def employer(c: CaseDetail) -> bool:
            return c.complainant.kind == "employer"

        return [
            ("案件编号", lambda c: c.number),
            ("登记时间", lambda c: self.when(c.created_at)),
            ("受理渠道", self.channel),
            ("首问单位", lambda c: self.agency(c.first_agency or c.lead_agency)),
            ("受理人员", self.receiver),
            ("缴费人类型", lambda c: "用人单位" if employer(c) else "个人"),
            (
                "姓名或单位名称",
                lambda c: (c.complainant.employer if employer(c) else c.complainant.name) or "",
            ),
            (
                "身份证号或统一社会信用代码",
                lambda c: (
                    (c.complainant.credit_code if employer(c) else c.complainant.id_number) or ""
                ),
            ),
            ("用人单位", lambda c: "" if employer(c) else c.complainant.employer or ""),
            ("联系人", lambda c: (c.complainant.name or "") if employer(c) else ""),
            ("联系电话", self.phone),
            ("所属乡镇", lambda c: c.complainant.township or ""),
            ("村（社区）", lambda c: c.complainant.village or ""),
            ("险种", lambda c: "、".join(INSURANCE_TYPES.get(k, k) for k in c.insurance_keys)),
            ("所属期", period),
            ("金额（元）", lambda c: Money(c.amount) if c.amount is not None else None),
            ("涉及人数", lambda c: c.people_count),
            ("反映的主要内容", lambda c: c.description),
            ("争议类别", lambda c: c.category_label),
            ("分类", lambda c: c.tier_label),
            ("初步处理意见", self.initial_opinion),
            ("牵头单位", lambda c: self.agency(c.lead_agency)),
            ("联办单位", lambda c: "、".join(self.agency(a) for a in c.co_agencies)),
            ("办理时限", lambda c: self.when(c.due_at)),
            ("状态", lambda c: c.status_label),
            ("是否超期", lambda c: "是" if c.overdue else "否"),
            (
                "代办网格员",
                lambda c: "" if c.filed_by is None else f"{c.filed_by.name} {c.filed_by.phone}",
            ),
            ("关联重复件", lambda c: "、".join(c.related_cases)),
            ("转往地区", self.transferred_to),
            ("答复内容", lambda c: c.latest_reply or ""),
            ("答复时间", lambda c: self.when(c.replied_at)),
            ("办结时间", lambda c: self.when(c.closed_at)),
            ("评价", self.verdict),
            ("附件", lambda c: c.attachments.total),
            ("办理过程（日期 单位 人员 动作）", self.process),
        ]


def table(
    cases: Sequence[CaseDetail], county: County, *, csv_safe: bool = True
) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows (dates as local ``datetime``, counts as numbers, None when empty);
    ``csv_safe``: formula-like text with the CSV's leading apostrophe (the XLSX writer
    neutralises those cells itself, without one)."""
    columns = _Register(county).columns()
    cell = safe_cell if csv_safe else (lambda v: v)
    return [h for h, _ in columns], [[cell(get(c)) for _, get in columns] for c in cases]


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, Money):
        return str(value)
    return value


def to_csv(cases: Sequence[CaseDetail], county: County) -> str:
    """CSV text; written with a UTF-8 BOM by ``render`` so that Excel opens it correctly."""
    headers, rows = table(cases, county)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([[_csv_value(v) for v in row] for row in rows])
    return out.getvalue()


def to_xlsx(cases: Sequence[CaseDetail], county: County) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    headers, rows = table(cases, county, csv_safe=False)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "案件台账"
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for column in ws.iter_cols(min_row=2):
        for cell in column:
            if is_formula_like(cell.value):
                # Text, not a formula: the string type and the quotePrefix style (what Excel
                # sets when one types '=…), so the cell shows =HYPERLINK… with no apostrophe.
                cell.data_type = "s"
                cell.quotePrefix = True
            if isinstance(cell.value, datetime):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, Money):
                cell.value = float(cell.value)  # a plain number for openpyxl
                cell.number_format = MONEY_FORMAT
            elif isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
    for i, header in enumerate(headers, start=1):
        widths = [
            16 if isinstance(r[i - 1], datetime) else min(len(str(r[i - 1] or "")), 40)
            for r in rows
        ]
        width = max([len(header) * 2, *widths])
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


def render_access_log(log: Sequence[AccessEntry], county: County, fmt: str) -> bytes:
    """The access log as JSON or CSV (BOM, formula-safe), newest first."""
    if fmt == "json":
        text = json.dumps([e.to_json() for e in log], ensure_ascii=False, indent=2)
        return (text + "\n").encode("utf-8")
    if fmt != "csv":
        raise ValueError(f"unknown access log format {fmt!r}")
    reg = _Register(county)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["时间", "人员", "单位", "案件编号", "查看内容", "途径"])
    for e in log:
        at = e.at.astimezone(reg.tz)
        row = [
            f"{at:%Y-%m-%d %H:%M:%S}",
            reader_name(county, e.actor, e.actor_name),
            reg.agency(e.agency),
            e.case_number or "",
            access_label(e.what),
            via_label(e.via),
        ]
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def reader_name(county: County, ref: str, name: str) -> str:
    """Who read, for people: the staff member's name, 命令行用户 root, 系统."""
    kind, _, ident = ref.partition(":")
    if kind in ("staff", "office", "leader"):
        return county.staff_name(ident) or name or ident
    if kind == "cli":
        return f"命令行用户 {ident}" if ident else "命令行用户"
    if kind == "system":
        return "系统"
    return name or ident or ref


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only (0600): the register holds ID numbers."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode on open: tighten it
        with os.fdopen(fd, "wb") as f:
            fd = -1
            f.write(data)
    finally:
        if fd != -1:
            os.close(fd)
