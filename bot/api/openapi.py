"""The OpenAPI 3 document, generated from the same ``ApiRoute`` list as the router."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bot.api.framework import PREFIX, ApiRoute, Call, json_ok
from bot.api.inputs import LINE_PATTERN

DOCUMENT_KEY = web.AppKey("yichuang_openapi", dict)

_ERRORS = {
    400: "输入不合法（error 说明哪个字段、什么问题）",
    401: "缺少或无效的访问令牌",
    403: "无权查看或办理（error 说明原因）",
    404: "没有这个案件、附件或通知",
    409: "案件当前状态不允许这个操作",
    410: "附件已按保存期限删除",
    413: "请求体太大",
    503: "数据库暂时不可用，请稍后再试",
}
_PATH_PARAMETER = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": LINE_PATTERN}

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "description": "一句中文说明"}},
}

_CASE_SCHEMA = {
    "type": "object",
    "description": "案件全貌：台账导出（GET /api/v1/export）的全部字段，加办理过程、承办/联办记录、可做的操作",
    "properties": {
        "number": {"type": "string", "example": "YC-2026-000001"},
        "status": {"type": "string"},
        "status_label": {"type": "string"},
        "category": {"type": "string"},
        "tier": {"type": "string"},
        "due_at": {"type": "string", "format": "date-time"},
        "lead_agency": {"type": "string"},
        "co_agencies": {"type": "array", "items": {"type": "string"}},
        "events": {"type": "array", "items": {"type": "object"}},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
    },
}


def _query_parameters(route: ApiRoute) -> list[dict[str, Any]]:
    if route.query is None:
        return []
    schema = route.query.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", ""),
            "schema": _not_null(
                {k: v for k, v in prop.items() if k not in ("description", "title")}
            ),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or text: ``anyOf [X, null]`` is just X (with the default)."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) != 1:
        return schema
    flat = {k: v for k, v in schema.items() if k != "anyOf"} | branches[0]
    if flat.get("default") is None:
        flat.pop("default", None)
    return flat


def _operation(route: ApiRoute, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": [
            {
                "name": p,
                "in": "path",
                "required": True,
                "schema": route.path_schemas.get(p, _PATH_PARAMETER),
            }
            for p in route.path_params()
        ]
        + _query_parameters(route),
        "responses": {
            "200": {
                "description": "成功",
                "content": {
                    media: {"schema": schema}
                    for media, schema in {
                        route.response_type: route.response,
                        **route.more_responses,
                    }.items()
                },
            },
            **{
                str(code): {
                    "description": _ERRORS[code],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
                for code in _error_codes(route)
            },
        },
    }
    if route.body is not None:
        name = route.body.__name__
        schema = route.body.model_json_schema(ref_template="#/components/schemas/{model}")
        for sub, sub_schema in schema.pop("$defs", {}).items():
            components[sub] = sub_schema
        components[name] = schema
        op["requestBody"] = {
            # a body whose fields are all optional may be left out
            "required": bool(schema.get("required")),
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    op["security"] = [{"bearerToken": []}] if route.auth else []
    return op


def _error_codes(route: ApiRoute) -> list[int]:
    """The route's own errors, plus what any route may answer: 400 for a bad path parameter,
    413 for an oversized body, 503 while the database is unreachable."""
    codes = set(route.errors)
    if route.path_params():
        codes.add(400)
    if route.body is not None:
        codes.add(413)
    if route.auth:
        codes.add(503)
    return sorted(codes)


def _name_agencies(document: dict[str, Any], agencies: Sequence[str]) -> None:
    """List the county's agencies (ids, names, short names) wherever the API takes one."""
    enum = list(dict.fromkeys(agencies))

    def constrain(schema: dict[str, Any]) -> None:
        for branch in schema.get("anyOf", [schema]):
            if branch.get("type") == "string":
                branch["enum"] = enum

    for schema in document["components"]["schemas"].values():
        prop = schema.get("properties", {}).get("target_agency")
        if prop is not None:
            constrain(prop)
    for ops in document["paths"].values():
        for op in ops.values():
            for parameter in op["parameters"]:
                if parameter["name"] == "agency" and parameter["in"] == "query":
                    constrain(parameter["schema"])


def build_document(
    routes: Sequence[ApiRoute], agencies: Sequence[str] | None = None
) -> dict[str, Any]:
    """OpenAPI 3.0 describing every route in ``routes``; ``agencies`` (ids and names the
    county config resolves) become the allowed values of every agency field."""
    components: dict[str, Any] = {"Error": _ERROR_SCHEMA, "Case": _CASE_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.full_path, {})[route.method.lower()] = _operation(route, components)
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "一窗 工作人员接口",
            "version": "1",
            "description": "社会保险费征缴争议：案件查询、办理、督办、统计和台账导出。"
            "请求头 Authorization: Bearer <令牌>（用 yichuang staff token issue 签发）。",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
        },
        "x-prefix": PREFIX,
    }
    if agencies:
        _name_agencies(document, agencies)
    return document


async def openapi_json(call: Call) -> web.Response:
    return json_ok(call.request.app[DOCUMENT_KEY])
