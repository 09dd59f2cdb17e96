"""The intake form as data: its rows, and the questions derived from the county's routing."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from backend.config import County, Dialogue
from bot.bootstrap import dialog_context
from dialogs import texts
from dialogs.context import DialogContext
from dialogs.form import FORM, SLOTS, needed_slots, pending
from dialogs.state import Draft, Profile
from nlu.types import CATEGORIES, ENTITY_TYPES


def test_every_row_is_complete() -> None:
    draft_attrs = {f.name for f in fields(Draft)}
    profile_attrs = {f.name for f in fields(Profile)}
    ctx = DialogContext(county_name="云川县")
    for slot in FORM:
        home = profile_attrs if slot.owner == "grid_worker" else draft_attrs
        assert set(slot.holds) <= home, slot.name
        assert set(slot.entities) <= set(ENTITY_TYPES), slot.name
        asked = texts.question([slot.name], Draft(), Profile(), ctx)
        assert asked != "还有什么要补充的吗？", f"{slot.name} has no question of its own"
    assert len(SLOTS) == len(FORM)


def _reads(county: County, category: str, what: str) -> bool:
    rules = county.routing.get(category, [])
    if what == "period":
        return any(r.period != "any" for r in rules)
    return any(r.insurance is not None for r in rules)


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_field_routing_reads_is_asked(county: County, category: str) -> None:
    """For each category of the example county: if a routing rule reads the period or the
    insurance type, the form asks for it (when the first message did not say it)."""
    ctx = dialog_context(county)
    draft = Draft(description="……", category=category, category_sure=True)
    asked = needed_slots(draft, Profile(), ctx.form_rules)
    for what, slot in (("period", "period"), ("insurance", "insurance_type")):
        if _reads(county, category, what):
            assert slot in asked, f"{category}: routing reads the {what}, the form must ask it"
    # ... and what is already known is not asked again
    draft.period_start = draft.period_end = "2019-05-01"
    draft.insurance_type = "pension"
    left = [x.name for g in _groups(draft, ctx) for x in g]
    assert "period" not in left and "insurance_type" not in left


def _groups(draft: Draft, ctx: DialogContext) -> list[list[Any]]:
    """Every question the form would ask, answering each with 跳过 (or a value)."""
    out: list[list[Any]] = []
    profile = Profile()
    while (slots := pending(draft, profile, ctx.form_rules)) and len(out) < 12:
        out.append(slots)
        for x in slots:
            draft.skipped.append(x.name)
            if not x.skippable(draft) and x.name not in ("category", "consent"):
                setattr(draft, x.holds[0], "13812341427" if x.name == "phone" else "某某")
    return out


def test_what_routing_ignores_is_not_asked(county: County) -> None:
    """special_assessment is routed by insurance only: its period is not asked (issue 10)."""
    ctx = dialog_context(county)
    draft = Draft(description="……", category="special_assessment", category_sure=True)
    asked = needed_slots(draft, Profile(), ctx.form_rules)
    assert "insurance_type" in asked and "period" not in asked
    draft = Draft(description="……", category="service", category_sure=True)
    assert not {"insurance_type", "period"} & set(needed_slots(draft, Profile(), ctx.form_rules))


def test_the_county_words_the_questions(county: County) -> None:
    wording = Dialogue(questions={"phone": "留个手机号吧，办理有进展会打给您。"}, idle_minutes=10)
    ctx = dialog_context(county.model_copy(update={"dialogue": wording}))
    assert texts.question(["phone"], Draft(), Profile(), ctx) == wording.questions["phone"]
    assert ctx.idle_minutes == 10


def test_an_unknown_slot_in_the_wording_is_one_sentence(county: County) -> None:
    from backend.config import ConfigError

    wording = Dialogue(questions={"mobile": "……"})
    with pytest.raises(ConfigError, match=r"dialogue\.questions\.mobile"):
        dialog_context(county.model_copy(update={"dialogue": wording}))
