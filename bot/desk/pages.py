"""The console's pages: sign-in, case list, case page with its action forms, 督办 board,
statistics and the register export. Each handler reads, calls the case service (or
``bot.desk.queries``) and renders a template; nothing here decides who may do what — the
workflow and ``backend.access`` do, exactly as for the staff API."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from pydantic import ValidationError

from backend import export as register_export
from backend import texts
from backend.access import actor_for, refusal, sees_all
from backend.auth import find_staff
from backend.categories import (
    CATEGORY_NAMES,
    INSURANCE_TYPES,
    TIER_NAMES,
    category_label,
    tier_label,
)
from backend.deadlines import working_days_left
from backend.service import CaseDetail, CaseFilter
from backend.workflow import (
    OPEN_STATUSES,
    STATUS_LABELS,
    VERDICTS,
    CaseNotFound,
    Forbidden,
    IllegalTransition,
    InvalidAction,
    WorkflowError,
)
from bot.api.framework import describe_validation
from bot.api.schemas import CaseQuery, StatsQuery
from bot.desk import charts, queries
from bot.desk.actions import FORMS, FormProblem, available, read_action, typed_back
from bot.desk.core import (
    HOME,
    LOGIN_COOKIE,
    OAUTH_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    SIGNED_KEY,
    PageError,
    clear_cookie,
    desk_of,
    error_page,
    is_https,
    new_login_token,
    render,
    safe_next,
    set_session_cookie,
    signed_in,
)
from identifiers import mask_phone, normalise_case_number

log = logging.getLogger("bot.desk")

PAGE_SIZE = 20
FILTER_KEYS = ("status", "category", "tier", "agency", "overdue", "date_from", "date_to", "q")
MAX_PAGE = 5000
#: ``User-Agent`` of WeChat Work's built-in browser.
WXWORK_UA = "wxwork"


def redirect(location: str) -> web.Response:
    """303 See Other (after a form: the browser GETs the new page)."""
    return web.Response(status=303, headers={"Location": location})


# --- sign-in -------------------------------------------------------------------------------


async def root(request: web.Request) -> web.Response:
    return redirect(HOME if request.get(SIGNED_KEY) else f"{PREFIX}/login")


async def login_form(request: web.Request) -> web.Response:
    desk = desk_of(request)
    next_path = safe_next(request.query.get("next"))
    if request.get(SIGNED_KEY) is not None:
        return redirect(next_path)
    in_wxwork = WXWORK_UA in request.headers.get("User-Agent", "").lower()
    if desk.wecom is not None and in_wxwork and "manual" not in request.query:
        # Inside WeChat Work the member is known: no token to type.
        return redirect(f"{PREFIX}/wecom?{urlencode({'next': next_path})}")
    return _login_page(request, next_path)


def _login_page(
    request: web.Request, next_path: str, error: str = "", status: int = 200
) -> web.Response:
    token = request.cookies.get(LOGIN_COOKIE) or new_login_token()
    response = render(
        request,
        "login.html",
        status=status,
        login_token=token,
        next=next_path,
        error=error,
        wecom=desk_of(request).wecom is not None,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=is_https(request),
    )
    return response


async def login_submit(request: web.Request) -> web.Response:
    desk = desk_of(request)
    form = await request.post()
    next_path = safe_next(_str(form.get("next")))
    token = _str(form.get("token")).strip()[:500]
    staff = await desk.auth.verify(token) if token else None
    if staff is None:
        log.warning("console: sign-in refused from %s", request.remote)
        return _login_page(request, next_path, "令牌无效或已吊销，请检查后重试。", status=401)
    return await _start_session(request, staff.id, "token", next_path)


async def _start_session(
    request: web.Request, staff_id: str, via: str, next_path: str
) -> web.Response:
    """A NEW session (any session id the browser brought is ended, never reused)."""
    desk = desk_of(request)
    await desk.sessions.end(request.cookies.get(SESSION_COOKIE))
    signed = await desk.sessions.create(staff_id, via)
    log.info("console: %s signed in (%s)", staff_id, via)
    response = redirect(next_path)
    set_session_cookie(response, request, signed.session_id)
    clear_cookie(response, LOGIN_COOKIE)
    clear_cookie(response, OAUTH_COOKIE)
    return response


async def logout(request: web.Request) -> web.Response:
    desk = desk_of(request)
    await desk.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = redirect(f"{PREFIX}/login")
    clear_cookie(response, SESSION_COOKIE)
    return response


async def wecom_start(request: web.Request) -> web.Response:
    desk = desk_of(request)
    if desk.wecom is None:
        return error_page(request, 404, "本系统没有启用企业微信登录，请用令牌登录。")
    next_path = safe_next(request.query.get("next"))
    state = secrets.token_hex(16)
    base = _public_origin(request, desk.county)
    target = desk.wecom.authorize_url(f"{base}{PREFIX}/wecom/callback", state)
    response = redirect(target)
    response.set_cookie(
        OAUTH_COOKIE,
        f"{state}|{next_path}",
        max_age=300,
        path=PREFIX,
        httponly=True,
        samesite="Lax",
        secure=is_https(request),
    )
    return response


async def wecom_callback(request: web.Request) -> web.Response:
    from bot.desk.wecom_login import WeComLoginError

    desk = desk_of(request)
    if desk.wecom is None:
        return error_page(request, 404, "本系统没有启用企业微信登录，请用令牌登录。")
    state, _, next_path = request.cookies.get(OAUTH_COOKIE, "").partition("|")
    given = request.query.get("state", "")
    code = request.query.get("code", "")
    if not state or not secrets.compare_digest(state, given):
        return error_page(request, 403, "登录请求已过期或来源不明，请从企业微信重新打开工作台。")
    if not code or len(code) > 512:
        return error_page(request, 403, "企业微信没有给出授权，请重新打开工作台。")
    try:
        userid = await desk.wecom.userid(code)
    except WeComLoginError as exc:
        return error_page(request, 403, str(exc))
    staff = next((s for s in desk.county.staff if s.wecom_userid == userid), None)
    if staff is None:
        log.warning("console: wecom member %s is not staff", userid)
        return error_page(
            request, 403, "您的企业微信账号没有登记为工作人员，请联系领导小组办公室。"
        )
    return await _start_session(request, staff.id, "wecom", safe_next(next_path))


def _public_origin(request: web.Request, county: Any) -> str:
    """Scheme and host WeChat Work must send the browser back to: the county's
    ``dashboard_url`` (the address staff use), else this request's own."""
    url = getattr(county, "dashboard_url", None)
    if url:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    scheme = "https" if is_https(request) else request.scheme
    return f"{scheme}://{request.host}"


# --- helpers ---------------------------------------------------------------------------------


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def agency_name(county: Any, agency_id: str | None, short: bool = True) -> str:
    if not agency_id:
        return ""
    if not county.has_agency(agency_id):
        return agency_id
    agency = county.agency(agency_id)
    return str(agency.short_name if short else agency.name)


def actor_name(county: Any, ref: str) -> str:
    """How the timeline names who acted: 王建国（县税务局）, 缴费人, 网格员 158****1121, 系统."""
    kind, _, ident = ref.partition(":")
    if kind in ("staff", "office", "leader"):
        staff = find_staff(county, ident)
        if staff is None:
            return ident or kind
        return f"{staff.name}（{agency_name(county, staff.agency)}）"
    if kind == "grid_worker":
        return f"网格员 {mask_phone(ident) or ''}".strip()
    if kind == "system":
        return "系统"
    return "缴费人"


@dataclass(frozen=True)
class Due:
    state: str  # overdue | due_soon | ok | done
    label: str


def due_state(county: Any, detail: Any, now: datetime) -> Due:
    if detail.status not in OPEN_STATUSES:
        return Due("done", "")
    if detail.due_at < now:
        return Due("overdue", "已超期")
    left = working_days_left(now, detail.due_at, county.timezone)
    if left <= county.due_soon_days:
        return Due("due_soon", "今天到期" if left <= 0 else f"剩 {left} 个工作日")
    return Due("ok", f"剩 {left} 个工作日")


def _scope(county: Any, staff: Any, requested: str | None) -> tuple[str | None, str]:
    """(agency filter, problem): staff are held to their own agency, like the API."""
    if requested is not None and not county.has_agency(requested):
        return None, f"没有编号为“{requested}”的单位。"
    if sees_all(county, staff):
        return requested, ""
    if requested is not None and requested != staff.agency:
        return staff.agency, "只能查看本单位承办或联办的案件，已显示本单位的案件。"
    return staff.agency, ""


def _filters(request: web.Request) -> dict[str, str]:
    """The list's filters as given (non-empty values only), for links and the export."""
    out: dict[str, str] = {}
    for key in FILTER_KEYS:
        value = request.query.get(key, "").strip()
        if value:
            out[key] = value[:100]
    return out


def _case_filter(
    request: web.Request, limit: int | None, offset: int
) -> tuple[CaseFilter | None, str]:
    desk = desk_of(request)
    staff = signed_in(request).staff
    raw = _filters(request)
    try:
        q = CaseQuery.model_validate({**raw, "limit": 1, "offset": 0})
    except ValidationError as exc:
        return None, describe_validation(exc, "筛选条件")
    agency, problem = _scope(desk.county, staff, q.agency)
    if problem and agency is None:
        return None, problem
    return (
        CaseFilter(
            status=q.status,
            category=q.category,
            tier=q.tier,
            agency=agency,
            overdue=q.overdue,
            created_from=q.date_from,
            created_to=q.date_to,
            text=q.q,
            limit=limit,
            offset=offset,
            with_events=False,
        ),
        problem,
    )


def _options(county: Any) -> dict[str, Any]:
    return {
        "statuses": list(STATUS_LABELS.items()),
        "categories": list(CATEGORY_NAMES.items()),
        "tiers": list(TIER_NAMES.items()),
        "agencies": [(a.id, a.short_name) for a in county.agencies],
    }


# --- the case list ---------------------------------------------------------------------------


async def case_list(request: web.Request) -> web.Response:
    desk = desk_of(request)
    staff = signed_in(request).staff
    page = _page_number(request.query.get("page", "1"))
    found: list[CaseDetail] = []
    case_filter, problem = _case_filter(request, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    status = 400 if case_filter is None else 200
    if case_filter is not None:
        try:
            found = await desk.ctx.cases.list_cases(case_filter)
        except InvalidAction as exc:  # an unknown status, category or tier
            problem, status = str(exc), 400
    now = desk.now()
    rows = [
        {
            "d": d,
            "due": due_state(desk.county, d, now),
            "lead": agency_name(desk.county, d.lead_agency),
            "who": d.complainant.name or d.complainant.employer or "（未留姓名）",
        }
        for d in found[:PAGE_SIZE]
    ]
    filters = _filters(request)
    return render(
        request,
        "cases.html",
        status=status,
        rows=rows,
        filters=filters,
        problem=problem,
        page=page,
        prev_link=_list_link(filters, page - 1) if page > 1 else None,
        next_link=_list_link(filters, page + 1) if len(found) > PAGE_SIZE else None,
        export_query=urlencode(filters),
        sees_all=sees_all(desk.county, staff),
        **_options(desk.county),
    )


def _page_number(raw: str) -> int:
    from identifiers import small_int

    value = small_int(raw, limit=MAX_PAGE)
    return value if value and value >= 1 else 1


def _list_link(filters: dict[str, str], page: int) -> str:
    query = dict(filters)
    if page > 1:
        query["page"] = str(page)
    return f"{PREFIX}/cases" + (f"?{urlencode(query)}" if query else "")


# --- the case page -----------------------------------------------------------------------------


async def _load(request: web.Request) -> CaseDetail:
    """The case if this staff member may see it: 404 page if unknown, 403 if not theirs."""
    desk = desk_of(request)
    staff = signed_in(request).staff
    number = normalise_case_number(request.match_info["number"][:40]) or ""
    if not number:
        raise web.HTTPNotFound()
    try:
        detail: CaseDetail = await desk.ctx.cases.detail(number)
    except CaseNotFound:
        raise web.HTTPNotFound() from None
    # The lead, the active co-agencies and the first receiver (首问) may read, as in the API.
    reason = refusal(
        desk.county, staff, detail.lead_agency, detail.co_agencies, detail.first_agency
    )
    if reason is not None:
        log.warning("console: %s refused case %s: %s", staff.id, number, reason)
        raise PageError(403, reason)
    return detail


async def case_page(request: web.Request) -> web.Response:
    detail = await _load(request)
    return await _case_view(request, detail)


async def _attachments(request: web.Request, number: str) -> list[Any]:
    """The case's photos, voice messages and files (the access check is ``_load``'s)."""
    from backend.attachments.records import list_attachments

    return list(await list_attachments(desk_of(request).ctx.db, number))


async def _case_view(
    request: web.Request,
    detail: CaseDetail,
    *,
    status: int = 200,
    failed: str = "",
    error: str = "",
    values: dict[str, str] | None = None,
) -> web.Response:
    desk = desk_of(request)
    staff = signed_in(request).staff
    county = desk.county
    await record_view(request, detail)
    actor = actor_for(county, staff)
    c = detail.complainant
    return render(
        request,
        "case.html",
        status=status,
        d=detail,
        due=due_state(county, detail, desk.now()),
        person=c,
        lead=agency_name(county, detail.lead_agency, short=False),
        co=[agency_name(county, a) for a in detail.co_agencies],
        attachments=await _attachments(request, detail.number),
        events=[
            {
                "e": e,
                "who": actor_name(county, e.actor),
                "label": e.action_label,
                "manual": bool(e.data.get("manual")),
            }
            for e in reversed(detail.events)
        ],
        forms=available(actor, detail),
        failed=failed,
        error=error,
        values=values or {},
        agencies=[(a.id, a.name) for a in county.agencies],
        transfer_targets=[(a.id, a.name) for a in county.agencies if a.id != detail.lead_agency],
        co_targets=[(a, agency_name(county, a, short=False)) for a in detail.co_agencies],
        categories=list(CATEGORY_NAMES.items()),
        tiers=list(TIER_NAMES.items()),
        county_wide=actor.is_county_wide,
        verdict=VERDICTS.get(detail.satisfaction or "", ""),
        channel=queries.channel_label(detail.channel),
        insurance=INSURANCE_TYPES.get(detail.insurance_type or "", detail.insurance_type),
        category_label=category_label,
        tier_label=tier_label,
    )


async def record_view(request: web.Request, detail: CaseDetail) -> None:
    """Record that this staff member saw the complainant's personal data (access log)."""
    desk = desk_of(request)
    actor = actor_for(desk.county, signed_in(request).staff)
    await desk.ctx.cases.record_access(actor, detail.number, "detail", via="console")


async def case_action(request: web.Request) -> web.Response:
    desk = desk_of(request)
    staff = signed_in(request).staff
    kind = request.match_info["kind"]
    form = FORMS.get(kind)
    if form is None:
        raise web.HTTPNotFound()
    detail = await _load(request)
    data = await request.post()
    values = typed_back(data)
    actor = actor_for(desk.county, staff)
    try:
        action = read_action(form, data, actor, desk.county)
        await desk.ctx.cases.act(detail.number, action)
    except FormProblem as exc:
        return await _case_view(
            request, detail, status=400, failed=kind, error=str(exc), values=values
        )
    except Forbidden as exc:
        log.warning("console: %s refused %s on %s: %s", staff.id, kind, detail.number, exc)
        return await _case_view(
            request, detail, status=403, failed=kind, error=str(exc), values=values
        )
    except IllegalTransition as exc:
        return await _case_view(
            request, detail, status=409, failed=kind, error=str(exc), values=values
        )
    except (InvalidAction, WorkflowError) as exc:
        return await _case_view(
            request, detail, status=400, failed=kind, error=str(exc), values=values
        )
    log.info("console: %s %s %s", staff.id, kind, detail.number)
    return redirect(f"{PREFIX}/cases/{detail.number}#timeline")


# --- 督办 board ------------------------------------------------------------------------------------


def _require_office(request: web.Request, what: str) -> None:
    desk = desk_of(request)
    if not sees_all(desk.county, signed_in(request).staff):
        raise PageError(403, f"{what}由领导小组办公室负责，本账号无权查看。")


async def board_page(request: web.Request, error: str = "") -> web.Response:
    _require_office(request, "督办")
    desk = desk_of(request)
    groups = await queries.board(desk.ctx.db, desk.county, desk.now())
    return render(
        request,
        "board.html",
        groups=[(agency_name(desk.county, g.agency), g) for g in groups],
        sent=request.query.get("sent", "")[:40],
        error=error,
        category_label=category_label,
        status=400 if error else 200,
    )


async def board_remind(request: web.Request) -> web.Response:
    _require_office(request, "督办")
    desk = desk_of(request)
    staff = signed_in(request).staff
    data = await request.post()
    number = normalise_case_number(_str(data.get("number"))[:40]) or ""
    try:
        if not number:
            raise queries.ReminderRefused("请选择要督办的案件。")
        await queries.remind(
            desk.ctx.db, desk.county, number, actor_for(desk.county, staff), desk.now(), texts
        )
    except queries.ReminderRefused as exc:
        return await board_page(request, error=str(exc))
    log.info("console: %s reminded %s", staff.id, number)
    return redirect(f"{PREFIX}/board?{urlencode({'sent': number})}")


# --- statistics ------------------------------------------------------------------------------------


async def stats_page(request: web.Request) -> web.Response:
    desk = desk_of(request)
    staff = signed_in(request).staff
    county = desk.county
    raw = {k: v.strip() for k in ("date_from", "date_to") if (v := request.query.get(k, ""))}
    problem = ""
    date_from: date | None = None
    date_to: date | None = None
    try:
        q = StatsQuery.model_validate(raw)
        date_from, date_to = q.date_from, q.date_to
    except ValidationError as exc:
        problem = describe_validation(exc, "筛选条件")
    requested = request.query.get("agency", "").strip() or None
    agency, scope_problem = _scope(county, staff, requested)
    problem = problem or scope_problem
    f = await queries.figures(
        desk.ctx.db, county, desk.now(), agency=agency, date_from=date_from, date_to=date_to
    )
    name = lambda a: agency_name(county, a)  # noqa: E731
    by_agency = [(name(a.agency), a.total) for a in f.agencies]
    on_time = [(name(a.agency), a.on_time_rate) for a in f.agencies if a.on_time_rate is not None]
    days = [(name(a.agency), a.average_days) for a in f.agencies if a.average_days is not None]
    return render(
        request,
        "stats.html",
        status=400 if problem and not scope_problem else 200,
        f=f,
        problem=problem,
        filters={k: v for k, v in {**raw, "agency": requested or ""}.items() if v},
        sees_all=sees_all(county, staff),
        agencies=[(a.id, a.short_name) for a in county.agencies],
        scope=agency_name(county, agency) if agency else "全县",
        charts={
            "category": charts.bar_chart(
                [(category_label(k), n) for k, n in f.by_category], title="按争议类别"
            ),
            "agency": charts.bar_chart(by_agency, title="按牵头单位"),
            "on_time": charts.bar_chart(on_time, title="按时办结率", percent=True, tone="good"),
            "days": charts.bar_chart(days, title="平均办理天数", tone="warn"),
            "tier": charts.bar_chart(
                [(tier_label(k), n) for k, n in f.by_tier], title="按事项分类"
            ),
            "channel": charts.bar_chart(
                [(queries.channel_label(k), n) for k, n in f.by_channel], title="按受理渠道"
            ),
            "month": charts.column_chart(f.by_month, title="按月份登记数"),
            "satisfaction": charts.bar_chart(
                [(VERDICTS[v], n) for v, n in f.satisfaction], title="满意度评价"
            ),
        },
        name=name,
        category_label=category_label,
        tier_label=tier_label,
        channel_label=queries.channel_label,
        verdicts=VERDICTS,
        pct=_pct,
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


# --- 台账 export -------------------------------------------------------------------------------------


async def export(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    staff = signed_in(request).staff
    fmt = request.query.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        return error_page(request, 400, "导出格式应为 xlsx 或 csv。")
    case_filter, problem = _case_filter(request, None, 0)
    if case_filter is None:
        return error_page(request, 400, problem)
    case_filter.with_events = True
    try:
        found = await desk.ctx.cases.list_cases(case_filter)
    except InvalidAction as exc:
        return error_page(request, 400, str(exc))
    await desk.ctx.cases.record_access(actor_for(desk.county, staff), None, "export", via="console")
    body = register_export.render(found, desk.county, fmt)
    stamp = f"{desk.now():%Y%m%d-%H%M}"
    name = f"cases-{stamp}.{fmt}"
    log.info("console: %s exported %d cases as %s", staff.id, len(found), fmt)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return web.Response(
        body=body,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


# --- access log (office) ---------------------------------------------------------------------


ACCESS_ROWS = 200
ACCESS_WHAT = {"detail": "案件完整信息", "export": "导出台账"}
ACCESS_VIA = {"api": "工作人员接口", "cli": "命令行", "console": "网页工作台", "chat": "聊天"}


async def access_page(request: web.Request) -> web.StreamResponse:
    """Who read which case's personal data (the office's audit), newest first; csv export."""
    from backend.export import render_access_log as render_log

    _require_office(request, "个人信息查阅记录")
    desk = desk_of(request)
    raw = request.query.get("number", "").strip()
    number = normalise_case_number(raw[:40]) if raw else None
    problem = "案件编号格式不对，应如 YC-2026-000123。" if raw and not number else ""
    entries = await desk.ctx.cases.access_log(
        number=number, limit=None if request.query.get("format") == "csv" else ACCESS_ROWS
    )
    if request.query.get("format") == "csv" and not problem:
        return web.Response(
            body=render_log(entries, desk.county, "csv"),
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": 'attachment; filename="access-log.csv"',
            },
        )
    return render(
        request,
        "access.html",
        status=400 if problem else 200,
        entries=[] if problem else entries,
        number=number or raw,
        problem=problem,
        limit=ACCESS_ROWS,
        agency_name=lambda a: agency_name(desk.county, a),
        what=lambda w: ACCESS_WHAT.get(w, w),
        via=lambda v: ACCESS_VIA.get(v, v),
        export_query=urlencode({"format": "csv", **({"number": number} if number else {})}),
    )
