"""Request models of the staff API: what each route accepts, validated before any work.

The field descriptions are Chinese because they end up in the OpenAPI document staff
developers read.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.categories import CATEGORIES, TIERS

Text = Field(default="", max_length=5000, description="书面说明（将记入案件档案）")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CaseQuery(_Strict):
    status: str | None = Field(default=None, max_length=32, description="案件状态，如 accepted")
    category: str | None = Field(default=None, max_length=32, description="争议类别")
    tier: str | None = Field(default=None, max_length=16, description="simple / general / complex")
    agency: str | None = Field(default=None, max_length=32, description="承办或联办单位编号")
    overdue: bool | None = Field(
        default=None, description="true：只看已超期的；false：只看未超期的"
    )
    date_from: date | None = Field(default=None, description="登记日期起（含）")
    date_to: date | None = Field(default=None, description="登记日期止（含）")
    q: str | None = Field(
        default=None, max_length=100, description="在案件号、诉求内容、姓名、单位中查找"
    )
    limit: int = Field(default=50, ge=1, le=500, description="每页条数")
    offset: int = Field(default=0, ge=0, description="跳过条数")

    @model_validator(mode="after")
    def _check(self) -> CaseQuery:
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(f"category 不认识“{self.category}”，应为 {'、'.join(CATEGORIES)} 之一")
        if self.tier is not None and self.tier not in TIERS:
            raise ValueError(f"tier 应为 {'、'.join(TIERS)} 之一")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from 不能晚于 date_to")
        return self


class StatsQuery(_Strict):
    date_from: date | None = Field(default=None, description="登记日期起（含）")
    date_to: date | None = Field(default=None, description="登记日期止（含）")


class ExportQuery(_Strict):
    format: Literal["json", "csv", "xlsx"] = Field(default="json", description="导出格式")


class PageQuery(_Strict):
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


# --- action bodies --------------------------------------------------------------------------


class NoteBody(_Strict):
    """Actions that take only an optional written note."""

    text: str = Text


class RequiredTextBody(_Strict):
    text: str = Field(min_length=1, max_length=5000, description="书面内容（必填，记入档案）")


class TransferBody(_Strict):
    target_agency: str = Field(min_length=1, max_length=32, description="移送到的单位编号")
    text: str = Field(min_length=1, max_length=5000, description="移送理由（必填）")


class TransferOutBody(_Strict):
    jurisdiction: str = Field(min_length=1, max_length=200, description="有管辖权的地区或机关")
    text: str = Field(min_length=1, max_length=5000, description="转办理由（必填）")


class JointBody(_Strict):
    target_agency: str | None = Field(
        default=None, max_length=32, description="再加一个联办单位；不填则用分类时确定的联办单位"
    )
    text: str = Text


class OpinionBody(_Strict):
    text: str = Field(min_length=1, max_length=5000, description="本单位的书面意见（必填）")
    target_agency: str | None = Field(
        default=None, max_length=32, description="办公室代为录入时：提交意见的联办单位编号"
    )


class ReclassifyBody(_Strict):
    category: str | None = Field(default=None, description="新的争议类别")
    tier: str | None = Field(default=None, description="新的分级：simple / general / complex")
    text: str = Text

    @model_validator(mode="after")
    def _check(self) -> ReclassifyBody:
        if self.category is None and self.tier is None:
            raise ValueError("category 和 tier 至少要给一个")
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(f"category 不认识“{self.category}”")
        if self.tier is not None and self.tier not in TIERS:
            raise ValueError(f"tier 应为 {'、'.join(TIERS)} 之一")
        return self


class ExtendBody(_Strict):
    extend_days: int = Field(ge=1, le=60, description="延长的工作日数")
    text: str = Field(min_length=1, max_length=5000, description="延期理由（必填）")


LegalRoute = Literal["mediation", "arbitration", "reconsideration", "litigation"]


class ObjectionBody(_Strict):
    route: LegalRoute | None = Field(
        default=None,
        description="告知并选择的救济途径：mediation 调解 / arbitration 仲裁 / "
        "reconsideration 行政复议 / litigation 行政诉讼",
    )
    text: str = Field(min_length=1, max_length=5000, description="缴费人的异议内容")


class FeedbackBody(_Strict):
    verdict: Literal["satisfied", "basically_satisfied", "dissatisfied"] = Field(
        description="缴费人的评价"
    )
    text: str = Text
