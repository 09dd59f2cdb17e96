"""The staff web console (工作台) under ``/console/``: the office's and the agencies' desk in a
browser, served by the same aiohttp application as the API and the channels.

Server-rendered pages (aiohttp-jinja2), no JavaScript; sessions in the database behind an
HTTP-only SameSite cookie; CSRF token on every form; sign-in with a staff token or through
WeChat Work's web authorisation. See ``bot.desk.core`` for the security model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.desk.core import DESK_KEY, PREFIX, Desk

__all__ = ["PREFIX", "build_console", "setup_console"]

STATIC = Path(__file__).parent / "static"


def build_console(ctx: Any) -> web.Application:
    """The console as an aiohttp sub-application (mount it at ``/console``)."""
    from bot.desk import pages
    from bot.desk.core import guard, setup_templates
    from bot.desk.wecom_login import WeComLogin, configured

    app = web.Application(middlewares=[guard])
    wecom = WeComLogin(ctx.settings) if configured(ctx.settings) else None
    app[DESK_KEY] = Desk(ctx=ctx, wecom=wecom)
    setup_templates(app, ctx.county.timezone)
    r = app.router
    r.add_get("/", pages.root, name="root")
    r.add_get("/login", pages.login_form, name="login")
    r.add_post("/login", pages.login_submit, name="login_post")
    r.add_post("/logout", pages.logout, name="logout")
    r.add_get("/wecom", pages.wecom_start, name="wecom_start")
    r.add_get("/wecom/callback", pages.wecom_callback, name="wecom_callback")
    r.add_get("/cases", pages.case_list, name="cases")
    r.add_get("/cases/{number}", pages.case_page, name="case")
    r.add_post("/cases/{number}/{kind}", pages.case_action, name="case_action")
    r.add_post("/cases/{number}/outbox/{outbox_id}/retry", pages.retry_notice, name="case_retry")
    r.add_get("/cases/{number}/attachments/{ref}", pages.attachment_file, name="case_attachment")
    r.add_get("/board", pages.board_page, name="board")
    r.add_post("/board/remind", pages.board_remind, name="board_remind")
    r.add_get("/stats", pages.stats_page, name="stats")
    r.add_get("/export", pages.export, name="export")
    r.add_get("/access", pages.access_page, name="access")
    r.add_static("/static", STATIC, name="static")
    app.cleanup_ctx.append(_lifecycle)
    return app


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    desk = app[DESK_KEY]
    try:
        await desk.sessions.purge_expired()
    except Exception:  # a table not migrated yet must not stop the server
        import logging

        logging.getLogger("bot.desk").exception("console: purging expired sessions failed")
    yield
    if desk.wecom is not None:
        await desk.wecom.close()


def setup_console(app: web.Application, ctx: Any) -> None:
    """Mount the console at ``/console/`` on the server's application."""
    console = build_console(ctx)

    async def to_console(request: web.Request) -> web.Response:
        return web.Response(status=308, headers={"Location": f"{PREFIX}/"})

    app.router.add_get(PREFIX, to_console)
    app.add_subapp(PREFIX, console)
