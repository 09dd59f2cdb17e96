"""What the dialogue needs to know about the deployment, as plain data.

``bot`` builds it from the county config; ``dialogs`` never reads the config itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nlu.types import Gazetteer

DEFAULT_PRIVACY_NOTICE = (
    "为了登记和办理您反映的问题，我们会记下您说的情况、姓名、联系电话、身份证号和所在乡镇村。"
    "这些信息只给负责办理的税务、人社、医保等部门的工作人员看，只用于办理这件事，不会公开。"
)


@dataclass(frozen=True)
class GridWorkerInfo:
    """A grid worker (网格员) listed in the county config."""

    name: str
    phone: str
    township: str | None = None
    village: str | None = None
    #: (channel, user id) pairs the channels vouch for, e.g. ("telegram", "12345").
    accounts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Hotline:
    topic: str
    name: str
    number: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormRules:
    """What the county's routing and tier rules read, so the form asks for it
    (``dialogs.form``): a category whose routing uses the disputed period asks for it, and
    likewise the insurance type. Built by ``bot.bootstrap`` from the county config."""

    #: Categories with a routing rule that reads the period (before / after the reform).
    period_categories: frozenset[str] = frozenset()
    #: Categories with a routing rule that reads the insurance type (an insurance group).
    insurance_categories: frozenset[str] = frozenset()
    #: Categories about an employer (``[dialogue] employer_categories``): ask which one, and
    #: how many people are affected (the tier rules read the number of people).
    employer_categories: frozenset[str] = frozenset()
    #: Categories where the amount matters (``[dialogue] amount_categories``; the tier
    #: rules read it).
    amount_categories: frozenset[str] = frozenset()
    #: Useful facts of the 登记表 (DOMAIN.md §6) that routing may not read, in order of use
    #: (``[dialogue] facts_along``): asked as OPTIONAL parts of the last question the form asks
    #: anyway, never as a question of their own (they cost no turn).
    facts_along: tuple[str, ...] = (
        "period", "employer", "insurance_type", "amount", "people_count",
    )  # fmt: skip
    #: A question carrying facts along asks at most this many things (``[dialogue]
    #: max_parts``): a long question is answered badly.
    max_parts: int = 4


@dataclass(frozen=True)
class DialogContext:
    county_name: str
    #: township -> its villages (the gazetteer, in config order).
    townships: tuple[tuple[str, tuple[str, ...]], ...] = ()
    grid_workers: tuple[GridWorkerInfo, ...] = ()
    hotlines: tuple[Hotline, ...] = ()
    privacy_notice: str = DEFAULT_PRIVACY_NOTICE
    idle_minutes: int = 30
    form_rules: FormRules = field(default_factory=FormRules)
    #: The county's own wording of a form question, by slot name (``[dialogue] questions``).
    questions: tuple[tuple[str, str], ...] = ()
    #: Questions about an insurance (not a dispute) -> hotline topic, by insurance group:
    #: (("medical", "medical_claims"), ("hrss", "labor")) (``[dialogue] consultation_hotlines``).
    consultation_hotlines: tuple[tuple[str, str], ...] = ()
    #: Dates shown to users are in the county's time zone.
    timezone: str = "Asia/Shanghai"
    #: The county's case-number prefix ("YC"): "2026年第5号" is YC-2026-000005.
    case_prefix: str = ""
    #: The legal routes of the county's closing notice (调解、仲裁、行政复议、行政诉讼, each with
    #: its body, address and phone: ``backend.notices.objection_routes``), told again to a
    #: complainant who objects; "" -> the generic sentence of ``dialogs.texts``.
    objection_routes: str = ""
    #: The county office (领导小组办公室, ``office`` in the county config): its short name and
    #: phone, told to whoever asks for a person ("转人工"); None -> the hotlines are told.
    office: Hotline | None = None
    #: Township/village names as given when they are not in the gazetteer are kept (首问负责):
    #: the case is registered and transferred; this only changes the wording.
    township_names: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "township_names", tuple(t for t, _ in self.townships))

    def question_text(self, slot: str) -> str | None:
        return next((text for name, text in self.questions if name == slot), None)

    def hotline(self, topic: str) -> Hotline | None:
        return next((h for h in self.hotlines if h.topic == topic), None)

    def gazetteer(self) -> Gazetteer:
        return Gazetteer(townships={t: tuple(v) for t, v in self.townships})

    def villages_of(self, township: str | None) -> tuple[str, ...]:
        for name, villages in self.townships:
            if name == township:
                return villages
        return ()

    def township_of_village(self, village: str) -> str | None:
        found = [t for t, villages in self.townships if village in villages]
        return found[0] if len(found) == 1 else None

    def grid_worker_for(
        self, channel: str, user_ref: str, contact_phone: str | None
    ) -> GridWorkerInfo | None:
        for worker in self.grid_workers:
            if contact_phone and _digits(contact_phone)[-11:] == _digits(worker.phone)[-11:]:
                return worker
            if (channel, user_ref) in worker.accounts:
                return worker
        return None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
