"""Request models of the staff API: what each route accepts, validated before any work.

The field descriptions are Chinese because they end up in the OpenAPI document staff
developers read.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from backend.categories import CATEGORIES, TIERS
from backend.workflow import STATUSES
from bot.api.inputs import LINE_PATTERN, TEXT_PATTERN, shown

#: Documentation only (``json_schema_extra``): the characters refused are checked with
#: ``bot.api.inputs.text_problem`` before a model sees the input, with a clearer message.
TEXT: dict[str, Any] = {"pattern": TEXT_PATTERN}
LINE: dict[str, Any] = {"pattern": LINE_PATTERN}
#: Dates in filters: ISO ``YYYY-MM-DD`` only (pydantic would also take "0" as 1970-01-01).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_PATTERN = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def one_of(values: Any) -> Any:
    """Documents the allowed values of an optional text field (null stays allowed); the
    check itself is in the model, with a message that names them."""
    allowed = list(values)

    def extra(schema: dict[str, Any]) -> None:
        for branch in schema.get("anyOf", [schema]):
            if branch.get("type") == "string":
                branch["enum"] = allowed

    return extra


Text = Field(
    default="", max_length=5000, description="书面说明（将记入案件档案）", json_schema_extra=TEXT
)

#: Registration dates the filters accept. Python's ``date`` (years 1–9999) overflows when
#: 0001-01-01 is moved to UTC or a day is added to 9999-12-31; PostgreSQL holds far more.
#: The register starts in this century, so these bounds only refuse nonsense.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
#: Largest page offset: far beyond any register, far below PostgreSQL's BIGINT (2^63 - 1).
MAX_OFFSET = 10_000_000


class _Strict(BaseModel):
    """Query strings: every value arrives as text and is converted (``"50"`` -> 50)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _StrictBody(BaseModel):
    """JSON bodies: types exactly as documented — ``true`` is not a number and ``"3"`` is
    not an integer (a bool would otherwise be taken as 1 day)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


def _within_dates(value: date | None) -> date | None:
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"日期应在 {FIRST_DATE} 到 {LAST_DATE} 之间")
    return value


_DATE_DOC: dict[str, Any] = {"pattern": DATE_PATTERN}


class _DateRange(_Strict):
    date_from: date | None = Field(
        default=None, description="登记日期起（含），如 2026-03-01", json_schema_extra=_DATE_DOC
    )
    date_to: date | None = Field(
        default=None, description="登记日期止（含），如 2026-03-31", json_schema_extra=_DATE_DOC
    )

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        if isinstance(value, str) and not ISO_DATE.fullmatch(value.strip()):
            raise ValueError("应为日期，如 2026-03-01")
        return value

    @field_validator("date_from", "date_to", mode="after")
    @classmethod
    def _bounded(cls, value: date | None) -> date | None:
        return _within_dates(value)

    @model_validator(mode="after")
    def _ordered(self) -> _DateRange:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from 不能晚于 date_to")
        return self


class CaseFilters(_DateRange):
    """The filters of the case list, shared by the list and the register export."""

    status: str | None = Field(
        default=None,
        max_length=32,
        description=f"案件状态：{'、'.join(STATUSES)}",
        json_schema_extra=one_of(STATUSES),
    )
    category: str | None = Field(
        default=None, max_length=32, description="争议类别", json_schema_extra=one_of(CATEGORIES)
    )
    tier: str | None = Field(
        default=None,
        max_length=16,
        description="simple / general / complex",
        json_schema_extra=one_of(TIERS),
    )
    agency: str | None = Field(
        default=None,
        max_length=64,
        description="承办或联办单位：编号、全称或简称",
        json_schema_extra=LINE,
    )
    overdue: bool | None = Field(
        default=None, description="true：只看已超期的；false：只看未超期的"
    )
    q: str | None = Field(
        default=None,
        max_length=100,
        description="在案件号、诉求内容、姓名、单位中查找",
        json_schema_extra=LINE,
    )

    @model_validator(mode="after")
    def _check(self) -> CaseFilters:
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(
                f"status 不认识“{shown(self.status)}”，应为 {'、'.join(STATUSES)} 之一"
            )
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(
                f"category 不认识“{shown(self.category)}”，应为 {'、'.join(CATEGORIES)} 之一"
            )
        if self.tier is not None and self.tier not in TIERS:
            raise ValueError(f"tier 不认识“{shown(self.tier)}”，应为 {'、'.join(TIERS)} 之一")
        return self


class CaseQuery(CaseFilters):
    limit: int = Field(default=50, ge=1, le=500, description="每页条数")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="跳过条数")


class StatsQuery(_DateRange):
    pass


class ExportQuery(CaseFilters):
    """The register export: the case list's filters (all optional: without any, every case
    the caller may see), in one file."""

    format: Literal["json", "csv", "xlsx"] = Field(default="json", description="导出格式")


class PageQuery(_Strict):
    limit: int = Field(default=100, ge=1, le=500, description="每页条数")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="跳过条数")


# --- action bodies --------------------------------------------------------------------------


class NoteBody(_StrictBody):
    """Actions that take only an optional written note."""

    text: str = Text


class ReplyBody(_StrictBody):
    """书面答复: ``reply`` is sent to the complainant word for word; ``text`` is the internal
    note (kept in the case file only). Without ``reply``, ``text`` is the reply (as before)."""

    model_config = ConfigDict(
        # documents the rule of _check: a reply, or a text that is the reply
        json_schema_extra={
            "anyOf": [
                {"required": [key], "properties": {key: {"type": "string", "minLength": 1}}}
                for key in ("reply", "text")
            ]
        }
    )

    reply: str | None = Field(
        default=None,
        max_length=5000,
        description="给缴费人的书面答复（原文发送给缴费人，并记入案卷）",
        json_schema_extra=TEXT,
    )
    text: str = Field(
        default="",
        max_length=5000,
        description="内部办理意见（只记入案卷，不发给缴费人）；不填 reply 时即为答复内容",
        json_schema_extra=TEXT,
    )

    @model_validator(mode="after")
    def _check(self) -> ReplyBody:
        if not (self.reply or "").strip() and not self.text.strip():
            raise ValueError("reply（给缴费人的答复）不能为空；不填 reply 时 text 即为答复内容")
        return self


class CloseBody(_StrictBody):
    """办结: ``reply`` is the result told to the complainant (required when a simple case is
    settled on the spot, where ``text`` stands in for it if it is missing); ``text`` is the
    internal note, never sent to the complainant after a written reply."""

    reply: str | None = Field(
        default=None,
        max_length=5000,
        description="告知缴费人的办理结果（原文发送给缴费人；简易事项当场办结时必填，"
        "也可只填 text）",
        json_schema_extra=TEXT,
    )
    text: str = Field(
        default="",
        max_length=5000,
        description="内部办理意见（只记入案卷；已书面答复的案件不发给缴费人）",
        json_schema_extra=TEXT,
    )


class AccessLogQuery(_DateRange):
    """The access log's filters; the dates are those of the views (查阅日期), checked as
    every date range is (``_DateRange``)."""

    number: str | None = Field(
        default=None,
        max_length=40,
        description="只看这个案件（案件号，如 YC-2026-000001）",
        json_schema_extra=LINE,
    )
    actor: str | None = Field(
        default=None,
        max_length=200,
        description="只看这个人：工作人员编号（如 tax01）或记录中的 actor（如 staff:tax01）",
        json_schema_extra=LINE,
    )
    date_from: date | None = Field(
        default=None, description="查阅日期起（含），如 2026-03-01", json_schema_extra=_DATE_DOC
    )
    date_to: date | None = Field(
        default=None, description="查阅日期止（含），如 2026-03-31", json_schema_extra=_DATE_DOC
    )
    format: Literal["json", "csv"] = Field(default="json", description="json 或 csv")
    limit: int = Field(default=1000, ge=1, le=100_000, description="最多条数（最新的在前）")


class RequiredTextBody(_StrictBody):
    text: str = Field(
        min_length=1,
        max_length=5000,
        description="书面内容（必填，记入档案）",
        json_schema_extra=TEXT,
    )


class TransferBody(_StrictBody):
    target_agency: str = Field(
        min_length=1,
        max_length=64,
        description="移送到的单位：编号、全称或简称（如 hrss、县人社局、人社局）",
        json_schema_extra=LINE,
    )
    text: str = Field(
        min_length=1, max_length=5000, description="移送理由（必填）", json_schema_extra=TEXT
    )


class TransferOutBody(_StrictBody):
    jurisdiction: str = Field(
        min_length=1, max_length=200, description="有管辖权的地区或机关", json_schema_extra=LINE
    )
    jurisdiction_phone: str | None = Field(
        default=None,
        max_length=40,
        description="对方联系电话（建议填写：原样告知缴费人；手机、带区号的座机或 12333 等热线）",
        json_schema_extra=LINE,
    )
    text: str = Field(
        min_length=1, max_length=5000, description="转办理由（必填）", json_schema_extra=TEXT
    )


class JointBody(_StrictBody):
    target_agency: str | None = Field(
        default=None,
        max_length=64,
        description="再加一个联办单位（编号、全称或简称）；不填则用分类时确定的联办单位",
        json_schema_extra=LINE,
    )
    text: str = Text


class OpinionBody(_StrictBody):
    text: str = Field(
        min_length=1,
        max_length=5000,
        description="本单位的书面意见（必填）",
        json_schema_extra=TEXT,
    )
    target_agency: str | None = Field(
        default=None,
        max_length=64,
        description="办公室代为录入时：提交意见的联办单位（编号、全称或简称）",
        json_schema_extra=LINE,
    )


class ReclassifyBody(_StrictBody):
    model_config = ConfigDict(
        # documents the rule of _check: at least one of the two
        json_schema_extra={
            "anyOf": [
                {"required": [key], "properties": {key: {"type": "string"}}}
                for key in ("category", "tier")
            ]
        }
    )

    category: str | None = Field(
        default=None,
        max_length=32,
        description="新的争议类别",
        json_schema_extra=one_of(CATEGORIES),
    )
    tier: str | None = Field(
        default=None,
        max_length=16,
        description="新的分级：simple / general / complex",
        json_schema_extra=one_of(TIERS),
    )
    text: str = Text

    @model_validator(mode="after")
    def _check(self) -> ReclassifyBody:
        if self.category is None and self.tier is None:
            raise ValueError("category 和 tier 至少要给一个")
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(
                f"category 不认识“{shown(self.category)}”，应为 {'、'.join(CATEGORIES)} 之一"
            )
        if self.tier is not None and self.tier not in TIERS:
            raise ValueError(f"tier 不认识“{shown(self.tier)}”，应为 {'、'.join(TIERS)} 之一")
        return self


class ExtendBody(_StrictBody):
    extend_days: int = Field(ge=1, le=60, description="延长的工作日数")
    text: str = Field(
        min_length=1, max_length=5000, description="延期理由（必填）", json_schema_extra=TEXT
    )


LegalRoute = Literal["mediation", "arbitration", "reconsideration", "litigation"]


class ObjectionBody(_StrictBody):
    route: LegalRoute | None = Field(
        default=None,
        description="告知并选择的救济途径：mediation 调解 / arbitration 仲裁 / "
        "reconsideration 行政复议 / litigation 行政诉讼",
    )
    text: str = Field(
        min_length=1, max_length=5000, description="缴费人的异议内容", json_schema_extra=TEXT
    )


class FeedbackBody(_StrictBody):
    verdict: Literal["satisfied", "basically_satisfied", "dissatisfied"] = Field(
        description="缴费人的评价"
    )
    text: str = Text
