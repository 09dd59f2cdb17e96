"""The route table of the staff API and what every route shares: token authentication,
input validation into pydantic models, and errors as ``{"error": "一句话"}``.

The aiohttp router and the OpenAPI document are both generated from the same ``ApiRoute``
list, so they cannot drift apart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy import exc as sa_exc

from bot.api.inputs import BadInput, read_json, shown, text_problem
from bot.api.outage import RETRY_AFTER, DbOutage

log = logging.getLogger("bot.api")

PREFIX = "/api/v1"


class ApiError(Exception):
    """An error answered as JSON ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Call:
    """One validated API request."""

    request: web.Request
    ctx: Any  # bot.bootstrap.AppContext
    staff: Any  # backend.config.StaffMember; None on public routes
    path: dict[str, str]
    query: Any  # the route's query model instance (None without one)
    body: Any  # the route's body model instance (None without one)


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str  # below PREFIX, aiohttp syntax: "/cases/{number}"
    handler: Handler
    operation_id: str
    summary: str
    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    auth: bool = True
    #: Description of the 200 response body (JSON schema), for the OpenAPI document.
    response: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    response_type: str = "application/json"
    #: Further media types the 200 response may have, with their schemas.
    more_responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: tuple[int, ...] = (400, 401, 403)
    #: JSON schema of each path parameter (default: one line of text, at most 64 characters).
    path_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def full_path(self) -> str:
        return PREFIX + self.path

    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


# --- validation messages ------------------------------------------------------------------

_PROBLEMS: dict[str, str] = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为文字",
    "string_too_short": "不能为空",
    "string_too_long": "太长了",
    "string_pattern_mismatch": "格式不对",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_parsing_size": "数字太长",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "string_unicode": "应为文字",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "date_future": "日期不对",
    "date_past": "日期不对",
    "list_type": "应为列表",
    "too_long": "太长了",
    "recursion_loop": "嵌套太深",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期，如 2026-03-01",
    "date_parsing": "应为日期，如 2026-03-01",
    "date_from_datetime_parsing": "应为日期，如 2026-03-01",
    "date_from_datetime_inexact": "应为日期，不带时间",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "greater_than": "数值太小",
    "less_than": "数值太大",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
}


def describe_validation(exc: ValidationError, where: str) -> str:
    """One Chinese sentence for the first problem (and how many more there are)."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    key = shown(".".join(str(p) for p in first["loc"]))
    kind = first["type"]
    ctx = first.get("ctx") or {}
    if kind == "literal_error":
        problem = f"取值应为 {ctx.get('expected', '')} 之一"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        limit = next((ctx[k] for k in ("ge", "le", "gt", "lt") if k in ctx), "")
        problem = f"{_PROBLEMS[kind]}（界限 {limit}）"
    elif kind == "value_error":
        problem = str(ctx.get("error") or first["msg"]).removeprefix("Value error, ")
    else:
        problem = _PROBLEMS.get(kind, "取值不合法")
    more = f"（另有 {len(errors) - 1} 处问题）" if len(errors) > 1 else ""
    if not key:  # a rule across fields: the message names them
        return f"{where}有误：{problem}{more}"
    return f"{where}字段 {key}：{problem}{more}"


def validate_query(model: type[BaseModel], request: web.Request) -> BaseModel:
    raw: dict[str, str] = {}
    for key in request.query:
        values = request.query.getall(key)
        if len(values) > 1:
            raise ApiError(400, f"查询参数 {shown(key)} 只能给一次")
        problem = text_problem(key, one_line=True) or text_problem(values[0], one_line=True)
        if problem is not None:
            raise ApiError(400, f"查询参数 {shown(key)}：{problem}")
        raw[key] = values[0]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ApiError(400, describe_validation(exc, "查询参数")) from None


async def validate_body(model: type[BaseModel], request: web.Request) -> BaseModel:
    try:
        data = await read_json(request, empty={})
    except BadInput as exc:
        raise ApiError(exc.status, exc.message) from None
    if not isinstance(data, dict):
        raise ApiError(400, "请求体应为 JSON 对象")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, describe_validation(exc, "请求体")) from None


# --- wiring -------------------------------------------------------------------------------


def error_response(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=dumps)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def json_ok(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=dumps)


Authenticator = Callable[[web.Request, Any], Awaitable[Any]]


def add_routes(
    app: web.Application, ctx: Any, routes: Sequence[ApiRoute], authenticate: Authenticator
) -> None:
    """Register every route on ``app`` with authentication and validation around its handler."""
    for route in routes:
        app.router.add_route(route.method, route.full_path, _wrap(route, ctx, authenticate))


def _wrap(route: ApiRoute, ctx: Any, authenticate: Authenticator) -> Any:
    async def handle(request: web.Request) -> web.StreamResponse:
        staff: Any | None = None
        try:
            staff = await authenticate(request, ctx) if route.auth else None
            for name, value in request.match_info.items():
                problem = text_problem(value, one_line=True)
                if problem is not None:
                    raise ApiError(400, f"路径中的 {name}：{problem}")
            query = validate_query(route.query, request) if route.query else None
            body = await validate_body(route.body, request) if route.body else None
            call = Call(request, ctx, staff, dict(request.match_info), query, body)
            return await route.handler(call)
        except ApiError as exc:
            if exc.status == 403:
                staff_id = getattr(staff, "id", None)
                log.warning(
                    "refused %s %s for staff %s: %s",
                    request.method,
                    request.path,
                    staff_id,
                    exc.message,
                )
            return error_response(exc.status, exc.message)

    handle.__name__ = route.operation_id
    return handle


# --- errors outside the handlers ----------------------------------------------------------

_HTTP_MESSAGES = {
    404: "没有这个接口",
    405: "这个接口不支持该请求方法",
    413: "请求体太大",
    414: "请求地址太长",
    431: "请求头太大",
}

UnknownRoute = Callable[[web.Request], str]


def error_middleware(unknown_route: UnknownRoute, outage: DbOutage | None = None) -> Any:
    """JSON errors for everything under ``PREFIX`` that the handlers do not answer
    themselves: unknown routes (``unknown_route`` words the 404), wrong methods, oversized
    requests, the database being unreachable (503 with ``Retry-After``, logged once per
    outage by ``outage``) and — as a last resort — a value the database refused (400) or a
    bug (500, logged with its traceback, never sent)."""
    tracker = outage if outage is not None else DbOutage()

    @web.middleware
    async def api_errors(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path != PREFIX and not request.path.startswith(PREFIX + "/"):
            return await handler(request)
        try:
            response = await handler(request)
            if tracker.is_down and request.path != PREFIX + "/openapi.json":
                tracker.answered()  # every other route reads the database (the token)
            return response
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            if exc.status == 404:
                return error_response(404, unknown_route(request))
            if isinstance(exc, web.HTTPMethodNotAllowed):
                allowed = sorted(exc.allowed_methods)
                shown_allowed = "、".join(m for m in allowed if m != "HEAD")
                message = f"{_HTTP_MESSAGES[405]}：{shown(request.method)}（可用：{shown_allowed}）"
                response = error_response(405, message)
                response.headers["Allow"] = ", ".join(allowed)  # RFC 9110
                return response
            return error_response(exc.status, _HTTP_MESSAGES.get(exc.status, "请求有误"))
        except asyncio.CancelledError:
            raise
        except BadInput as exc:
            return error_response(exc.status, exc.message)
        except Exception as exc:
            if tracker.failed(exc, f"{request.method} {request.path}"):
                response = error_response(503, "数据库暂时不可用，请稍后再试")
                response.headers["Retry-After"] = str(RETRY_AFTER)
                return response
            if isinstance(exc, sa_exc.DataError | OverflowError | UnicodeError):
                log.warning(
                    "input refused by the database for %s %s",
                    request.method,
                    request.path,
                    exc_info=True,
                )
                return error_response(400, "输入的数值超出范围或含有无法保存的字符")
            log.exception("unexpected error in %s %s", request.method, request.path)
            return error_response(500, "服务器内部错误，已记录，请稍后再试或联系管理员")

    return api_errors
