"""The staff API under ``/api/v1``: token authentication, agency scoping, every case action,
dead letters, statistics, the register export and an OpenAPI document of all of it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.framework import ApiRoute, add_routes, error_middleware
from bot.api.openapi import DOCUMENT_KEY, build_document
from bot.api.outage import OUTAGE_KEY, DbOutage
from bot.api.routes import api_routes, unknown_route
from bot.api.security import TokenAuthenticator

__all__ = ["ApiRoute", "api_routes", "build_document", "setup_api"]


def setup_api(app: web.Application, ctx: Any) -> None:
    """Register every staff API route on ``app`` (and its OpenAPI document), and answer
    every error under ``/api/v1`` — unknown routes included — as JSON."""
    routes = api_routes()
    # One outage tracker for the API and the console (a sub-application finds it here).
    outage = app.get(OUTAGE_KEY) or DbOutage()
    app[OUTAGE_KEY] = outage
    app.middlewares.append(error_middleware(unknown_route, outage))
    names = [n for a in ctx.county.agencies for n in (a.id, a.short_name, a.name)]
    app[DOCUMENT_KEY] = build_document(routes, names)
    add_routes(app, ctx, routes, TokenAuthenticator(ctx))
