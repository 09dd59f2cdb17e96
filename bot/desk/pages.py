"""The console's pages: sign-in, case list, case page with its action forms, 督办 board,
statistics and the register export. Each handler reads, calls the case service (or
``bot.desk.queries``) and renders a template; nothing here decides who may do what — the
workflow and ``backend.access`` do, exactly as for the staff API."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from pydantic import ValidationError

from backend import export as register_export
from backend import texts
from backend.access import actor_for, refusal, sees_all
from backend.auth import find_staff, token_via
from backend.categories import (
    CATEGORY_NAMES,
    INSURANCE_TYPES,
    TIER_NAMES,
    category_label,
    tier_label,
)
from backend.deadlines import working_days_left
from backend.labels import access_label, channel_label, format_money, via_label
from backend.service import CaseDetail, CaseFilter
from backend.workflow import (
    OPEN_STATUSES,
    ROUTES,
    STATUS_LABELS,
    VERDICTS,
    CaseNotFound,
    Forbidden,
    IllegalTransition,
    InvalidAction,
    WorkflowError,
)
from bot.api import files
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
from bot.desk.flash import FLASH_COOKIE, FLASH_SECONDS, Flash, pack, unpack
from identifiers import mask_phone, normalise_case_number

log = logging.getLogger("bot.desk")

PAGE_SIZE = 20
FILTER_KEYS = ("status", "category", "tier", "agency", "overdue", "date_from", "date_to", "q")
MAX_PAGE = 5000
#: ``User-Agent`` of WeChat Work's built-in browser.
WXWORK_UA = "wxwork"


#: The session id created by a sign-in in this request (to sign a flash for it).
NEW_SESSION_KEY: web.RequestKey[str] = web.RequestKey("yichuang_new_session", str)


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
    request: web.Request,
    next_path: str,
    error: str = "",
    status: int = 200,
    resume: dict[str, str] | None = None,
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
        resume=resume or {},
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
    resume = _resume_fields(form)
    found = await desk.auth.verify_with_id(token) if token else None
    if found is None:
        log.warning("console: sign-in refused from %s", request.remote)
        return _login_page(
            request, next_path, "令牌无效或已吊销，请检查后重试。", status=401, resume=resume
        )
    staff, token_id = found
    # The session records its token: revoking the token ends the session.
    response = await _start_session(request, staff.id, token_via(token_id), next_path)
    if resume:
        return await _resume_after_sign_in(request, response, resume)
    return response


# --- a form sent after the session ended: kept through the sign-in ---------------------------

#: Hidden fields of the sign-in page that carry a form sent without a session.
RESUME_PREFIX = "resume_"
RESUMED = "登录已过期，您填写的内容没有提交，已保留在下面，请核对后重新提交。"


def _same_origin(request: web.Request) -> bool:
    """The form was sent by one of our own pages (a cross-site post must not pre-fill a
    staff member's form with someone else's text)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is not None and origin != "null":
        return urlsplit(origin).netloc == request.host
    return True


async def sign_in_to_resume(request: web.Request) -> web.Response:
    """An action form sent after the session ended: nothing is done, and the sign-in page
    carries what was typed (hidden fields) to show it again in the same form after sign-in."""
    number = normalise_case_number(request.match_info.get("number", "")[:40]) or ""
    kind = request.match_info.get("kind", "")
    page = f"{PREFIX}/cases/{number}" if number else HOME
    resume: dict[str, str] = {}
    if number and kind in FORMS and _same_origin(request):
        data = await request.post()
        typed = typed_back(data)
        resume = {
            "number": number,
            "kind": kind,
            **{f"v_{f.name}": typed[f.name] for f in FORMS[kind].fields if typed.get(f.name)},
        }
    error = "请先登录：登录已过期或已结束，刚才的表单没有提交。"
    if resume:
        error += "您填写的内容已保留，用令牌登录后会放回原来的表单。"
    return _login_page(request, safe_next(page), error, status=401, resume=resume)


async def refill_refused_form(request: web.Request, error: str) -> web.Response:
    """The case page with a refused action form (bad CSRF token) open and filled again, if
    it came from one of our pages; the plain error page otherwise. Status 403: not done."""
    kind = request.match_info.get("kind", "")
    if kind not in FORMS or not _same_origin(request):
        return error_page(request, 403, error)
    detail = await _load(request)
    values = typed_back(await request.post())
    return await _case_view(request, detail, status=403, failed=kind, error=error, values=values)


def _resume_fields(form: Any) -> dict[str, str]:
    """The kept form of the sign-in page (checked again: it came back from the browser)."""
    kept = {
        key.removeprefix(RESUME_PREFIX): value
        for key, value in form.items()
        if isinstance(key, str) and key.startswith(RESUME_PREFIX) and isinstance(value, str)
    }
    number = normalise_case_number(kept.get("number", "")[:40]) or ""
    kind = kept.get("kind", "")
    if not number or kind not in FORMS:
        return {}
    names = {f"v_{f.name}" for f in FORMS[kind].fields}
    typed = typed_back({k: v for k, v in kept.items() if k in names})
    return {"number": number, "kind": kind, **typed}


async def _resume_after_sign_in(
    request: web.Request, signed_in_response: web.Response, resume: dict[str, str]
) -> web.Response:
    """After sign-in, the case page with the kept form open and filled (not sent: the case
    may have moved on; the staff member checks and sends it again)."""
    number, kind = resume["number"], resume["kind"]
    values = {k.removeprefix("v_"): v for k, v in resume.items() if k.startswith("v_")}
    session_id = request.get(NEW_SESSION_KEY)
    assert isinstance(session_id, str)
    flash = pack(Flash(number, kind, RESUMED, values), session_id)
    if flash is not None:
        response = redirect(_failed_url(number, kind))
        for name, morsel in signed_in_response.cookies.items():
            response.cookies[name] = morsel
        _set_flash(response, request, flash)
        return response
    # Too long for a cookie: the case page itself, as the answer to the sign-in.
    desk = desk_of(request)
    request[SIGNED_KEY] = await desk.sessions.lookup(session_id)
    try:
        detail = await _load(request, number)
    except (web.HTTPNotFound, PageError):
        return signed_in_response
    page = await _case_view(request, detail, failed=kind, error=RESUMED, values=values)
    for name, morsel in signed_in_response.cookies.items():
        page.cookies[name] = morsel
    return page


async def _start_session(
    request: web.Request, staff_id: str, via: str, next_path: str
) -> web.Response:
    """A NEW session (any session id the browser brought is ended, never reused)."""
    desk = desk_of(request)
    await desk.sessions.end(request.cookies.get(SESSION_COOKIE))
    signed = await desk.sessions.create(staff_id, via)
    request[NEW_SESSION_KEY] = signed.session_id
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
            out[key] = value  # lengths are the filters' own (``CaseQuery``)
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


def _page_number(raw: str, limit: int = MAX_PAGE) -> int:
    from identifiers import small_int

    value = small_int(raw, limit=limit)
    return value if value and value >= 1 else 1


def _list_link(filters: dict[str, str], page: int) -> str:
    query = dict(filters)
    if page > 1:
        query["page"] = str(page)
    return f"{PREFIX}/cases" + (f"?{urlencode(query)}" if query else "")


# --- the case page -----------------------------------------------------------------------------


async def _load(request: web.Request, given: str | None = None) -> CaseDetail:
    """The case if this staff member may see it: 404 page if unknown, 403 if not theirs."""
    desk = desk_of(request)
    staff = signed_in(request).staff
    raw = request.match_info["number"] if given is None else given
    number = normalise_case_number(raw[:40]) or ""
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
    failed = request.query.get("failed", "")
    flash = None
    if failed:
        signed = signed_in(request)
        flash = unpack(request.cookies.get(FLASH_COOKIE), signed.session_id, detail.number)
        if flash is None or flash.form != failed:
            # The refused form's sentence did not arrive (cookies off, or read already).
            flash = Flash(detail.number, failed, "上次提交没有成功，请重新填写后提交。")
    response = await _case_view(
        request,
        detail,
        failed=flash.form if flash else "",
        error=flash.error if flash else "",
        values=flash.values if flash else None,
    )
    if request.cookies.get(FLASH_COOKIE) is not None:
        clear_cookie(response, FLASH_COOKIE)  # read once
    return response


def _failed_url(number: str, kind: str) -> str:
    return f"{PREFIX}/cases/{number}?{urlencode({'failed': kind})}#form-{kind}"


def _set_flash(response: web.StreamResponse, request: web.Request, value: str) -> None:
    response.set_cookie(
        FLASH_COOKIE,
        value,
        max_age=FLASH_SECONDS,
        path=PREFIX,
        httponly=True,
        samesite="Lax",
        secure=is_https(request),
    )


async def refused_form(
    request: web.Request,
    detail: CaseDetail,
    kind: str,
    error: str,
    values: dict[str, str],
    status: int,
) -> web.Response:
    """A refused action form: back to the case page (post/redirect/get) with the sentence
    next to that form and what was typed in it; answered directly with ``status`` when
    what was typed is too long to carry (never lost)."""
    flash = pack(Flash(detail.number, kind, error, values), signed_in(request).session_id)
    if flash is None:
        return await _case_view(
            request, detail, status=status, failed=kind, error=error, values=values
        )
    response = redirect(_failed_url(detail.number, kind))
    _set_flash(response, request, flash)
    return response


async def _attachments(request: web.Request, number: str) -> list[dict[str, Any]]:
    """The case's photos, voice messages and files (the access check is ``_load``'s), each
    with its authorised URL and how the page shows it (image, audio, video or a download)."""
    from backend.attachments.records import list_attachments

    return [
        {
            "a": a,
            "url": f"{PREFIX}/cases/{number}/attachments/{a.ref}",
            "show": "gone" if a.pruned_at else files.display(a.content_type),
        }
        for a in await list_attachments(desk_of(request).ctx.db, number)
    ]


async def attachment_file(request: web.Request) -> web.StreamResponse:
    """One attachment's bytes, for a staff member who may read the case: the same agency
    scoping as the case page, the read recorded in the access log, the type sniffed on
    arrival. The URL names the case and the attachment's random ``ref`` (never an id)."""
    from backend.attachments import AttachmentNotFound, BlobCorrupt, BlobMissing

    desk = desk_of(request)
    staff = signed_in(request).staff
    number = normalise_case_number(request.match_info["number"][:40]) or ""
    ref = request.match_info["ref"]
    if not number or not files.REF.fullmatch(ref):
        raise web.HTTPNotFound()
    attachments = getattr(desk.ctx, "attachments", None)
    if attachments is None:
        raise PageError(503, files.NO_STORE)
    try:
        listed = await attachments.list_for(staff, number)
        view = next((a for a in listed if a.ref == ref), None)
        if view is None:  # no such attachment, or one of another case
            raise web.HTTPNotFound()
        if view.pruned_at is not None:
            raise PageError(410, files.GONE)
        fetched = await attachments.fetch_for(staff, ref, via="console")
    except (CaseNotFound, AttachmentNotFound):
        raise web.HTTPNotFound() from None
    except Forbidden as exc:
        log.warning("console: %s refused attachment %s of %s", staff.id, ref, number)
        raise PageError(403, str(exc)) from None
    except BlobMissing:
        raise PageError(410, files.GONE) from None
    except BlobCorrupt:
        log.error("console: attachment %s of %s is corrupt", ref, number)
        raise PageError(500, files.CORRUPT) from None
    return files.file_response(fetched, download=request.query.get("download") == "1")


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
        dead=await queries.dead_notices(desk.ctx.db, county, detail.number),
        can_retry=may_retry(actor, detail),
        retried=request.query.get("retried", "")[:12] if request.method == "GET" else "",
        events=[
            {
                "e": e,
                "who": actor_name(county, e.actor),
                "label": e.action_label,
                "manual": bool(e.data.get("manual")),
                "details": (details := event_details(county, e)),
                # The text told to the complainant is shown once, under its label.
                "text": "" if any(v == e.text for _, v in details) else e.text,
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
        verdicts=list(VERDICTS.items()),
        routes=list(ROUTES.items()),
        channel=channel_label(detail.channel),
        insurance="、".join(INSURANCE_TYPES.get(k, k) for k in detail.insurance_keys),
        money=format_money,
        category_label=category_label,
        tier_label=tier_label,
    )


def event_details(county: Any, e: Any) -> list[tuple[str, str]]:
    """What the timeline shows under an event's text, from its data: what the complainant
    was told (答复, 办结), the internal note beside it, the old and new due date (延期, 批准),
    the agencies of a transfer, the route of an objection."""
    data = e.data or {}
    out: list[tuple[str, str]] = []
    reply = data.get("reply")
    if isinstance(reply, str) and reply.strip():
        out.append(("告知缴费人", reply))
    note = data.get("note")
    if e.action == "reply" and isinstance(note, str) and note.strip():
        out.append(("内部办理意见", note))
    if e.action in ("extend_due", "approve"):
        old, new = _moment(data.get("old_due")), _moment(data.get("new_due"))
        if new is not None and new != old:
            zone = county.timezone
            before = texts.local(old, zone) if old is not None else "？"
            out.append(("办理时限", f"{before} → {texts.local(new, zone)}"))
    if e.action == "transfer" and data.get("to_agency"):
        moved = f"{agency_name(county, data.get('from_agency'))} → "
        out.append(("移送", moved + agency_name(county, data.get("to_agency"))))
    if e.action in ("object", "feedback") and data.get("route") in ROUTES:
        out.append(("救济途径", ROUTES[data["route"]]))
    return out


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # SQLite hands back naive UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
        return await refused_form(request, detail, kind, str(exc), values, 400)
    except Forbidden as exc:
        log.warning("console: %s refused %s on %s: %s", staff.id, kind, detail.number, exc)
        return await refused_form(request, detail, kind, str(exc), values, 403)
    except IllegalTransition as exc:
        return await refused_form(request, detail, kind, str(exc), values, 409)
    except (InvalidAction, WorkflowError) as exc:
        return await refused_form(request, detail, kind, str(exc), values, 400)
    log.info("console: %s %s %s", staff.id, kind, detail.number)
    return redirect(f"{PREFIX}/cases/{detail.number}#timeline")


# --- undelivered notifications --------------------------------------------------------------


def may_retry(actor: Any, detail: CaseDetail) -> bool:
    """Who may send an undelivered notification of a case again: the office and leaders,
    and the lead agency's staff (they handle the case and call the complainant)."""
    return bool(actor.is_county_wide or (actor.agency and actor.agency == detail.lead_agency))


async def retry_notice(request: web.Request) -> web.Response:
    """Put an undelivered notification of this case back in the outbox (the staff API's
    ``retry_dead``); the notifier delivers it on its next round."""
    from backend.notifier import as_clock, retry_dead
    from bot.api.handlers import parse_outbox_id

    desk = desk_of(request)
    staff = signed_in(request).staff
    detail = await _load(request)
    actor = actor_for(desk.county, staff)
    if not may_retry(actor, detail):
        raise PageError(403, "重发通知由领导小组办公室或牵头单位负责，本账号无权操作。")
    outbox_id = parse_outbox_id(request.match_info["outbox_id"])
    if outbox_id is None or not await queries.is_dead_notice_of(
        desk.ctx.db, detail.number, outbox_id
    ):
        raise PageError(404, "这条通知不是本案件投递失败的通知（可能已经重发）。")
    if not await retry_dead(desk.ctx.db, outbox_id, as_clock(desk.ctx.clock)()):
        raise PageError(404, "这条通知不是本案件投递失败的通知（可能已经重发）。")
    log.info("console: %s retried outbox %s of %s", staff.id, outbox_id, detail.number)
    query = urlencode({"retried": str(outbox_id)})
    return redirect(f"{PREFIX}/cases/{detail.number}?{query}#undelivered")


# --- 督办 board ------------------------------------------------------------------------------------


def _require_office(request: web.Request, what: str) -> None:
    desk = desk_of(request)
    if not sees_all(desk.county, signed_in(request).staff):
        raise PageError(403, f"{what}由领导小组办公室负责，本账号无权查看。")


async def board_page(request: web.Request) -> web.Response:
    _require_office(request, "督办")
    desk = desk_of(request)
    groups = await queries.board(desk.ctx.db, desk.county, desk.now())
    failed = request.query.get("failed", "")[:40]
    flash = None
    if failed:
        flash = unpack(request.cookies.get(FLASH_COOKIE), signed_in(request).session_id, "board")
        if flash is None or flash.form != failed:
            flash = Flash("board", failed, "上次的督办提醒没有发出，请重新发送。")
    shown = {c.number for g in groups for c in g.shown}
    response = render(
        request,
        "board.html",
        groups=[(agency_name(desk.county, g.agency), g) for g in groups],
        dead=await queries.dead_summary(desk.ctx.db),
        sent=request.query.get("sent", "")[:40],
        failed=flash.form if flash else "",
        error=flash.error if flash else "",
        error_elsewhere=bool(flash and flash.form not in shown),
        category_label=category_label,
    )
    if request.cookies.get(FLASH_COOKIE) is not None:
        clear_cookie(response, FLASH_COOKIE)
    return response


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
        # Back to the board (post/redirect/get), the sentence next to that case's button.
        flash = pack(Flash("board", number or "-", str(exc)), signed_in(request).session_id)
        response = redirect(
            f"{PREFIX}/board?{urlencode({'failed': number or '-'})}#remind-{number or 'top'}"
        )
        if flash is not None:
            _set_flash(response, request, flash)
        return response
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
                [(channel_label(k), n) for k, n in f.by_channel], title="按受理渠道"
            ),
            "month": charts.column_chart(f.by_month, title="按月份登记数"),
            "satisfaction": charts.bar_chart(
                [(VERDICTS[v], n) for v, n in f.satisfaction], title="满意度评价"
            ),
        },
        name=name,
        category_label=category_label,
        tier_label=tier_label,
        channel_label=channel_label,
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


ACCESS_ROWS = 100
#: Deepest page of the access log on screen (older entries: the csv export).
MAX_ACCESS_PAGE = 100


async def access_page(request: web.Request) -> web.StreamResponse:
    """Who read which case's personal data (the office's audit), newest first, filtered by
    case, person and dates, ``ACCESS_ROWS`` a page; csv export of the filtered log."""
    from datetime import timedelta

    from backend.export import render_access_log as render_log
    from backend.views import day_start
    from bot.api.schemas import AccessLogQuery

    _require_office(request, "个人信息查阅记录")
    desk = desk_of(request)
    county = desk.county
    keys = ("number", "actor", "date_from", "date_to")
    raw = {k: v for k in keys if (v := request.query.get(k, "").strip())}
    csv = request.query.get("format") == "csv"
    page = _page_number(request.query.get("page", "1"), MAX_ACCESS_PAGE)
    problem = ""
    number = actor = None
    since = until = None
    try:
        q = AccessLogQuery.model_validate(raw)
        if q.number:
            number = normalise_case_number(q.number)
            if number is None:
                problem = "案件编号格式不对，应如 YC-2026-000123。"
        if q.actor:
            member = county.staff_member(q.actor)
            if member is None:
                problem = problem or "请从列表中选择人员。"
            else:
                actor = actor_for(county, member).ref
        since = day_start(q.date_from, county.timezone) if q.date_from else None
        until = day_start(q.date_to + timedelta(days=1), county.timezone) if q.date_to else None
    except ValidationError as exc:
        problem = describe_validation(exc, "筛选条件")
    entries = []
    if not problem:
        # The log has no offset: read up to this page (pages are capped) and cut.
        entries = await desk.ctx.cases.access_log(
            number=number,
            actor=actor,
            since=since,
            until=until,
            limit=None if csv else page * ACCESS_ROWS + 1,
        )
    filters = {k: v for k, v in raw.items()}
    if csv and not problem:
        return web.Response(
            body=render_log(entries, county, "csv"),
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": 'attachment; filename="access-log.csv"',
            },
        )
    shown = entries[(page - 1) * ACCESS_ROWS : page * ACCESS_ROWS]
    more = len(entries) > page * ACCESS_ROWS

    def link(to: int) -> str:
        query = {**filters, **({"page": str(to)} if to > 1 else {})}
        return f"{PREFIX}/access" + (f"?{urlencode(query)}" if query else "")

    return render(
        request,
        "access.html",
        status=400 if problem else 200,
        entries=shown,
        filters=filters,
        number=number or raw.get("number", ""),
        people=[(m.id, f"{m.name}（{agency_name(county, m.agency)}）") for m in county.staff],
        problem=problem,
        page=page,
        prev_link=link(page - 1) if page > 1 else None,
        next_link=link(page + 1) if more and page < MAX_ACCESS_PAGE else None,
        agency_name=lambda a: agency_name(county, a),
        what=access_label,
        via=via_label,
        export_query=urlencode({"format": "csv", **filters}),
    )
