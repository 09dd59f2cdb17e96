"""The console's aiohttp sub-application: sessions, CSRF, security headers, error pages.

Everything is refused without a session except the routes in ``PUBLIC_ROUTES`` (sign-in,
WeChat Work authorisation, static files): a page added later is protected by default. Every
POST carries the form's CSRF token (the session's HMAC token; on the sign-in form, the value
of a pre-sign-in cookie), checked before the handler runs.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from backend.auth import StaffAuth
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
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

CSRF_REFUSED = "表单已过期或来源不明，已拒绝。请刷新页面后重新提交。"


@dataclass
class Desk:
    """What the console's handlers share: the application context and its helpers."""

    ctx: Any  # bot.bootstrap.AppContext
    sessions: ConsoleSessions
    auth: StaffAuth
    wecom: Any | None = None  # bot.desk.wecom_login.WeComLogin when configured

    @property
    def county(self) -> Any:
        return self.ctx.county

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
    """Session, default-deny, CSRF, security headers and Chinese error pages."""
    desk = desk_of(request)
    response: web.StreamResponse
    try:
        name = _route_name(request)
        public = name in PUBLIC_ROUTES
        # The style sheet needs no session (and no database query).
        cookie = request.cookies.get(SESSION_COOKIE) if name != "static" else None
        signed = await desk.sessions.lookup(cookie)
        request[SIGNED_KEY] = signed
        if signed is None and not public:
            if request.method in ("GET", "HEAD"):
                raise web.HTTPSeeOther(login_url(request.path_qs))
            response = error_page(request, 401, "请先登录。")
        elif request.method == "POST" and not await _csrf_passes(request, signed, name):
            log.warning(
                "console: CSRF refused for %s %s (staff %s)",
                request.method,
                request.path,
                signed.staff.id if signed else None,
            )
            response = error_page(request, 403, CSRF_REFUSED)
        else:
            response = await handler(request)
    except PageError as exc:
        response = error_page(request, exc.status, exc.message)
    except web.HTTPNotFound:
        response = error_page(request, 404, "没有这个页面。")
    except web.HTTPMethodNotAllowed:
        response = error_page(request, 405, "不支持这种访问方式。")
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.status != 401:
            message = "提交的内容太大了。" if exc.status == 413 else "请求有误，请返回重试。"
            response = error_page(request, exc.status, message)
        else:
            raise  # redirects
    except Exception:
        log.exception("console: %s %s failed", request.method, request.path)
        response = error_page(request, 500, "系统出错了，请稍后再试；问题已记入日志。")
    _secure_headers(response)
    return response


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


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html", status=status, message=message, code=status)


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
