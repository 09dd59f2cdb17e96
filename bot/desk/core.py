"""The console's aiohttp sub-application: sessions, CSRF, security headers, error pages.

Everything is refused without a session except the routes in ``PUBLIC_ROUTES`` (sign-in,
WeChat Work authorisation, static files): a page added later is protected by default. Every
POST carries the form's CSRF token (the session's HMAC token; on the sign-in form, the value
of a pre-sign-in cookie), checked before the handler runs.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from backend.auth import StaffAuth
from bot.api.inputs import shown, text_problem
from bot.api.outage import RETRY_AFTER, DbOutage, outage_of
from bot.desk.sessions import SESSION_HOURS, ConsoleSessions, SignedIn, csrf_ok

log = logging.getLogger("bot.desk")

PREFIX = "/console"
HOME = f"{PREFIX}/cases"
SESSION_COOKIE = "yc_console"
#: Pre-sign-in cookie: the sign-in form's CSRF token is its value (double submit).
LOGIN_COOKIE = "yc_console_login"
#: State of a WeChat Work authorisation in flight (state value and where to go after).
OAUTH_COOKIE = "yc_console_oauth"

PUBLIC_ROUTES = frozenset(
    {"root", "login", "login_post", "wecom_start", "wecom_callback", "static"}
)

#: No script, style or frame from anywhere else; forms post only to us.
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
    "script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

CSRF_REFUSED = "表单已过期或来源不明，已拒绝。请刷新页面后重新提交。"
DB_DOWN = "数据库暂时不可用，请稍后刷新页面再试。"
FORM_UNREADABLE = "提交的表单无法读取，请返回页面重新提交。"
FORM_TOO_LARGE = "提交的内容太大了，请删减后重新提交。"

#: Largest form the console reads (its forms hold a few texts of 5,000 characters).
MAX_FORM_BYTES = 128 * 1024
#: Longest query value (the longest filter, a search text, is 100 characters).
MAX_QUERY_VALUE = 1000
#: Most query parameters (the case list has nine).
MAX_QUERY_PARAMS = 30


@dataclass
class Desk:
    """What the console's handlers share: the application context and its helpers."""

    ctx: Any  # bot.bootstrap.AppContext
    wecom: Any | None = None  # bot.desk.wecom_login.WeComLogin when configured
    #: Outage tracker when the application has none of its own (see ``bot.api.outage``).
    outage: DbOutage = field(default_factory=DbOutage)

    @property
    def county(self) -> Any:
        return self.ctx.county

    # Built from the context at each use (they only hold references): staff are looked up in
    # the county the server has NOW, so a county file reloaded into ``ctx.county`` takes
    # effect on the next request — someone removed from it is signed out at once.
    @property
    def sessions(self) -> ConsoleSessions:
        return ConsoleSessions(self.ctx.db, self.ctx.county, self.ctx.clock)

    @property
    def auth(self) -> StaffAuth:
        return StaffAuth(self.ctx.db, self.ctx.county, self.ctx.clock)

    def now(self) -> datetime:
        now: datetime = self.ctx.clock()
        return now


DESK_KEY = web.AppKey("yichuang_desk", Desk)
#: The request's session (None before sign-in), set by ``guard``.
SIGNED_KEY: web.RequestKey[SignedIn | None] = web.RequestKey("yichuang_signed_in", SignedIn)


class PageError(Exception):
    """Answer with the error page: ``status`` and one Chinese sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def desk_of(request: web.Request) -> Desk:
    return request.app[DESK_KEY]


def signed_in(request: web.Request) -> SignedIn:
    """The session of a protected route (the middleware guarantees there is one)."""
    signed: SignedIn | None = request.get(SIGNED_KEY)
    if signed is None:  # a handler wrongly listed as public
        raise PageError(401, "请先登录。")
    return signed


# --- redirects after sign-in ---------------------------------------------------------------


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: only a path of the console itself, else the case list.

    Refuses absolute URLs, scheme-relative ``//host``, backslashes (browsers read ``/\\host``
    as ``//host``), control characters and dot segments.
    """
    if not value or len(value) > 1000:
        return HOME
    if any(ord(ch) < 0x21 or ch == "\\" or ord(ch) == 0x7F for ch in value):
        return HOME
    if not value.startswith(PREFIX + "/") or value.startswith("//"):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "//" in parts.path:
        return HOME
    if any(seg in (".", "..") for seg in parts.path.split("/")):
        return HOME
    return value


def login_url(next_path: str) -> str:
    return f"{PREFIX}/login?next={quote(next_path, safe='/')}"


def is_https(request: web.Request) -> bool:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def set_session_cookie(response: web.StreamResponse, request: web.Request, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=SESSION_HOURS * 3600,
        path=PREFIX,
        httponly=True,
        samesite="Lax",
        secure=is_https(request),
    )


def clear_cookie(response: web.StreamResponse, name: str) -> None:
    response.del_cookie(name, path=PREFIX)


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


# --- middleware ----------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _route_name(request: web.Request) -> str | None:
    route = request.match_info.route
    return getattr(route, "name", None) or (
        getattr(route.resource, "name", None) if route.resource is not None else None
    )


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Session, default-deny, input limits, CSRF, security headers and Chinese error pages
    (HTML for every error, the database being down included: 503 with ``Retry-After``)."""
    desk = desk_of(request)
    outage = outage_of(request, desk.outage)
    response: web.StreamResponse
    try:
        name = _route_name(request)
        public = name in PUBLIC_ROUTES
        _check_query(request)
        if request.method == "POST":
            await read_form(request)
        # The style sheet needs no session (and no database query).
        cookie = request.cookies.get(SESSION_COOKIE) if name != "static" else None
        signed = await desk.sessions.lookup(cookie)
        request[SIGNED_KEY] = signed
        if signed is None and not public:
            if request.method in ("GET", "HEAD"):
                raise web.HTTPSeeOther(login_url(request.path_qs))
            response = await _signed_out_post(request, name)
        elif request.method == "POST" and not await _csrf_passes(request, signed, name):
            log.warning(
                "console: CSRF refused for %s %s (staff %s)",
                request.method,
                request.path,
                signed.staff.id if signed else None,
            )
            response = await _csrf_refused(request, name)
        else:
            response = await handler(request)
            if outage.is_down and not public:
                outage.answered()  # a signed-in page read the database: it is back
    except PageError as exc:
        response = error_page(request, exc.status, exc.message)
    except web.HTTPNotFound:
        response = error_page(request, 404, "没有这个页面。")
    except web.HTTPMethodNotAllowed:
        response = error_page(request, 405, "不支持这种访问方式。")
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.status != 401:
            message = FORM_TOO_LARGE if exc.status == 413 else "请求有误，请返回重试。"
            response = error_page(request, exc.status, message)
        else:
            raise  # redirects
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        if outage.failed(exc, f"console {request.method} {request.path}"):
            response = error_page(request, 503, DB_DOWN, kept=await _typed(request))
            response.headers["Retry-After"] = str(RETRY_AFTER)
        else:
            log.exception("console: %s %s failed", request.method, request.path)
            response = error_page(request, 500, "系统出错了，请稍后再试；问题已记入日志。")
    _secure_headers(response)
    return response


def _check_query(request: web.Request) -> None:
    """Query strings and path segments the database could not take (NUL, other control
    characters, lone surrogates) or that no console page uses (very long, very many) are
    refused here, with the staff API's sentence, before any handler sees them."""
    if len(request.query) > MAX_QUERY_PARAMS:
        raise PageError(400, "查询参数太多了。")
    for key, value in request.query.items():
        if key == "next":
            continue  # ``safe_next`` replaces anything odd by the case list
        problem = text_problem(key, one_line=True) or text_problem(value, one_line=True)
        if problem is None and len(value) > MAX_QUERY_VALUE:
            problem = "太长了"
        if problem is not None:
            raise PageError(400, f"查询参数 {shown(key)}：{problem}")
    for value in request.match_info.values():
        if text_problem(value, one_line=True) is not None:
            raise web.HTTPNotFound()


async def read_form(request: web.Request) -> Any:
    """The POSTed form, read once (aiohttp keeps it): 413 page when it is larger than any
    console form, 400 page when it cannot be parsed (a malformed multipart body, a wrong
    charset) — never a stack trace."""
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise PageError(413, FORM_TOO_LARGE)
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise PageError(413, FORM_TOO_LARGE) from None
    except (ValueError, AssertionError, LookupError, UnicodeError, TypeError) as exc:
        log.warning("console: unreadable form for %s %s: %r", request.method, request.path, exc)
        raise PageError(400, FORM_UNREADABLE) from None
    # A chunked body has no Content-Length: its size is known once it is read.
    if len(await request.read()) > MAX_FORM_BYTES:
        raise PageError(413, FORM_TOO_LARGE)
    return form


async def _csrf_refused(request: web.Request, name: str | None) -> web.StreamResponse:
    """A form without a valid CSRF token: nothing is done. An action form of our own page
    (say, from before a sign-in in another tab) comes back with what was typed in it."""
    from bot.desk import pages

    if name == "case_action":
        return await pages.refill_refused_form(request, CSRF_REFUSED)
    return error_page(request, 403, CSRF_REFUSED)


async def _signed_out_post(request: web.Request, name: str | None) -> web.StreamResponse:
    """A form sent without a live session (it expired, or was ended): nothing is done; the
    sign-in page keeps what was typed into an action form and shows it again after."""
    from bot.desk import pages

    if name == "case_action":
        return await pages.sign_in_to_resume(request)
    return error_page(request, 401, "请先登录。")


async def _csrf_passes(request: web.Request, signed: SignedIn | None, name: str | None) -> bool:
    form = await request.post()
    token = form.get("_csrf")
    if not isinstance(token, str):
        return False
    if signed is not None and csrf_ok(signed.session_id, token):
        return True
    if name == "login_post":
        # Before sign-in the token is the value of the sign-in cookie (login CSRF).
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        return bool(cookie) and secrets.compare_digest(cookie, token)
    return False


def _secure_headers(response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.content_type == "text/html" or "Content-Disposition" in headers:
        # Pages and registers carry personal data: never cached.
        headers.setdefault("Cache-Control", "no-store")


# --- rendering -----------------------------------------------------------------------------


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A page, with what every page needs (the staff member, the CSRF token, the county)."""
    desk = desk_of(request)
    signed: SignedIn | None = request.get(SIGNED_KEY)
    base = {
        "me": signed.staff if signed else None,
        "csrf": signed.csrf if signed else "",
        "county": desk.county,
        "prefix": PREFIX,
        "path": request.path,
    }
    return aiohttp_jinja2.render_template(template, request, base | context, status=status)


def error_page(
    request: web.Request, status: int, message: str, kept: list[str] | None = None
) -> web.Response:
    """The error page; ``kept``: texts typed into a form that could not be handled, shown
    so that they are not lost."""
    return render(
        request, "error.html", status=status, message=message, code=status, kept=kept or []
    )


async def _typed(request: web.Request) -> list[str]:
    """The texts of a POSTed form (already read), for an error page to show back."""
    if request.method != "POST" or _route_name(request) not in ("case_action", "login_post"):
        return []
    from bot.desk.actions import typed_back

    try:
        form = await request.post()
    except Exception:  # unreadable: nothing to show
        return []
    skip = ("_csrf", "token", "next", "target_agency", "verdict", "route", "category", "tier")
    return [v for k, v in typed_back(form).items() if v.strip() and k not in skip]


def setup_templates(app: web.Application, timezone: str) -> None:
    zone = ZoneInfo(timezone)

    def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "" if value is None else value.astimezone(zone).strftime(fmt)

    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("bot.desk", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        filters={"local": local},
        trim_blocks=True,
        lstrip_blocks=True,
    )


# --- errors answered before the console sees the request ----------------------------------

_EDGE_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>出错了 · 一窗</title><link rel="stylesheet" href="{prefix}/static/console.css"></head>
<body><main><section class="card error-page"><h1>出错了</h1>
<p class="error" role="alert">{message}</p>
<p><a href="{prefix}/cases">返回案件列表</a></p></section></main></body></html>
"""


def edge_error(
    request: web.Request, status: int, message: str, **headers: str
) -> web.Response | None:
    """For the server's edge (``bot.server.edge_guard``), which answers some requests before
    any application sees them (a body over ``MAX_BODY`` or too slow, a handler deadline):
    under ``/console`` an HTML page in Chinese instead of JSON; None for any other path
    (the API and the channels keep their JSON). Needs no template, session or database."""
    if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
        return None
    from html import escape

    response = web.Response(
        status=status,
        text=_EDGE_PAGE.format(prefix=PREFIX, message=escape(message)),
        content_type="text/html",
        headers=headers or None,
    )
    _secure_headers(response)
    return response
