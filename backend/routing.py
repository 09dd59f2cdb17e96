"""Who handles a case: category × insurance group × disputed period vs the reform date.

The table lives in the county config (``routing``); the first matching rule wins and no
matching rule means the office decides (领导小组办公室确定).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from backend.config import County, RouteRule

Side = Literal["before", "after", "spanning"]


@dataclass(frozen=True)
class Route:
    lead: str
    co: tuple[str, ...]
    #: Which rule decided, for the event log: "refund[2]" or "office".
    rule: str
    side: Side = "after"

    @property
    def agencies(self) -> tuple[str, ...]:
        return (self.lead, *self.co)


def period_side(start: date | None, end: date | None, reform: date) -> Side:
    """Where the disputed period lies relative to the reform date.

    An unknown period counts as "after": people mostly dispute what they pay now.
    """
    if start is None and end is None:
        return "after"
    first = start or end
    last = end or start
    assert first is not None and last is not None
    if last < reform:
        return "before"
    if first >= reform:
        return "after"
    return "spanning"


def _matches(rule: RouteRule, county: County, side: str, insurance: str | None, text: str) -> bool:
    if rule.period != "any" and rule.period != side:
        return False
    if rule.insurance is not None:
        members = county.insurance_groups.get(rule.insurance, [])
        if insurance not in members:
            return False
    return not rule.keywords or any(k in text for k in rule.keywords)


def _pick(
    county: County, category: str, side: str, insurance: str | None, text: str
) -> tuple[RouteRule, int] | None:
    for i, rule in enumerate(county.routing.get(category, [])):
        if _matches(rule, county, side, insurance, text):
            return rule, i
    return None


def route(
    county: County,
    category: str,
    insurance_type: str | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    description: str = "",
    *,
    also: Sequence[str] = (),
) -> Route:
    """Lead and co-agencies for a case. A period spanning the reform date: the rule for
    "after" leads and the agencies of the "before" rule join as co-agencies. ``also``: other
    insurances the case is about ("养老、医疗都…"): their rules' agencies join as co-agencies
    (the first insurance's rule leads)."""
    main = _route_one(county, category, insurance_type, period_start, period_end, description)
    extra: list[str] = []
    for other in also:
        if other == insurance_type:
            continue
        more = _route_one(county, category, other, period_start, period_end, description)
        if more.rule != "office":
            extra += [more.lead, *more.co]
    if not extra or main.rule == "office":
        return main
    co = tuple(dict.fromkeys(a for a in (*main.co, *extra) if a != main.lead))
    return Route(main.lead, co, main.rule, main.side)


def _route_one(
    county: County,
    category: str,
    insurance_type: str | None,
    period_start: date | None,
    period_end: date | None,
    description: str,
) -> Route:
    side = period_side(period_start, period_end, county.reform_date)
    if side == "spanning":
        after = _pick(county, category, "after", insurance_type, description)
        before = _pick(county, category, "before", insurance_type, description)
        if after is None and before is None:
            return Route(county.office, (), "office", side)
        main, other = (after, before) if after is not None else (before, after)
        assert main is not None
        co: list[str] = [*main[0].co]
        if other is not None:
            co += [other[0].lead, *other[0].co]
        lead = main[0].lead
        unique: tuple[str, ...] = tuple(dict.fromkeys(a for a in co if a != lead))
        rules = f"{category}[{main[1]}]" + (f"+[{other[1]}]" if other is not None else "")
        return Route(lead, unique, rules, side)
    picked = _pick(county, category, side, insurance_type, description)
    if picked is None:
        return Route(county.office, (), "office", side)
    rule, index = picked
    return Route(
        rule.lead,
        tuple(dict.fromkeys(a for a in rule.co if a != rule.lead)),
        f"{category}[{index}]",
        side,
    )
