"""Conversation state: plain dataclasses that round-trip through JSON (``ConversationStore``).

The JSON carries a version; a state written by an older or newer release that cannot be read
starts a fresh conversation but keeps what is known about the user (privacy consent, profile).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

STATE_VERSION = 2

#: Complainant fields of a draft, in the order the summary shows them.
DRAFT_FIELDS: tuple[str, ...] = (
    "category",
    "description",
    "name",
    "phone",
    "id_number",
    "credit_code",
    "township",
    "village",
    "employer",
    "insurance_type",
    "period_start",
    "period_end",
    "amount",
    "people_count",
)


@dataclass
class Draft:
    """A report being collected. Dates are ISO strings so the state stays plain JSON."""

    description: str | None = None
    category: str | None = None
    #: True once the category came from a confident parse, a menu answer or a correction.
    category_sure: bool = False
    confidence: float | None = None
    tier_hint: str | None = None
    #: Likeliest categories for the menu when the parse was not sure: [label, ...].
    candidates: list[str] = field(default_factory=list)
    kind: str = "person"  # person | employer (then ``name`` is the unit's contact person)
    name: str | None = None
    phone: str | None = None
    id_number: str | None = None
    #: The first digits of an ID number given in two messages ("身份证1405221951", then
    #: "03120427"): joined with the next digits and checked as one (``dialogs.modes``).
    id_partial: str | None = None
    credit_code: str | None = None
    employer: str | None = None
    township: str | None = None
    village: str | None = None
    insurance_type: str | None = None
    #: Several insurances named ("养老、医疗、失业都有"): all of them, in the order said;
    #: ``insurance_type`` holds the first (the backend keeps one; the description the list).
    insurance_types: list[str] = field(default_factory=list)
    period_start: str | None = None
    period_end: str | None = None
    amount: float | None = None
    people_count: int | None = None
    #: A group named without a number ("全厂工人", "俺们村的老人们": the NLU's ``group``).
    group: str | None = None
    #: Optional questions asked and answered with 跳过 / 不知道 / 不方便.
    skipped: list[str] = field(default_factory=list)
    #: The name has a surname outside the list: the summary asks the user to check it.
    name_unsure: bool = False
    #: A villager without a phone: staff call the grid worker who filed (代办).
    contact_via_filer: bool = False
    #: "养老保险" / "医保" without saying which scheme (职工 or 城乡居民): settled at the summary.
    scheme_open: bool = False
    #: The scheme was asked (once, as a part of another question): never asked again.
    scheme_asked: bool = False
    #: Slots holding a value the story said only loosely ("好几千", "这几年", two sums and
    #: no total): kept, but still asked; the answer replaces it, a 不知道 keeps it.
    unsure: list[str] = field(default_factory=list)
    #: How often each question was asked with no usable answer (no endless loops).
    tries: dict[str, int] = field(default_factory=dict)
    #: Filed by a grid worker for someone else (代办).
    proxy: bool = False
    #: Proxy filing: None = not asked yet; True = the complainant agreed.
    consent: bool | None = None
    started_at: str | None = None
    #: Short pieces said before the story ("医保", then "扣了两回"): they start its description.
    fragments: list[str] = field(default_factory=list)

    def filled(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in DRAFT_FIELDS if getattr(self, name)}


@dataclass
class Profile:
    """Who this chat user is, remembered across reports (a grid worker is asked once)."""

    role: str = "resident"  # resident | grid_worker
    name: str | None = None
    phone: str | None = None
    township: str | None = None
    village: str | None = None
    from_config: bool = False
    #: Optional profile questions already answered with 跳过.
    skipped: list[str] = field(default_factory=list)


@dataclass
class ConversationState:
    version: int = STATE_VERSION
    privacy_accepted: bool = False
    #: A question that must be answered before anything else (``dialogs.modes.Mode``): ""
    #: (none), "privacy", "summary", "cancel", "resume", "lookup", "feedback". Form
    #: questions are derived from the draft (``dialogs.form``).
    mode: str = ""
    #: The form slots asked last, one question (for bare answers like "张桂兰，139…").
    asking: list[str] = field(default_factory=list)
    draft: Draft | None = None
    profile: Profile = field(default_factory=Profile)
    #: The choices shown last, [[id, label], ...], so "2" or the words answer them.
    menu: list[list[str]] = field(default_factory=list)
    #: A message held while the user decides (resume after idle): replayed afterwards.
    pending_text: str | None = None
    lookup_number: str | None = None
    lookup_attempts: int = 0
    feedback_case: str | None = None
    #: Closed cases awaiting the user's verdict: [[number, latest reply], ...] (set by the service).
    feedback_due: list[list[str]] = field(default_factory=list)
    feedback_asked: list[str] = field(default_factory=list)
    #: Cases whose verdict was recorded here: closed, so what is said about them later (an
    #: objection, "还是没到账") gets the legal routes, never "会在办理时限内答复".
    judged: list[str] = field(default_factory=list)
    #: Values read from a photo by OCR, offered one at a time: [[slot, value, shown], ...].
    photo_offers: list[list[str]] = field(default_factory=list)
    #: Case numbers opened from this conversation.
    opened: list[str] = field(default_factory=list)
    #: Who and what each of those cases is about: [[number, complainant name, category], ...]
    #: (a later story about another person or matter is a new filing, not about the case).
    opened_about: list[list[str]] = field(default_factory=list)
    #: The complainant's own details from the last case filed for themselves in this chat
    #: ({"name": ..., "phone": ...}): offered (prefilled) for their next matter.
    last_complainant: dict[str, str] = field(default_factory=dict)
    updated_at: str | None = None
    turns: int = 0
    #: The consent was refused over the ID number and asked once more (it can be skipped).
    privacy_asked_again: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ConversationState:
        if not data:
            return cls()
        if data.get("version") != STATE_VERSION:
            fresh = cls(privacy_accepted=bool(data.get("privacy_accepted")))
            profile = data.get("profile")
            if isinstance(profile, dict):
                fresh.profile = _build(Profile, profile)
            return fresh
        state = _build(cls, data)
        state.profile = _build(Profile, data.get("profile") or {})
        state.draft = _build(Draft, data["draft"]) if data.get("draft") else None
        return state


def _build(kind: Any, data: dict[str, Any]) -> Any:
    """Construct a dataclass from a dict, ignoring unknown keys (forward compatible)."""
    names = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in data.items() if k in names})
