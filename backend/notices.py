"""What the complainant is told at each step (受理, 移送, 上报/批准, 延期, 答复, 办结, 异议),
written for a villager: short sentences, the case number, who has it, by when, and a phone
number to call. Every reply and closing notice states the objection routes from the county
file (机构, 地址/电话, 时限), as seeds 000 and 001 require of the written reply.

A grid worker's filing: the notice goes to the grid worker with what to tell the villager and
a 已转告 button, and (county ``[sms]``) as a text message to the villager's own phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend import outbox
from backend.config import County
from backend.models import Case, Filer, Person
from backend.outbox import Note
from backend.texts import FEEDBACK_QUESTION, LEGAL_ROUTES, local_day
from backend.workflow import ROUTES


@dataclass(frozen=True)
class Notice:
    """One message to the complainant: ``step`` names the workflow step it reports."""

    step: str
    title: str
    body: str


def _agency(county: County, agency_id: str) -> tuple[str, str]:
    """(name, phone) of an agency, for the complainant."""
    if not county.has_agency(agency_id):
        return agency_id, ""
    a = county.agency(agency_id)
    return a.name, a.phone


def _call(county: County, agency_id: str) -> str:
    name, phone = _agency(county, agency_id)
    return f"有事可以打{name}的电话 {phone}。" if phone else ""


def _by(county: County, due: datetime) -> str:
    return local_day(due, county.timezone)


def _head(case: Case) -> str:
    return f"您反映的问题（案件号 {case.number}）"


def objection_routes(county: County) -> str:
    """The routes a complainant who disagrees can take, each with body, address/phone and
    time limit (from the county file; a generic sentence when the file lacks them)."""
    routes = [county.objection_route(kind) for kind in ROUTES]
    given = [r for r in routes if r is not None]
    if not given:
        return LEGAL_ROUTES
    lines = ["如果您对处理结果有不同意见，可以依法："]
    for i, r in enumerate(given, 1):
        lines.append(f"{i}. {r.name}：{r.body}，地址 {r.address}，电话 {r.phone}；{r.time_limit}。")
    return "\n".join(lines)


def accepted(county: County, case: Case, staff_name: str | None) -> Notice:
    name, _ = _agency(county, case.lead_agency)
    who = f"，经办人{staff_name}" if staff_name else ""
    return Notice(
        "accepted",
        f"案件 {case.number} 已受理",
        f"{_head(case)}已由{name}受理{who}。"
        f"我们会在{_by(county, case.due_at)}前答复您。{_call(county, case.lead_agency)}",
    )


def transferred(county: County, case: Case, target: str) -> Notice:
    name, phone = _agency(county, target)
    address = county.agency(target).address if county.has_agency(target) else ""
    staff = county.staff_of(target)
    person = f"，联系人{staff[0].name}" if staff else ""
    return Notice(
        "transferred",
        f"案件 {case.number} 已移送",
        f"{_head(case)}归{name}办理，已经转给他们{person}，电话 {phone}，地址 {address}。"
        f"答复时间不变：{_by(county, case.due_at)}前答复您。",
    )


def transferred_out(county: County, case: Case, where: str, phone: str | None = None) -> Notice:
    """转外地: where it went and, when staff entered it, the receiving side's phone."""
    reach = (
        f"，对方电话 {phone}，请留意对方和您联系，也可以直接打这个电话问进展。"
        if phone
        else "，请留意对方和您联系。"
    )
    return Notice(
        "transferred_out",
        f"案件 {case.number} 已转{where}",
        f"{_head(case)}不归{county.name}管，已经转给{where}处理{reach}"
        f"{_call(county, county.office)}",
    )


def escalated(county: County, case: Case) -> Notice:
    name, _ = _agency(county, county.office)
    return Notice(
        "escalated",
        f"案件 {case.number} 已上报",
        f"{_head(case)}涉及几个部门，已经报给{name}，由县里统一协调办理。"
        f"领导批准后会告诉您新的答复时间。{_call(county, county.office)}",
    )


def approved(county: County, case: Case) -> Notice:
    return Notice(
        "approved",
        f"案件 {case.number} 专案办理",
        f"{_head(case)}经领导小组批准，由几个部门一起专门办理，"
        f"答复时间定为{_by(county, case.due_at)}前。{_call(county, county.office)}",
    )


def extended(county: County, case: Case) -> Notice:
    return Notice(
        "extended",
        f"案件 {case.number} 答复时间延后",
        f"{_head(case)}还需要进一步核实，答复时间延后到{_by(county, case.due_at)}前。"
        f"{_call(county, case.lead_agency)}",
    )


def replied(county: County, case: Case, answer: str, by: str | None = None) -> Notice:
    """答复. ``by``: the agency that actually replied (the office, a leader's agency);
    the lead agency when not given."""
    who = by or case.lead_agency
    name, _ = _agency(county, who)
    return Notice(
        "replied",
        f"案件 {case.number} 答复",
        f"{_head(case)}，{name}答复如下：\n{answer}\n\n{objection_routes(county)}\n"
        f"{_call(county, who)}",
    )


def closed(county: County, case: Case, answer: str | None, by: str | None = None) -> Notice:
    """办结. ``by``: the agency that closed it (its name and phone); the lead when not given."""
    who = by or case.lead_agency
    done = f"已由{_agency(county, who)[0]}办结。" if by and by != case.lead_agency else "已经办结。"
    result = f"\n办理结果：{answer}" if answer else ""
    return Notice(
        "closed",
        f"案件 {case.number} 已办结",
        f"{_head(case)}{done}{result}\n\n{objection_routes(county)}\n"
        f"{_call(county, who)}\n{FEEDBACK_QUESTION}",
    )


def objection(county: County, case: Case, route: str | None) -> Notice:
    chosen = f"您选择{ROUTES[route]}。" if route in ROUTES else ""
    return Notice(
        "objected",
        f"案件 {case.number} 异议",
        f"已记录您对案件 {case.number} 处理结果的不同意见。{chosen}\n{objection_routes(county)}\n"
        f"需要帮助可以打{_agency(county, case.lead_agency)[0]}的电话 "
        f"{_agency(county, case.lead_agency)[1]}。",
    )


def registered_by_grid_worker(county: County, case: Case, filer: Filer) -> Notice:
    """The villager's first SMS: someone filed for them, the number, who handles it."""
    name, _ = _agency(county, case.lead_agency)
    return Notice(
        "registered",
        f"案件 {case.number} 已登记",
        f"网格员{filer.name}已帮您登记反映的问题，案件号 {case.number}，由{name}办理，"
        f"{_by(county, case.due_at)}前答复您。{_call(county, case.lead_agency)}",
    )


# --- to whom --------------------------------------------------------------------------------


def notes_for(
    county: County, case: Case, person: Person, filer: Filer | None, notice: Notice
) -> list[Note]:
    """The outbox notes that bring ``notice`` to the complainant: their own chat; for a grid
    worker's filing the grid worker's chat (asked to pass it on) and an SMS to the villager."""
    if filer is None:
        return [Note(outbox.TO_COMPLAINANT, notice.title, notice.body, [outbox.chat_target(case)])]
    villager = person.name or person.employer or "缴费人"
    relay = (
        f"您代{villager}登记的案件 {case.number} 有新进展，请转告{villager}：\n"
        f"「{notice.body}」\n"
        f"转告后请点“已转告”，或回复：已转告 {case.number}"
    )
    notes = [
        Note(
            outbox.TO_GRID_WORKER,
            f"请转告：{notice.title}",
            relay,
            [outbox.chat_target(case)],
            outbox.RELAYED_ACTION,
        )
    ]
    sms = outbox.sms_target(county, person, filer)
    if sms is not None:
        notes.append(
            Note(
                outbox.TO_COMPLAINANT,
                notice.title,
                f"{county.sms.signature}{notice.body}",
                [sms],
            )
        )
    return notes
