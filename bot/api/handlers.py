"""Handlers of the staff API. Each takes a validated ``Call`` and answers JSON (or a file)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from backend import export as register_export
from backend import stats
from backend.access import actor_for, refusal, sees_all
from backend.notifier import as_clock, list_outbox, retry_dead
from backend.service import CaseDetail, CaseFilter
from backend.workflow import (
    CaseNotFound,
    Forbidden,
    IllegalTransition,
    InvalidAction,
    StaffAction,
    WorkflowError,
)
from bot.api import files
from bot.api.framework import PREFIX, ApiError, Call, json_ok
from bot.api.inputs import shown
from identifiers import normalise_case_number

#: Outbox ids are PostgreSQL INTEGER (serial) keys.
MAX_OUTBOX_ID = 2**31 - 1

log = logging.getLogger("bot.api")


# --- shapes -------------------------------------------------------------------------------


def case_summary(d: CaseDetail) -> dict[str, Any]:
    """A row of the case list (no timeline)."""
    return {
        "number": d.number,
        "status": d.status,
        "status_label": d.status_label,
        "category": d.category,
        "category_label": d.category_label,
        "tier": d.tier,
        "tier_label": d.tier_label,
        "lead_agency": d.lead_agency,
        "co_agencies": list(d.co_agencies),
        "created_at": d.created_at.isoformat(),
        "due_at": d.due_at.isoformat(),
        "overdue": d.overdue,
        "complainant_name": d.complainant.name or d.complainant.employer,
        "description": d.description[:200],
    }


def case_full(d: CaseDetail) -> dict[str, Any]:
    """The full record (behind authentication): export fields + timeline with data."""
    data = d.to_json()
    data["events"] = [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "action_label": e.action_label,
            "text": e.text,
            "data": e.data,
        }
        for e in d.events
    ]
    data["assignments"] = [
        {
            "agency_id": a.agency_id,
            "agency_name": a.agency_name,
            "role": a.role,
            "active": a.active,
            "assigned_at": a.assigned_at.isoformat(),
            "opinion": a.opinion,
            "opinion_at": a.opinion_at.isoformat() if a.opinion_at else None,
        }
        for a in d.assignments
    ]
    data["reminders"] = list(d.reminders)
    data["allowed_actions"] = list(d.allowed_actions)
    data["updated_at"] = d.updated_at.isoformat()
    return data


# --- access -------------------------------------------------------------------------------


def _refuse(call: Call, reason: str) -> ApiError:
    return ApiError(403, reason)


def case_number(call: Call) -> str:
    """The case number of the path, as the register writes it ("yc2026123" ->
    "YC-2026-000123"); anything that cannot be one is a 404 without a database query."""
    raw = call.path["number"].strip()
    if not raw or len(raw) > 40:
        raise ApiError(404, "没有这个案件（案件号应如 YC-2026-000001）")
    return normalise_case_number(raw) or raw.upper()


def find_agency_id(call: Call, text: str) -> str:
    """An agency given by id, full name or short name (hrss / 云川县人力资源和社会保障局 /
    县人社局 / 人社局) -> its id; 400 naming the text if no single agency fits."""
    agency = call.ctx.county.find_agency(text)
    if agency is None:
        raise ApiError(
            400, f"没有找到单位“{shown(text)}”，请写单位编号、全称或简称（见 /api/v1/agencies）"
        )
    return str(agency.id)


async def load_case(call: Call, number: str, *, reading: bool = False) -> CaseDetail:
    """The case if the caller's agency may see it: 404 if unknown, 403 (logged) if not theirs.
    ``reading``: the agency that first received it (首问) may still read it after a transfer;
    acting on it stays with the lead and co-agencies."""
    try:
        detail: CaseDetail = await call.ctx.cases.detail(number)
    except CaseNotFound as exc:
        raise ApiError(404, str(exc)) from None
    first = detail.first_agency if reading else None
    reason = refusal(call.ctx.county, call.staff, detail.lead_agency, detail.co_agencies, first)
    if reason is not None:
        raise _refuse(call, reason)
    return detail


def _scope_agency(call: Call, requested: str | None) -> str | None:
    """Agency filter for lists/statistics: staff are held to their own agency."""
    county = call.ctx.county
    if requested is not None:
        requested = find_agency_id(call, requested)
    if sees_all(county, call.staff):
        return requested
    if requested is not None and requested != call.staff.agency:
        raise _refuse(call, "只能查看本单位承办或联办的案件")
    return str(call.staff.agency)


def _require_county_wide(call: Call, what: str) -> None:
    if not sees_all(call.ctx.county, call.staff):
        raise _refuse(call, f"{what}由领导小组办公室负责，本账号无权操作")


# --- handlers -----------------------------------------------------------------------------


async def me(call: Call) -> web.Response:
    s = call.staff
    county = call.ctx.county
    return json_ok(
        {
            "id": s.id,
            "name": s.name,
            "agency": s.agency,
            "agency_name": county.agency(s.agency).name,
            "role": s.role,
            "sees_all_cases": sees_all(county, s),
        }
    )


async def agencies(call: Call) -> web.Response:
    county = call.ctx.county
    return json_ok(
        [
            {
                "id": a.id,
                "name": a.name,
                "short_name": a.short_name,
                "phone": a.phone,
                "address": a.address,
                "is_office": a.id == county.office,
            }
            for a in county.agencies
        ]
    )


def _filter(call: Call, *, everything: bool = False) -> CaseFilter:
    """The service's filter of a list (a page) or, ``everything``, of the export (all the
    cases that match, with their timelines)."""
    q = call.query
    return CaseFilter(
        status=q.status,
        category=q.category,
        tier=q.tier,
        agency=_scope_agency(call, q.agency),
        overdue=q.overdue,
        created_from=q.date_from,
        created_to=q.date_to,
        text=q.q,
        limit=None if everything else q.limit,
        offset=0 if everything else q.offset,
        with_events=everything,
    )


async def list_cases(call: Call) -> web.Response:
    try:
        found = await call.ctx.cases.list_cases(_filter(call))
    except InvalidAction as exc:  # the service's own check of the filter values
        raise ApiError(400, str(exc)) from None
    q = call.query
    return json_ok(
        {"cases": [case_summary(d) for d in found], "limit": q.limit, "offset": q.offset}
    )


async def case_detail(call: Call) -> web.Response:
    detail = await load_case(call, case_number(call), reading=True)
    # The full record holds the ID number and phone: reading it is logged (个人信息保护法).
    await call.ctx.cases.record_access(
        actor_for(call.ctx.county, call.staff), detail.number, "detail", via="api"
    )
    return json_ok(case_full(detail))


def _action_fields(kind: str, body: Any) -> dict[str, Any]:
    fields = (
        "text",
        "reply",
        "target_agency",
        "jurisdiction",
        "jurisdiction_phone",
        "category",
        "tier",
        "extend_days",
        "route",
        "verdict",
    )
    return {f: getattr(body, f) for f in fields if getattr(body, f, None) is not None}


def action_handler(kind: str) -> Any:
    """The handler of one staff action (``POST /cases/{number}/<kind>``)."""

    async def act(call: Call) -> web.Response:
        number = case_number(call)
        await load_case(call, number)
        fields = _action_fields(kind, call.body)
        if "target_agency" in fields:
            fields["target_agency"] = find_agency_id(call, fields["target_agency"])
        action = StaffAction(kind=kind, actor=actor_for(call.ctx.county, call.staff), **fields)
        try:
            detail = await call.ctx.cases.act(number, action)
        except CaseNotFound as exc:
            raise ApiError(404, str(exc)) from None
        except Forbidden as exc:
            raise _refuse(call, str(exc)) from None
        except IllegalTransition as exc:
            raise ApiError(409, str(exc)) from None
        except (InvalidAction, WorkflowError) as exc:
            raise ApiError(400, str(exc)) from None
        log.info("staff %s: %s %s", call.staff.id, kind, number)
        return json_ok(case_full(detail))

    act.__name__ = f"act_{kind}"
    return act


async def dead_letters(call: Call) -> web.Response:
    _require_county_wide(call, "失败通知的查看和重发")
    q = call.query
    entries = await list_outbox(call.ctx.db, status="dead", limit=q.limit, offset=q.offset)
    return json_ok({"dead_letters": [e.to_json() for e in entries]})


async def retry_dead_letter(call: Call) -> web.Response:
    _require_county_wide(call, "失败通知的查看和重发")
    outbox_id = parse_outbox_id(call.path["outbox_id"])
    if outbox_id is None:
        raise ApiError(400, f"通知编号应为 1 到 {MAX_OUTBOX_ID} 之间的整数")
    if not await retry_dead(call.ctx.db, outbox_id, as_clock(call.ctx.clock)()):
        raise ApiError(404, f"编号 {outbox_id} 不是投递失败的通知（不存在或不是死信）")
    log.info("staff %s: retry outbox %s", call.staff.id, outbox_id)
    return json_ok({"id": outbox_id, "status": "pending"})


def parse_outbox_id(raw: str) -> int | None:
    """An outbox id typed by a person or in a path: ASCII digits, 1..2^31-1, else None.
    (``isdigit()`` is true for "²" and "①", which ``int()`` refuses; ``int()`` takes any
    length, which PostgreSQL's INTEGER does not.)"""
    text = raw.strip()
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_OUTBOX_ID else None


async def statistics(call: Call) -> web.Response:
    q = call.query
    ctx = call.ctx
    result = await stats.compute(
        ctx.db,
        as_clock(ctx.clock)(),
        tz=ctx.county.timezone,
        agency=_scope_agency(call, None),
        date_from=q.date_from,
        date_to=q.date_to,
    )
    return json_ok(result.to_json())


EXPORT_MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def export_register(call: Call) -> web.Response:
    fmt = call.query.format
    try:
        found = await call.ctx.cases.list_cases(_filter(call, everything=True))
    except InvalidAction as exc:  # the service's own check of the filter values
        raise ApiError(400, str(exc)) from None
    data = register_export.render(found, call.ctx.county, fmt)
    await call.ctx.cases.record_access(
        actor_for(call.ctx.county, call.staff), None, f"export {fmt}: {len(found)} 件", via="api"
    )
    return web.Response(
        body=data,
        content_type=EXPORT_MEDIA_TYPES[fmt],
        charset="utf-8" if fmt != "xlsx" else None,
        headers={"Content-Disposition": f'attachment; filename="register.{fmt}"'},
    )


# --- attachments ----------------------------------------------------------------------------


async def list_case_attachments(call: Call) -> web.Response:
    """A case's attachments (no bytes), for the staff who may read the case."""
    from backend.attachments.records import AttachmentCounts, list_attachments

    detail = await load_case(call, case_number(call), reading=True)
    found = await list_attachments(call.ctx.db, detail.number)
    counts = AttachmentCounts()
    for view in found:
        counts.add(view.kind)
    base = f"{PREFIX}/cases/{detail.number}/attachments"
    return json_ok(
        {
            "number": detail.number,
            "counts": counts.to_json(),
            "attachments": [files.attachment_json(v, f"{base}/{v.ref}") for v in found],
        }
    )


async def case_attachment(call: Call) -> web.Response:
    """One attachment's bytes: the case's agency scoping, the read in the access log."""
    from backend.attachments import AttachmentNotFound, BlobCorrupt, BlobMissing
    from backend.attachments.records import list_attachments

    number = case_number(call)
    ref = call.path["ref"]
    if not files.REF.fullmatch(ref):
        raise ApiError(404, "没有这个附件（附件编号是 32 位十六进制数）")
    desk = getattr(call.ctx, "attachments", None)
    if desk is None:
        raise ApiError(503, files.NO_STORE)
    detail = await load_case(call, number, reading=True)
    view = next(
        (v for v in await list_attachments(call.ctx.db, detail.number) if v.ref == ref), None
    )
    if view is None:
        raise ApiError(404, f"案件 {detail.number} 没有这个附件")
    if view.pruned_at is not None:
        raise ApiError(410, files.GONE)
    try:
        fetched = await desk.fetch_for(call.staff, ref, via="api")
    except AttachmentNotFound:
        raise ApiError(404, f"案件 {detail.number} 没有这个附件") from None
    except Forbidden as exc:
        raise _refuse(call, str(exc)) from None
    except BlobMissing:
        raise ApiError(410, files.GONE) from None
    except BlobCorrupt:
        log.error("attachment %s of %s is corrupt", ref, detail.number)
        raise ApiError(500, files.CORRUPT) from None
    log.info("staff %s: attachment %s of %s", call.staff.id, ref, detail.number)
    return files.file_response(fetched)


# --- the access log -----------------------------------------------------------------------


async def access_log(call: Call) -> web.Response:
    """Who read which case's personal data (the office's audit), newest first."""
    from datetime import timedelta

    from backend.views import day_start

    _require_county_wide(call, "个人信息查阅记录")
    q = call.query
    county = call.ctx.county
    number = None
    if q.number:
        number = normalise_case_number(q.number)
        if number is None:
            raise ApiError(
                400, f"查询参数 number：“{shown(q.number)}”不是案件号（如 YC-2026-000001）"
            )
    actor = q.actor
    if actor and ":" not in actor:
        member = county.staff_member(actor)
        if member is None:
            raise ApiError(400, f"查询参数 actor：没有编号为“{shown(actor)}”的工作人员")
        actor = actor_for(county, member).ref
    since = day_start(q.date_from, county.timezone) if q.date_from else None
    until = day_start(q.date_to + timedelta(days=1), county.timezone) if q.date_to else None
    entries = await call.ctx.cases.access_log(
        number=number, actor=actor, since=since, until=until, limit=q.limit
    )
    body = register_export.render_access_log(entries, county, q.format)
    if q.format == "json":
        return web.Response(body=body, content_type="application/json", charset="utf-8")
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
    )
