"""The route table of ``/api/v1``: the single source of the router and the OpenAPI document."""

from __future__ import annotations

import re

from aiohttp import web
from pydantic import BaseModel

from backend.workflow import ACTION_LABELS, ACTIONS
from bot.api import handlers as h
from bot.api import schemas as s
from bot.api.framework import PREFIX, ApiRoute
from bot.api.inputs import LINE_PATTERN, shown
from bot.api.openapi import openapi_json

#: The request body of each staff action.
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "accept": s.NoteBody,
    "transfer": s.TransferBody,
    "transfer_out": s.TransferOutBody,
    "start_joint": s.JointBody,
    "submit_opinion": s.OpinionBody,
    "reply": s.ReplyBody,
    "escalate": s.RequiredTextBody,
    "approve": s.NoteBody,
    "record_minutes": s.RequiredTextBody,
    "reclassify": s.ReclassifyBody,
    "extend_due": s.ExtendBody,
    "close": s.CloseBody,
    "object": s.ObjectionBody,
    "archive": s.NoteBody,
    "feedback": s.FeedbackBody,
}

_CASE = {"$ref": "#/components/schemas/Case"}
#: Case numbers as the register writes them; lower case and short forms ("yc2026123") work too.
_CASE_NUMBER: dict[str, object] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 40,
    "pattern": LINE_PATTERN,
    "example": "YC-2026-000001",
}
_OBJECT = {"type": "object"}
#: Attachment refs: 32 random hex digits (never a sequential id).
_REF: dict[str, object] = {
    "type": "string",
    "minLength": 32,
    "maxLength": 32,
    "pattern": "^[0-9a-f]{32}$",
    "example": "9f86d081884c7d659a2feaa0c55ad015",
}
_ATTACHMENTS = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "counts": {
            "type": "object",
            "description": "按类型计数：image 照片、voice 语音、video 视频、file 文件、total 合计",
        },
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "ref": {"type": "string"},
                    "kind": {"type": "string", "enum": ["image", "voice", "video", "file"]},
                    "content_type": {"type": "string", "description": "按文件内容识别的类型"},
                    "size": {"type": "integer"},
                    "sha256": {"type": "string"},
                    "name": {"type": "string", "description": "下载文件名"},
                    "received_at": {"type": "string", "format": "date-time"},
                    "pruned": {"type": "boolean", "description": "已按保存期限删除文件"},
                    "url": {"type": "string", "description": "下载地址（需同样的令牌）"},
                },
            },
        },
    },
}
_ACCESS_ENTRY = {
    "type": "object",
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "actor": {"type": "string"},
        "actor_name": {"type": "string"},
        "agency": {"type": "string", "nullable": True},
        "case_number": {"type": "string", "nullable": True},
        "what": {"type": "string", "description": "detail 完整信息、attachment:<ref> 附件、导出"},
        "via": {"type": "string", "description": "api / cli / console / chat"},
    },
}


def api_routes() -> list[ApiRoute]:
    """Every route of the staff API, in the order the document lists them."""
    routes = [
        ApiRoute(
            "GET",
            "/openapi.json",
            openapi_json,
            "openapi",
            "本接口的 OpenAPI 3 文档",
            "meta",
            auth=False,
            errors=(),
        ),
        ApiRoute("GET", "/me", h.me, "me", "当前令牌对应的工作人员", "meta", errors=(401,)),
        ApiRoute(
            "GET",
            "/agencies",
            h.agencies,
            "listAgencies",
            "成员单位（移送、联办时选用）",
            "meta",
            response={"type": "array", "items": _OBJECT},
            errors=(401,),
        ),
        ApiRoute(
            "GET",
            "/cases",
            h.list_cases,
            "listCases",
            "案件列表：按状态、类别、分级、超期、单位、日期、关键词筛选",
            "cases",
            query=s.CaseQuery,
            response={
                "type": "object",
                "properties": {"cases": {"type": "array", "items": _OBJECT}},
            },
        ),
        ApiRoute(
            "GET",
            "/cases/{number}",
            h.case_detail,
            "getCase",
            "案件详情（含办理过程）",
            "cases",
            response=_CASE,
            errors=(401, 403, 404),
            path_schemas={"number": _CASE_NUMBER},
        ),
    ]
    routes += [
        ApiRoute(
            "GET",
            "/cases/{number}/attachments",
            h.list_case_attachments,
            "listCaseAttachments",
            "案件的附件（缴费人发来的照片、语音、视频和文件）列表",
            "cases",
            response=_ATTACHMENTS,
            errors=(401, 403, 404),
            path_schemas={"number": _CASE_NUMBER},
        ),
        ApiRoute(
            "GET",
            "/cases/{number}/attachments/{ref}",
            h.case_attachment,
            "getCaseAttachment",
            "下载一个附件（内容类型按文件内容识别；查看记入个人信息查阅记录）",
            "cases",
            response={"type": "string", "format": "binary"},
            response_type="*/*",
            errors=(401, 403, 404, 410),
            path_schemas={"number": _CASE_NUMBER, "ref": _REF},
        ),
    ]
    for kind in ACTIONS:
        assert kind in ACTION_BODIES, kind
        routes.append(
            ApiRoute(
                "POST",
                f"/cases/{{number}}/{kind}",
                h.action_handler(kind),
                _camel(kind),
                f"{ACTION_LABELS[kind]}（{kind}）",
                "actions",
                body=ACTION_BODIES[kind],
                response=_CASE,
                errors=(400, 401, 403, 404, 409),
                path_schemas={"number": _CASE_NUMBER},
            )
        )
    routes += [
        ApiRoute(
            "GET",
            "/outbox/dead",
            h.dead_letters,
            "listDeadLetters",
            "投递失败的通知（死信）",
            "outbox",
            query=s.PageQuery,
            errors=(400, 401, 403),
        ),
        ApiRoute(
            "POST",
            "/outbox/{outbox_id}/retry",
            h.retry_dead_letter,
            "retryDeadLetter",
            "把一条死信重新放回发送队列",
            "outbox",
            errors=(400, 401, 403, 404),
            path_schemas={
                "outbox_id": {"type": "integer", "minimum": 1, "maximum": h.MAX_OUTBOX_ID}
            },
        ),
        ApiRoute(
            "GET",
            "/stats",
            h.statistics,
            "statistics",
            "统计：按类别、分级、单位、状态计数，超期率，答复用时中位数",
            "register",
            query=s.StatsQuery,
        ),
        ApiRoute(
            "GET",
            "/export",
            h.export_register,
            "exportRegister",
            "导出案件台账（json / csv / xlsx）：可用与案件列表相同的筛选条件（状态、类别、分级、"
            "单位、超期、登记日期、关键词），不加条件即导出本账号可见的全部案件",
            "register",
            query=s.ExportQuery,
            response={"type": "array", "items": _OBJECT},
            response_type=h.EXPORT_MEDIA_TYPES["json"],
            more_responses={
                h.EXPORT_MEDIA_TYPES[f]: {"type": "string", "format": "binary"}
                for f in ("csv", "xlsx")
            },
        ),
        ApiRoute(
            "GET",
            "/access-log",
            h.access_log,
            "accessLog",
            "个人信息查阅记录：谁在何时通过何种途径查看了哪个案件的完整信息（仅领导小组办公室）",
            "register",
            query=s.AccessLogQuery,
            response={"type": "array", "items": _ACCESS_ENTRY},
            more_responses={"text/csv": {"type": "string", "format": "binary"}},
        ),
    ]
    return routes


_ACTION_PATH = re.compile(r"/cases/[^/]+/([^/]+)/?")


def unknown_route(request: web.Request) -> str:
    """The 404 sentence for a path under ``PREFIX`` that no route serves."""
    below = request.path.removeprefix(PREFIX)
    action = _ACTION_PATH.fullmatch(below)
    if action is not None and action.group(1) not in ACTIONS:
        return f"没有“{shown(action.group(1))}”这个办理操作，可用的操作：{'、'.join(ACTIONS)}"
    return (
        f"没有这个接口：{request.method} {shown(request.path, 80)}"
        f"（全部接口见 {PREFIX}/openapi.json）"
    )


def _camel(kind: str) -> str:
    head, *rest = kind.split("_")
    return head + "".join(p.title() for p in rest) + "Case"
