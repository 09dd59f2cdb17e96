"""The route table of ``/api/v1``: the single source of the router and the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel

from backend.workflow import ACTION_LABELS, ACTIONS
from bot.api import handlers as h
from bot.api import schemas as s
from bot.api.framework import ApiRoute
from bot.api.openapi import openapi_json

#: The request body of each staff action.
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "accept": s.NoteBody,
    "transfer": s.TransferBody,
    "transfer_out": s.TransferOutBody,
    "start_joint": s.JointBody,
    "submit_opinion": s.OpinionBody,
    "reply": s.RequiredTextBody,
    "escalate": s.RequiredTextBody,
    "approve": s.NoteBody,
    "record_minutes": s.RequiredTextBody,
    "reclassify": s.ReclassifyBody,
    "extend_due": s.ExtendBody,
    "close": s.NoteBody,
    "object": s.ObjectionBody,
    "archive": s.NoteBody,
    "feedback": s.FeedbackBody,
}

_CASE = {"$ref": "#/components/schemas/Case"}
_OBJECT = {"type": "object"}


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
            "导出案件台账（json / csv / xlsx）",
            "register",
            query=s.ExportQuery,
            response={"type": "string", "format": "binary"},
            response_type="application/octet-stream",
        ),
    ]
    return routes


def _camel(kind: str) -> str:
    head, *rest = kind.split("_")
    return head + "".join(p.title() for p in rest) + "Case"
