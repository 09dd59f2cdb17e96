"""Who may see which case: a staff member sees the cases their agency leads or co-handles;
the office and leaders see every case. Used by the staff API and the staff chat alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend.workflow import Actor, ActorKind


def sees_all(county: Any, staff: Any) -> bool:
    """Office staff and leaders see the whole county."""
    return staff.role in ("office", "leader") or staff.agency == county.office


def actor_for(county: Any, staff: Any) -> Actor:
    """The workflow actor for a staff account (the office's own staff act as the office)."""
    kind: ActorKind = "staff"
    if staff.role == "leader":
        kind = "leader"
    elif staff.role == "office" or staff.agency == county.office:
        kind = "office"
    return Actor(id=staff.id, kind=kind, agency=staff.agency, name=staff.name)


def refusal(
    county: Any,
    staff: Any,
    lead: str,
    co_agencies: Iterable[str],
    first_agency: str | None = None,
) -> str | None:
    """None if ``staff`` may see the case, else the reason (Chinese, shown to them). The
    agency that first received it (首问, ``first_agency``) keeps reading it after a transfer."""
    if sees_all(county, staff):
        return None
    if staff.agency in (lead, first_agency) or staff.agency in set(co_agencies):
        return None
    return "此案件不由本单位承办或联办，无权查看或办理。"
