"""Bearer-token authentication of staff API requests."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from backend.auth import StaffAuth
from bot.api.framework import ApiError

log = logging.getLogger("bot.api")


class TokenAuthenticator:
    """``Authorization: Bearer <token>`` -> the staff account, or 401."""

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    async def __call__(self, request: web.Request, ctx: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "缺少访问令牌：请在请求头加 Authorization: Bearer <令牌>")
        # The county the server has now (a reloaded county file counts at once).
        auth = StaffAuth(self._ctx.db, self._ctx.county, self._ctx.clock)
        staff = await auth.verify(token.strip())
        if staff is None:
            log.warning(
                "rejected token for %s %s from %s", request.method, request.path, request.remote
            )
            raise ApiError(401, "访问令牌无效或已吊销")
        return staff
