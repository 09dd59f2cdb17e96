"""The county configuration (one TOML file per deployment), validated with pydantic.

``load_county()`` without a path loads the example county shipped in the package. Every
problem becomes a ``ConfigError`` whose message is one Chinese sentence naming the key.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from backend.categories import CATEGORIES, INSURANCE_TYPES, TIERS
from backend.deadlines import MAX_EXTENSION_DAYS, WorkCalendar, calendar_warning

Channel = Literal["console", "telegram", "wecom_app", "wecom_robot"]
Period = Literal["before", "after", "any"]

EXAMPLE_COUNTY = "example.toml"


class ConfigError(Exception):
    """The county configuration cannot be used; the message is one sentence for the IT clerk."""


class _Model(BaseModel):
    # Unknown keys are errors: a misspelt key must not be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotifyTarget(_Model):
    """Where an agency's notifications go: a channel and the recipient on that channel."""

    channel: Channel
    to: str = Field(min_length=1)


class Agency(_Model):
    id: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1)
    phone: str = Field(min_length=1)
    address: str = Field(min_length=1)
    notify: list[NotifyTarget] = Field(default_factory=list)


class StaffMember(_Model):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    agency: str
    phone: str = Field(min_length=1)
    role: Literal["staff", "office", "leader"] = "staff"
    telegram_user_id: int | None = None
    wecom_userid: str | None = None


class GridWorker(_Model):
    name: str = Field(min_length=1)
    phone: str = Field(min_length=1)
    township: str
    village: str
    telegram_user_id: int | None = None
    wecom_userid: str | None = None


class Township(_Model):
    name: str = Field(min_length=1)
    villages: list[str] = Field(default_factory=list)


class Hotline(_Model):
    """An out-of-scope referral: e.g. income tax questions go to 12366."""

    topic: str = Field(min_length=1)
    name: str = Field(min_length=1)
    number: str = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)


class ObjectionRoute(_Model):
    """A legal route for a complainant who disagrees with the answer (seeds 000, 001: 调解、
    仲裁、行政复议、行政诉讼): which body, where, and within what time. Told in every reply."""

    kind: Literal["mediation", "arbitration", "reconsideration", "litigation"]
    name: str = Field(min_length=1)  # 申请调解
    body: str = Field(min_length=1)  # 机构
    address: str = Field(min_length=1)
    phone: str = Field(min_length=1)
    time_limit: str = Field(min_length=1)  # 时限, as the law words it


#: The four routes every reply must state, in the order they are told.
OBJECTION_KINDS: tuple[str, ...] = ("mediation", "arbitration", "reconsideration", "litigation")


Fact = Literal["period", "employer", "insurance_type", "amount", "people_count"]
#: The 登记表's useful facts in the order the form carries them along.
FACTS: tuple[Fact, ...] = ("period", "employer", "insurance_type", "amount", "people_count")


class Dialogue(_Model):
    """The chat intake (``[dialogue]``): its wording and policy. Which questions it asks
    follows the routing table (a category whose rules read the period asks for it)."""

    #: Minutes of silence after which a half-filled report asks "接着填，还是重新开始？".
    idle_minutes: int = Field(default=30, ge=1, le=1440)
    #: The personal-information notice shown before anything is recorded; unset: the default.
    privacy_notice: str | None = Field(default=None, min_length=10)
    #: Categories about an employer: the form asks which one and how many people.
    employer_categories: list[str] = Field(
        default_factory=lambda: ["arrears", "labor_relation", "contribution_base"]
    )
    #: Categories where the disputed amount matters: the form asks for it.
    amount_categories: list[str] = Field(
        default_factory=lambda: [
            "contribution_amount", "late_fee", "refund", "special_assessment", "arrears",
        ]
    )  # fmt: skip
    #: The county's own wording of form questions, by slot name (``dialogs.form``).
    questions: dict[str, str] = Field(default_factory=dict)
    #: A question (not a dispute) about an insurance type -> the topic of its hotline;
    #: ``payment``: questions about how much / where to pay (缴费咨询); ``wages``: wages owed
    #: (工资、工钱: not a fee dispute).
    consultation_hotlines: dict[str, str] = Field(default_factory=dict)
    #: Useful facts of the 登记表 that routing may not read (时间、单位、险种、金额、人数), in
    #: order: asked as optional parts of the last question the form asks anyway, never on
    #: their own (the employer only when the story speaks of one).
    facts_along: list[Fact] = Field(default_factory=lambda: list(FACTS))
    #: The most things one question asks when it carries facts along.
    max_parts: int = Field(default=4, ge=1, le=8)

    @field_validator("employer_categories", "amount_categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        for category in value:
            if category not in CATEGORIES:
                raise ValueError(f"不认识的争议类别“{category}”")
        return value

    @field_validator("consultation_hotlines")
    @classmethod
    def _known_insurance(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key not in INSURANCE_TYPES and key not in ("payment", "wages"):
                known = "、".join([*INSURANCE_TYPES, "payment", "wages"])
                raise ValueError(f"不认识的险种“{key}”，应为 {known} 之一")
        return value


class Sms(_Model):
    """Text messages to villagers' phones (a grid worker filed for them: they may have no chat)."""

    villagers: bool = True
    #: The sender's signature every SMS starts with (carriers require one).
    signature: str = Field(default="【社保费争议受理】", min_length=1, max_length=20)


class AttachmentRules(_Model):
    """Photos, voice and files residents send (issue 15): how long they are kept.
    Unset ``keep_days_after_archive``: kept for as long as the case record (never pruned)."""

    #: Days after a case is archived (归档) before its attachments' bytes are removed by
    #: ``yichuang attachments prune`` (the rows stay: the archive records what was sent).
    keep_days_after_archive: int | None = Field(default=None, ge=1, le=36500)
    #: Days an upload may wait for a report that is never confirmed (an abandoned draft).
    keep_days_unfiled: int = Field(default=30, ge=1, le=3650)


def _days(value: Any) -> Any:
    """TOML dates, and "2027-02-05~2027-02-11" (or 至) for a run of days, as one list."""
    if not isinstance(value, list):
        return value
    out: list[Any] = []
    for item in value:
        if isinstance(item, str) and re.search(r"[~～至]", item):
            first, _, last = re.split(r"\s*([~～至])\s*", item.strip(), maxsplit=1)
            try:
                start, end = date.fromisoformat(first), date.fromisoformat(last)
            except ValueError:
                raise ValueError(f"“{item[:40]}”应写成 2027-02-05~2027-02-11") from None
            if end < start or (end - start).days > 31:
                raise ValueError(f"“{item[:40]}”的起止日期不对")
            out += [start + timedelta(days=i) for i in range((end - start).days + 1)]
        else:
            out.append(item)
    return out


class CalendarYear(_Model):
    """One year of the State Council's holiday notice (国务院办公厅关于部分节假日安排的通知),
    entered by the IT clerk for a year ``chinese_calendar`` does not have yet."""

    year: int = Field(ge=2000, le=2100)
    #: 通知的文号或标题, for whoever checks the entry later.
    source: str | None = None
    #: 放假日 (the whole runs: 2027-02-05~2027-02-11).
    holidays: list[date] = Field(min_length=1)
    #: 调休上班的周六、周日.
    workdays: list[date] = Field(default_factory=list)

    _expand = field_validator("holidays", "workdays", mode="before")(_days)

    @model_validator(mode="after")
    def _in_year(self) -> CalendarYear:
        first = date(self.year - 1, 12, 1)  # 元旦 may start on the 30th or 31st of December
        for i, day in enumerate(self.holidays):
            if not first <= day <= date(self.year, 12, 31):
                raise _KeyError(("holidays", i), f"{day} 不在 {self.year} 年的通知范围内")
        for i, day in enumerate(self.workdays):
            if not first <= day <= date(self.year, 12, 31):
                raise _KeyError(("workdays", i), f"{day} 不在 {self.year} 年的通知范围内")
            if day.weekday() < 5:
                raise _KeyError(("workdays", i), f"{day} 不是周六或周日，不用写作调休上班日")
            if day in self.holidays:
                raise _KeyError(("workdays", i), f"{day} 同时写在了放假日里")
        return self


class CalendarRules(_Model):
    """``[calendar]``: holiday notices for years the ``chinese_calendar`` library lacks (its
    data wins where it has the year)."""

    years: list[CalendarYear] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> CalendarRules:
        seen: set[int] = set()
        for i, entry in enumerate(self.years):
            if entry.year in seen:
                raise _KeyError(("years", i, "year"), f"{entry.year} 年写了两次")
            seen.add(entry.year)
        return self

    def work_calendar(self) -> WorkCalendar:
        return WorkCalendar(
            holidays=frozenset(d for y in self.years for d in y.holidays),
            workdays=frozenset(d for y in self.years for d in y.workdays),
            years=frozenset(y.year for y in self.years),
        )


class Deadlines(_Model):
    """Handling time per tier, in working days (规定时限). ``simple = 0``: the same working
    day (当场办结; registered after hours or on a day off: the next working day)."""

    simple: int = Field(ge=0, le=365)
    general: int = Field(ge=1, le=365)
    complex: int = Field(ge=1, le=365)

    def for_tier(self, tier: str) -> int:
        return int(getattr(self, tier))


class TierRules(_Model):
    """When a case is simple or complex (DOMAIN.md §4); everything else is general."""

    simple_categories: list[str] = Field(
        default_factory=lambda: ["payment_system", "payment_record"]
    )
    complex_people: int = Field(default=10, ge=2)
    complex_amount: float = Field(default=100000, gt=0)
    complex_keywords: list[str] = Field(default_factory=list)
    #: Not simple although the category is: a period before the reform (another agency's
    #: archives, 历史遗留), older than ``simple_max_years``, or paper evidence to verify.
    simple_before_reform: bool = False
    simple_max_years: int = Field(default=5, ge=1, le=50)
    not_simple_keywords: list[str] = Field(
        default_factory=lambda: ["收据", "票据", "纸质", "凭证", "缴费单", "老票", "手写"]
    )


class RouteRule(_Model):
    """One row of the routing table. The first matching rule of a category wins.

    ``period``: the disputed period relative to the reform date; ``insurance``: the name of an
    insurance group (``insurance_groups``); ``keywords``: any of them in the description.
    """

    period: Period = "any"
    insurance: str | None = None
    keywords: list[str] = Field(default_factory=list)
    lead: str
    co: list[str] = Field(default_factory=list)


class County(_Model):
    id: str = Field(min_length=1, max_length=8, pattern=r"^[A-Z][A-Z0-9]*$")
    name: str = Field(min_length=1)
    timezone: str = "Asia/Shanghai"
    reform_date: date
    deadlines: Deadlines
    due_soon_days: int = Field(default=1, ge=0, le=30)
    #: No 临期提醒 within this many hours of registration (a simple case is due the same day).
    due_soon_grace_hours: int = Field(default=4, ge=0, le=72)
    repeat_window_days: int = Field(default=180, ge=1, le=3650)
    office: str
    dashboard_url: str | None = None
    agencies: list[Agency] = Field(min_length=1)
    staff: list[StaffMember] = Field(default_factory=list)
    grid_workers: list[GridWorker] = Field(default_factory=list)
    townships: list[Township] = Field(default_factory=list)
    hotlines: list[Hotline] = Field(default_factory=list)
    insurance_groups: dict[str, list[str]] = Field(default_factory=dict)
    tiers: TierRules = Field(default_factory=TierRules)
    routing: dict[str, list[RouteRule]] = Field(default_factory=dict)
    attachments: AttachmentRules = Field(default_factory=AttachmentRules)
    objection_routes: list[ObjectionRoute] = Field(default_factory=list)
    sms: Sms = Field(default_factory=Sms)
    dialogue: Dialogue = Field(default_factory=Dialogue)
    calendar: CalendarRules = Field(default_factory=CalendarRules)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"不认识的时区“{value}”，应如 Asia/Shanghai") from exc
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> County:
        ids = [a.id for a in self.agencies]
        for i, agency_id in enumerate(ids):
            if agency_id in ids[:i]:
                raise _KeyError(f"agencies[{i}].id", f"单位编号“{agency_id}”重复")
        known = set(ids)

        def need(key: str, agency_id: str) -> None:
            if agency_id not in known:
                raise _KeyError(key, f"没有编号为“{agency_id}”的单位（见 agencies）")

        need("office", self.office)
        staff_ids: set[str] = set()
        for i, s in enumerate(self.staff):
            need(f"staff[{i}].agency", s.agency)
            if s.id in staff_ids:
                raise _KeyError(f"staff[{i}].id", f"人员编号“{s.id}”重复")
            staff_ids.add(s.id)
        for name, members in self.insurance_groups.items():
            for j, member in enumerate(members):
                if member not in INSURANCE_TYPES:
                    raise _KeyError(
                        f"insurance_groups.{name}[{j}]",
                        f"不认识的险种“{member}”，应为 {'、'.join(INSURANCE_TYPES)} 之一",
                    )
        for j, category in enumerate(self.tiers.simple_categories):
            if category not in CATEGORIES:
                raise _KeyError(f"tiers.simple_categories[{j}]", f"不认识的争议类别“{category}”")
        for category, rules in self.routing.items():
            if category not in CATEGORIES:
                raise _KeyError(
                    f"routing.{category}", f"不认识的争议类别，应为 {'、'.join(CATEGORIES)} 之一"
                )
            for j, rule in enumerate(rules):
                key = f"routing.{category}[{j}]"
                need(f"{key}.lead", rule.lead)
                for k, co in enumerate(rule.co):
                    need(f"{key}.co[{k}]", co)
                if rule.insurance is not None and rule.insurance not in self.insurance_groups:
                    raise _KeyError(
                        f"{key}.insurance",
                        f"没有名为“{rule.insurance}”的险种组（见 insurance_groups）",
                    )
        kinds = [r.kind for r in self.objection_routes]
        for i, kind in enumerate(kinds):
            if kind in kinds[:i]:
                raise _KeyError(f"objection_routes[{i}].kind", f"救济途径“{kind}”重复")
        villages = {t.name: set(t.villages) for t in self.townships}
        for i, g in enumerate(self.grid_workers):
            if g.township not in villages:
                raise _KeyError(
                    f"grid_workers[{i}].township", f"乡镇“{g.township}”不在 townships 中"
                )
            if g.village not in villages[g.township]:
                raise _KeyError(
                    f"grid_workers[{i}].village", f"村“{g.village}”不在{g.township}的村名单中"
                )
        topics = {h.topic for h in self.hotlines}
        for key, topic in self.dialogue.consultation_hotlines.items():
            if topic not in topics:
                raise _KeyError(
                    f"dialogue.consultation_hotlines.{key}",
                    f"没有主题为“{topic}”的热线（见 hotlines）",
                )
        return self

    # -- look-ups -------------------------------------------------------------------------

    def agency(self, agency_id: str) -> Agency:
        for a in self.agencies:
            if a.id == agency_id:
                return a
        raise KeyError(agency_id)

    def has_agency(self, agency_id: str) -> bool:
        return any(a.id == agency_id for a in self.agencies)

    def find_agency(self, text: str) -> Agency | None:
        """The agency named by ``text``: its id (``hrss``), short name (县人社局), full name,
        or the short name without the county prefix (人社局); None if none or ambiguous."""
        key = "".join(text.split()).lower()
        if not key:
            return None
        for a in self.agencies:
            if key in (a.id, a.short_name, a.name):
                return a
        bare = key.removeprefix(self.name).removeprefix("县").removeprefix("市")
        found = [
            a
            for a in self.agencies
            if bare
            and bare
            in (
                a.short_name.removeprefix("县").removeprefix("市"),
                a.name.removeprefix(self.name),
            )
        ]
        return found[0] if len(found) == 1 else None

    def objection_route(self, kind: str) -> ObjectionRoute | None:
        return next((r for r in self.objection_routes if r.kind == kind), None)

    def objection_route_problems(self) -> list[str]:
        """What is missing for the written reply to state the objection routes (one sentence
        each, Chinese); empty when all four are configured."""
        names = {
            "mediation": "调解",
            "arbitration": "劳动仲裁",
            "reconsideration": "行政复议",
            "litigation": "行政诉讼",
        }
        return [
            f'objection_routes 缺少“{names[kind]}”（kind = "{kind}"）：答复缴费人时须告知'
            "受理机构、地址或电话和申请时限"
            for kind in OBJECTION_KINDS
            if self.objection_route(kind) is None
        ]

    def staff_name(self, staff_id: str) -> str | None:
        member = self.staff_member(staff_id)
        return member.name if member else None

    def staff_member(self, staff_id: str) -> StaffMember | None:
        return next((s for s in self.staff if s.id == staff_id), None)

    def staff_of(self, agency_id: str) -> list[StaffMember]:
        return [s for s in self.staff if s.agency == agency_id]

    def gazetteer(self) -> dict[str, tuple[str, ...]]:
        """Township -> villages, the shape ``nlu.types.Gazetteer`` takes."""
        return {t.name: tuple(t.villages) for t in self.townships}

    def working_days(self, tier: str) -> int:
        if tier not in TIERS:
            raise ValueError(tier)
        return self.deadlines.for_tier(tier)

    @cached_property
    def work_calendar(self) -> WorkCalendar:
        """Working days: ``chinese_calendar``, then ``[calendar]``, then the 办法's rules."""
        return self.calendar.work_calendar()

    def longest_working_days(self) -> int:
        """The furthest a due date can be set: the longest deadline plus an extension."""
        longest = max(self.deadlines.for_tier(t) for t in TIERS)
        return longest + MAX_EXTENSION_DAYS

    def calendar_warning(self, today: date) -> str | None:
        """One sentence when a due date set from ``today`` can fall in a year whose holiday
        schedule neither ``chinese_calendar`` nor ``[calendar]`` has (``yichuang check``,
        ``serve``); None when every such year is known."""
        return calendar_warning(self.work_calendar, today, self.longest_working_days())


class _KeyError(ValueError):
    """A cross-reference problem at a known key (raised inside the model validator)."""

    def __init__(self, key: str | tuple[int | str, ...], problem: str) -> None:
        super().__init__(problem)
        self.key = key if isinstance(key, str) else _key(key)
        self.problem = problem


def load_county(path: Path | None = None) -> County:
    """Read and validate a county TOML; ``None`` -> the packaged example county."""
    if path is None:
        ref = resources.files("backend.county").joinpath(EXAMPLE_COUNTY)
        return parse_county(ref.read_text(encoding="utf-8"), EXAMPLE_COUNTY)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}。") from None
    except IsADirectoryError:
        raise ConfigError(f"配置文件 {path} 是一个目录，不是 TOML 文件。") from None
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码的文本。") from None
    except OSError as exc:
        raise ConfigError(f"读不了配置文件 {path}：{exc.strerror}。") from None
    return parse_county(text, path.name)


def parse_county(text: str, source: str = "<text>") -> County:
    """Validate TOML text; ``source`` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {source} 不是合法的 TOML：{_toml_problem(exc)}。") from None
    try:
        return County.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


#: tomllib's complaints (their stable opening words) in Chinese.
_TOML_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("Cannot declare", "同一个键或表写了两次"),
    ("Cannot mutate immutable namespace", "不能往已写完的表里再加键"),
    ("Cannot overwrite a value", "同一个键写了两次"),
    ("Cannot redefine namespace", "同一个表写了两次"),
    ("Duplicate inline table key", "行内表里同一个键写了两次"),
    ("Escaped character", "转义字符不对"),
    ("Expected '=' after a key", "键的后面缺少“=”"),
    ("Expected ']]'", "数组表的名字后缺少“]]”"),
    ("Expected ']'", "表名后缺少“]”"),
    ("Expected", "缺少应有的符号"),
    ("Found invalid character", "有不该出现的字符（键名含中文或空格时要加引号）"),
    ("Illegal character", "有不允许的字符"),
    ("Invalid date or datetime", "日期写法不对，应如 2027-01-01"),
    ("Invalid hex value", "十六进制写法不对"),
    ("Invalid initial character for a key part", "键名开头的字符不对（含中文时要加引号）"),
    ("Invalid statement", "这一行不是“键 = 值”也不是 [表名]"),
    ("Invalid value", "值的写法不对（文字要加引号，日期如 2027-01-01，列表用方括号）"),
    ("Unclosed array", "列表缺少结尾的“]”"),
    ("Unclosed inline table", "行内表缺少结尾的“}”"),
    ("Unescaped", "文字里的反斜杠要写成两个"),
    ("Unterminated string", "文字缺少结尾的引号"),
)


def _toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    """ "Invalid value (at line 1, column 6)" -> "第 1 行第 6 列：值的写法不对……"."""
    text = str(exc)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)", text)
    message = text[: found.start()] if found else text
    words = next((zh for en, zh in _TOML_PROBLEMS if message.startswith(en)), "写法不对")
    if found is None:
        return words
    return f"第 {found.group(1)} 行第 {found.group(2)} 列：{words}"


def _key(loc: tuple[int | str, ...]) -> str:
    """The dotted path with 0-based list indexes, as the validators build it."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def readable_key(key: str) -> str:
    """A path as the IT clerk counts: "agencies[3].phone" -> "第4个 agencies 的 phone",
    "routing.refund[2].co[0]" -> "第3个 routing.refund 的第1个 co" (lists count from 1)."""
    groups: list[str] = []
    current = ""
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        if name:
            current = f"{current}.{name}" if current else name
        else:
            groups.append(f"第{int(index) + 1}个 {current}" if current else f"第{int(index) + 1}个")
            current = ""
    if current:
        groups.append(current)
    text = groups[0] if groups else key
    for group in groups[1:]:
        text += f" 的{group}" if group.startswith("第") else f" 的 {group}"
    return text


_PROBLEMS: dict[str, str] = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的配置项（是否拼错了？）",
    "string_type": "应为文字（加引号）",
    "string_too_short": "不能为空",
    "string_too_long": "太长了",
    "string_pattern_mismatch": "格式不对",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "list_type": "应为列表（方括号）",
    "dict_type": "应为表（[节] 或 {…}）",
    "model_type": "应为表（[节] 或 {…}）",
    "date_type": "应为日期，如 2020-11-01",
    "date_parsing": "应为日期，如 2020-11-01",
    "date_from_datetime_parsing": "应为日期，如 2020-11-01",
    "date_from_datetime_inexact": "应为日期，不带时间",
    "greater_than_equal": "数值太小",
    "greater_than": "数值太小",
    "less_than_equal": "数值太大",
    "too_short": "至少要有一项",
    "too_long": "项数太多",
    "literal_error": "取值不在可选范围内",
    "enum": "取值不在可选范围内",
    "url_parsing": "应为网址，如 https://example.org",
    "url_scheme": "网址应以 http:// 或 https:// 开头",
    "bool_parsing": "应为 true 或 false",
    "path_type": "应为文件路径",
}


def problem_text(kind: str, fallback: str = "取值不对") -> str:
    """Chinese wording of a pydantic error type (``fallback`` when it has none: never
    pydantic's English message)."""
    english = fallback
    if not re.search(r"[\u4e00-\u9fff]", fallback):
        fallback = "取值不对"
    if kind == "literal_error":
        values = re.findall(r"'([^']*)'", english)
        if values:
            return f"应为 {'、'.join(values)} 之一"
    limit = re.search(r"(-?\d+(?:\.\d+)?)\s*$", english)
    if kind in ("less_than_equal", "less_than") and limit:
        return f"数值太大（不能超过 {limit.group(1)}）"
    if kind in ("greater_than_equal", "greater_than") and limit:
        return f"数值太小（不能小于 {limit.group(1)}）"
    return _PROBLEMS.get(kind, fallback)


def _describe(exc: ValidationError, source: str) -> str:
    errors = exc.errors()
    first = errors[0]
    ctx: dict[str, Any] = first.get("ctx") or {}
    inner = ctx.get("error")
    where = _key(tuple(first["loc"]))
    if isinstance(inner, _KeyError):
        key = f"{where}.{inner.key}" if where else inner.key
        problem = inner.problem
    else:
        key = where
        kind = first["type"]
        if kind == "literal_error":
            problem = f"取值应为 {ctx.get('expected', '')} 之一"
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than"):
            limit = ctx.get("ge", ctx.get("le", ctx.get("gt")))
            problem = f"{_PROBLEMS[kind]}（界限 {limit}）"
        elif kind == "string_pattern_mismatch" and key in ("id",):
            problem = "应为大写字母开头的简码，如 YC"
        elif kind == "value_error" and isinstance(inner, ValueError):
            problem = str(inner)
        else:
            problem = _PROBLEMS.get(kind, "取值不对")
    more = f"（另有 {len(errors) - 1} 处问题）" if len(errors) > 1 else ""
    shown = readable_key(key) if key else "（顶层）"
    return f"配置文件 {source} 中 {shown}：{problem}{more}。"
