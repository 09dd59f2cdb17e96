"""Routing (DOMAIN.md §2, the seeds' 职责分工): every category before and after the reform."""

from __future__ import annotations

from datetime import date

import pytest

from backend.config import County
from backend.routing import period_side, route

BEFORE = (date(2019, 1, 1), date(2019, 12, 31))  # reform date of the example county: 2020-11-01
AFTER = (date(2023, 1, 1), date(2023, 12, 31))

# category, insurance type, period -> lead, co-agencies
CASES = [
    ("registration", "pension", BEFORE, "hrss", ()),
    ("registration", "pension", AFTER, "hrss", ()),
    ("registration", "resident_medical", AFTER, "medical", ()),
    ("registration", None, AFTER, "hrss", ("medical",)),
    ("info_transfer", "unemployment", BEFORE, "hrss", ("tax",)),
    ("info_transfer", "medical", AFTER, "medical", ("tax",)),
    ("contribution_base", "pension", BEFORE, "hrss", ()),
    ("contribution_base", "medical", BEFORE, "medical", ()),
    ("contribution_base", "pension", AFTER, "tax", ()),
    ("contribution_base", None, BEFORE, "hrss", ("medical",)),
    ("contribution_amount", "work_injury", BEFORE, "hrss", ()),
    ("contribution_amount", "maternity", BEFORE, "medical", ()),
    ("contribution_amount", "maternity", AFTER, "tax", ()),
    ("special_assessment", "pension", BEFORE, "hrss", ("tax",)),
    ("special_assessment", "medical", AFTER, "medical", ("tax",)),
    ("late_fee", "pension", BEFORE, "hrss", ()),
    ("late_fee", "medical", BEFORE, "medical", ()),
    ("late_fee", "pension", AFTER, "tax", ()),
    ("refund", "pension", AFTER, "tax", ("hrss", "finance")),
    ("refund", "medical", AFTER, "tax", ("medical", "finance")),
    ("refund", None, AFTER, "tax", ("hrss", "medical", "finance")),
    ("refund", "pension", BEFORE, "hrss", ("tax", "finance")),
    ("refund", "resident_medical", BEFORE, "medical", ("tax", "finance")),
    ("benefits", "pension", AFTER, "hrss", ()),
    ("benefits", "unemployment", BEFORE, "hrss", ()),
    ("benefits", "work_injury", AFTER, "hrss", ()),
    ("benefits", "medical", AFTER, "medical", ()),
    ("benefits", "maternity", BEFORE, "medical", ()),
    ("arrears", "pension", AFTER, "tax", ("court",)),
    ("arrears", "pension", BEFORE, "hrss", ("tax", "court")),
    ("arrears", "medical", BEFORE, "medical", ("tax", "court")),
    ("payment_record", "pension", AFTER, "tax", ("hrss",)),
    ("payment_record", "medical", AFTER, "tax", ("medical",)),
    ("payment_record", "pension", BEFORE, "hrss", ()),
    ("payment_system", "resident_pension", AFTER, "tax", ()),
    ("payment_system", None, BEFORE, "tax", ()),
    ("labor_relation", "pension", AFTER, "hrss", ("court",)),
    ("labor_relation", None, BEFORE, "hrss", ("court",)),
    ("other", "pension", AFTER, "office", ()),
    ("other", None, BEFORE, "office", ()),
]


@pytest.mark.parametrize(("category", "insurance", "period", "lead", "co"), CASES)
def test_routing_table(
    county: County,
    category: str,
    insurance: str | None,
    period: tuple[date, date],
    lead: str,
    co: tuple[str, ...],
) -> None:
    r = route(county, category, insurance, *period)
    assert (r.lead, r.co) == (lead, co)


def test_every_category_is_covered_before_and_after(county: County) -> None:
    covered = {(c, p) for c, _, p, _, _ in CASES}
    from backend.categories import CATEGORIES

    assert covered >= {(c, p) for c in CATEGORIES if c != "service" for p in (BEFORE, AFTER)}


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("税务局窗口态度差，让我来回跑", "tax"),
        ("医保中心的人推诿", "medical"),
        ("社保局经办人员不给办", "hrss"),
        ("工作人员服务不好", "office"),  # no agency named: the office decides
    ],
)
def test_service_complaints_go_to_the_agency_named(county: County, text: str, lead: str) -> None:
    assert route(county, "service", None, None, None, text).lead == lead


def test_unknown_category_goes_to_the_office(county: County) -> None:
    assert route(county, "weather", None).lead == "office"


def test_period_spanning_the_reform_joins_both_sides(county: County) -> None:
    r = route(county, "contribution_base", "pension", date(2020, 1, 1), date(2021, 6, 30))
    assert (r.lead, r.co, r.side) == ("tax", ("hrss",), "spanning")


def test_period_sides() -> None:
    reform = date(2020, 11, 1)
    assert period_side(None, None, reform) == "after"
    assert period_side(date(2020, 10, 1), date(2020, 10, 31), reform) == "before"
    assert period_side(date(2020, 11, 1), None, reform) == "after"
    assert period_side(None, date(2020, 10, 31), reform) == "before"
    assert period_side(date(2020, 10, 1), date(2020, 11, 30), reform) == "spanning"


def test_other_insurances_bring_in_their_agencies(county: County) -> None:
    """"养老、医疗都没交": the first insurance's rule leads, the medical one's agency joins."""
    one = route(county, "registration", "pension")
    both = route(county, "registration", "pension", also=("medical",))
    assert one.lead == both.lead == "hrss"
    assert "medical" not in one.co and "medical" in both.co
    # The same group again, or nothing known, changes nothing.
    assert route(county, "registration", "pension", also=("unemployment",)) == one
    assert route(county, "registration", "pension", also=("pension",)) == one
