"""``yichuang serve``: one aiohttp application for everything that listens.

Routes: ``/healthz``, the staff API under ``/api/v1`` and whatever the channel plugins register
(``/telegram/webhook``, ``/wecom/app``, ``/wecom/kf``). Background tasks: the notifier (drains
the outbox) and the overdue scanner. SIGTERM/SIGINT stop accepting requests, let the batch
being delivered finish (claimed rows not yet sent stay pending for the next start) and exit 0.

The edge (``edge_guard`` middleware and the runner options): a connection that has not sent a
complete request within ``KEEPALIVE_TIMEOUT`` seconds is closed (slowloris); a request body
must arrive within ``BODY_TIMEOUT`` (408) and fit ``MAX_BODY``; a handler gets
``HANDLER_TIMEOUT``; database trouble anywhere is answered 503 with ``Retry-After`` (channels
re-deliver, staff clients retry) and any other unexpected error 500, both as one JSON sentence.
``/healthz`` answers within about a second whatever the database does, and says whether it
answered. Several ``serve`` processes (other ports or hosts) may share one PostgreSQL database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web

from backend.db import is_unavailable
from bot.api.outage import OUTAGE_KEY, RETRY_AFTER, DbOutage
from bot.channels import ChannelPlugin

log = logging.getLogger(__name__)

CONTEXT_KEY = web.AppKey("yichuang_context", object)
PLUGINS_KEY = web.AppKey("yichuang_plugins", list)

#: Channel adapters ``serve`` tries to load: module -> factory ``create_plugin(ctx)`` that
#: returns a ``ChannelPlugin`` or None when the channel is not configured.
PLUGIN_MODULES: tuple[str, ...] = ("bot.telegram", "bot.wecom")

#: How long shutdown waits for the background tasks to finish what they are doing.
SHUTDOWN_GRACE_SECONDS = 20.0

#: Seconds a connection may stay without a complete request (also the idle keep-alive time).
KEEPALIVE_TIMEOUT = 10.0
#: Seconds a request body may take to arrive once the headers are in.
BODY_TIMEOUT = 10.0
#: Seconds a handler may run (a Telegram flood wait of up to 30 s included).
HANDLER_TIMEOUT = 60.0
#: Largest request body anywhere (routes may read less: the channel callbacks do).
MAX_BODY = 2 * 1024 * 1024
#: Days a handled inbound message id is kept (Telegram re-sends for 24 hours at most).
PROCESSED_KEEP_DAYS = 7
#: Seconds ``/healthz`` waits for the database.
HEALTH_DB_TIMEOUT = 1.0
#: Routes that read their own body (after checking what they can without it).
SELF_READING_PREFIXES = ("/wecom/",)

DB_DOWN = "数据库暂时不可用，请稍后再试。"
INTERNAL = "服务器内部错误，请稍后再试。"
BODY_TOO_SLOW = "请求内容发送超时。"
BODY_TOO_LARGE = "请求内容太大。"
HANDLER_TOO_SLOW = "服务器处理超时，请稍后再试。"

STARTED_KEY = web.AppKey("yichuang_started", float)


def runner_options() -> dict[str, Any]:
    """``web.AppRunner`` / ``TestServer`` options of the edge (see the module docstring)."""
    return {"keepalive_timeout": KEEPALIVE_TIMEOUT, "access_log": None}


def _error(status: int, message: str, **headers: str) -> web.Response:
    resp = web.json_response({"error": message}, status=status, headers=headers or None)
    return resp


@web.middleware
async def edge_guard(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    """Body deadline, handler deadline, database trouble -> 503, anything else -> 500."""
    if (
        request.body_exists
        and not request.path.startswith(SELF_READING_PREFIXES)
        # A multipart upload is streamed by its handler (read here, it could not be parsed
        # there); it is bounded by ``client_max_size`` and the handler deadline.
        and request.content_type != "multipart/form-data"
    ):
        try:
            async with asyncio.timeout(BODY_TIMEOUT):  # no task per request, unlike wait_for
                await request.read()
        except web.HTTPRequestEntityTooLarge:
            resp = _error(413, BODY_TOO_LARGE)
            resp.force_close()
            return resp
        except TimeoutError:
            log.warning(
                "%s %s: body not received in %gs", request.method, request.path, BODY_TIMEOUT
            )
            resp = _error(408, BODY_TOO_SLOW)
            resp.force_close()
            return resp
    try:
        async with asyncio.timeout(HANDLER_TIMEOUT):
            result: web.StreamResponse = await handler(request)
            return result
    except web.HTTPException:
        raise
    except TimeoutError:
        log.error("%s %s: no answer within %gs", request.method, request.path, HANDLER_TIMEOUT)
        return _error(503, HANDLER_TOO_SLOW, **{"Retry-After": str(RETRY_AFTER)})
    except Exception as exc:
        if is_unavailable(exc):
            # One log line per outage for the whole server (shared with the API, the console
            # and the background loops), not one per request.
            outage = request.config_dict.get(OUTAGE_KEY)
            if outage is not None:
                outage.failed(exc, f"{request.method} {request.path}")
            else:
                log.warning("%s %s: database unavailable: %s", request.method, request.path, exc)
            return _error(503, DB_DOWN, **{"Retry-After": str(RETRY_AFTER)})
        log.exception("%s %s failed", request.method, request.path)
        return _error(500, INTERNAL)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="启动服务：渠道回调/轮询、工作人员接口、通知投递和超期督办扫描"
    )
    parser.add_argument("--host", help="监听地址（默认取 YICHUANG_HTTP_HOST）")
    parser.add_argument("--port", type=int, help="监听端口（默认取 YICHUANG_HTTP_PORT）")
    parser.add_argument(
        "--no-background", action="store_true", help="不启动通知投递和超期扫描（只做接口）"
    )
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from backend.settings import SettingsError, load_settings
    from bot.cli import UserError

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    overrides: dict[str, Any] = {}
    if args.host:
        overrides["http_host"] = args.host
    if args.port is not None:
        overrides["http_port"] = args.port
    try:
        # The command-line values are checked like the environment's (--port 99999: one
        # sentence, exit 2).
        settings = load_settings(**overrides)
    except SettingsError as exc:
        sentence = str(exc)
        for env, flag, given in (
            ("YICHUANG_HTTP_PORT", "--port", "http_port"),
            ("YICHUANG_HTTP_HOST", "--host", "http_host"),
        ):
            if given in overrides:
                sentence = sentence.replace(f"环境变量 {env} 的值", f"{flag} 的值")
        raise UserError(sentence) from None
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(serve(settings, background=not args.no_background))


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (its sockets, timers and callbacks cost
    less CPU than the standard loop's), else None (the standard one)."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def load_plugins(ctx: Any, modules: Sequence[str] = PLUGIN_MODULES) -> list[ChannelPlugin]:
    """The configured channel plugins (an adapter not installed or not configured is skipped)."""
    plugins: list[ChannelPlugin] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        factory = getattr(module, "create_plugin", None)
        if factory is None:
            continue
        plugin = factory(ctx)
        if plugin is not None:
            plugins.append(plugin)
    return plugins


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers within ``HEALTH_DB_TIMEOUT``, else 503 — fast either way."""
    ctx = request.app[CONTEXT_KEY]
    up = await ctx.db.ping(HEALTH_DB_TIMEOUT)  # type: ignore[attr-defined]
    outage = request.app.get(OUTAGE_KEY)
    if outage is not None:
        if not up:
            outage.failed(TimeoutError("no answer to SELECT 1"), "/healthz")
        elif outage.is_down:
            outage.answered()
    body = {
        "status": "ok" if up else "error",
        "database": "ok" if up else "unreachable",
        "pid": os.getpid(),
        "uptime_s": round(time.monotonic() - request.app[STARTED_KEY], 1),
        "channels": [p.name for p in request.app[PLUGINS_KEY]],
    }
    return web.json_response(body, status=200 if up else 503)


def build_web_app(
    ctx: Any, plugins: Sequence[ChannelPlugin] = (), *, background: bool = True
) -> web.Application:
    """The one aiohttp application. ``background`` starts the notifier and scanner loops
    with the app (tests that drive them by hand pass False)."""
    from bot.api import setup_api

    app = web.Application(client_max_size=MAX_BODY, middlewares=[edge_guard])
    app[CONTEXT_KEY] = ctx
    app[STARTED_KEY] = time.monotonic()
    app[PLUGINS_KEY] = list(plugins)
    # One database-outage tracker for everything this server does (API, console, channels,
    # background loops): an outage is logged when it starts and when it ends.
    app[OUTAGE_KEY] = DbOutage()
    app.router.add_get("/healthz", healthz)
    setup_api(app, ctx)
    from bot.desk import setup_console

    setup_console(app, ctx)  # the staff web console under /console/
    if ctx.notifier is None:
        from backend.notifier import Notifier
        from bot.senders.console import ConsoleSender

        ctx.notifier = Notifier(ctx.db, [ConsoleSender()], clock=ctx.clock)
    for plugin in plugins:
        for sender in plugin.senders():
            ctx.notifier.register(sender)
        plugin.setup_routes(app)
    app.cleanup_ctx.append(_plugins_lifecycle)
    if background:
        app.cleanup_ctx.append(_background_tasks)
    return app


async def _plugins_lifecycle(app: web.Application) -> AsyncIterator[None]:
    plugins: list[ChannelPlugin] = app[PLUGINS_KEY]
    started: list[ChannelPlugin] = []
    try:
        for plugin in plugins:
            await plugin.start()
            started.append(plugin)
        yield
    finally:
        for plugin in reversed(started):
            try:
                await plugin.stop()
            except Exception:
                log.exception("stopping channel %s failed", plugin.name)


async def _background_tasks(app: web.Application) -> AsyncIterator[None]:
    ctx = app[CONTEXT_KEY]
    plugins: list[ChannelPlugin] = app[PLUGINS_KEY]
    stop = asyncio.Event()
    outage = app[OUTAGE_KEY]
    notifier = ctx.notifier.run(stop, outage=outage)  # type: ignore[attr-defined]
    tasks = [
        asyncio.create_task(notifier, name="notifier"),
        asyncio.create_task(_scan_loop(ctx, stop, outage=outage), name="overdue-scanner"),
        asyncio.create_task(
            _answer_sweep_loop(ctx, plugins, stop, outage=outage), name="lost-answer-sweeper"
        ),
    ]
    yield
    stop.set()
    # The loops check ``stop`` between passes: a batch being delivered is finished.
    done, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
    for task in pending:  # claimed rows stay pending; their lease runs out and they are re-sent
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())


def answer_resenders(
    plugins: Sequence[ChannelPlugin],
) -> dict[str, Callable[[str, list[Any]], Any]]:
    """Per channel, how the channel plugins send a stored answer again (``resenders()``)."""
    out: dict[str, Callable[[str, list[Any]], Any]] = {}
    for plugin in plugins:
        resenders = getattr(plugin, "resenders", None)
        if resenders is not None:
            out.update(resenders())
    return out


async def sweep_lost_answers(ctx: Any, plugins: Sequence[ChannelPlugin]) -> int:
    """One pass of the sweeper: answers saved with their turn but never marked delivered —
    the process died between the commit and the send (a 微信客服 message is never offered
    again by WeChat Work) — are claimed (by one process, once) and sent again. Returns how
    many were re-sent."""
    from dialogs.service import reply_from_json

    resenders = answer_resenders(plugins)
    claim = getattr(ctx.conversations, "claim_unanswered", None)
    if not resenders or claim is None:
        return 0
    sent = 0
    for lost in await claim(sorted(resenders), now=ctx.clock()):
        user = lost.user_ref
        if user is None:
            continue
        replies = [reply_from_json(r) for r in lost.replies if isinstance(r, dict)]
        try:
            await resenders[lost.channel](user, replies)
        except Exception as exc:  # claimed once: it is not tried again (at most once more)
            log.warning("answer to %s:%s not re-sent: %s", lost.channel, lost.message_id, exc)
            continue
        log.info("answer to %s:%s re-sent after a restart", lost.channel, lost.message_id)
        sent += 1
    return sent


async def _answer_sweep_loop(
    ctx: Any,
    plugins: Sequence[ChannelPlugin],
    stop: asyncio.Event,
    interval: float = 30.0,
    *,
    outage: DbOutage | None = None,
) -> None:
    while not stop.is_set():
        try:
            await sweep_lost_answers(ctx, plugins)
        except Exception as exc:  # the database may be away: the next pass tries again
            if not (outage.failed(exc, "lost-answer sweep") if outage else is_unavailable(exc)):
                log.exception("lost-answer sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def _scan_loop(
    ctx: Any, stop: asyncio.Event, interval: float = 60.0, *, outage: DbOutage | None = None
) -> None:
    from backend.scanner import OverdueScanner

    scanner = OverdueScanner(ctx.county, ctx.db, ctx.clock)
    while not stop.is_set():
        try:
            await scanner.scan()
        except Exception as exc:
            # An outage is logged once (``outage``); anything else is a bug worth a traceback.
            if not (outage.failed(exc, "overdue scan") if outage else False):
                log.exception("overdue scan failed")
        else:
            prune = getattr(ctx.conversations, "prune", None)
            if prune is not None:
                try:
                    await prune(ctx.clock() - timedelta(days=PROCESSED_KEEP_DAYS))
                except Exception as exc:
                    log.warning("pruning handled message ids failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def _calendar_warning(ctx: Any) -> None:
    """Log, at start, when a due date set today can fall in a year whose holiday schedule
    neither ``chinese_calendar`` nor the county file has."""
    from backend.deadlines import local_date

    warning = ctx.county.calendar_warning(local_date(ctx.clock(), ctx.county.timezone))
    if warning:
        log.warning("%s", warning)


async def _warm_up(ctx: Any) -> None:
    from bot.bootstrap import warm_up

    try:
        warmed = await asyncio.to_thread(warm_up, ctx)
    except Exception:  # the first resident's parse will try again and say what is wrong
        log.exception("warming up the NLU failed")
        return
    if warmed:
        # What is loaded now (modules, the NLU model, the config) lives as long as the
        # process: out of the collector's way, a full collection no longer walks it all.
        gc.collect()
        gc.freeze()


async def serve(
    settings: Any,
    *,
    background: bool = True,
    plugin_factory: Callable[[Any], Sequence[ChannelPlugin]] = load_plugins,
    stop: asyncio.Event | None = None,
) -> int:
    """Run until SIGTERM/SIGINT (or ``stop``): upgrade the database, listen, then wind down."""
    from bot.bootstrap import build_context, close_context
    from bot.cli import UserError

    # build_context migrates the database (upgrade on start); a bad config or an unreachable
    # database raises ConfigError/DatabaseError, which the CLI turns into one sentence.
    ctx = await build_context(settings)
    try:
        if not background:
            # With the background tasks the overdue scanner says this on its first pass.
            _calendar_warning(ctx)
        plugins = list(plugin_factory(ctx))
        app = build_web_app(ctx, plugins, background=background)
        runner = web.AppRunner(app, handle_signals=False, **runner_options())
        # The NLU and the lazy imports of a turn, loaded before the first request: a cold
        # process would make its first residents wait a second or more.
        await _warm_up(ctx)
        await runner.setup()
        site = web.TCPSite(runner, settings.http_host, settings.http_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise UserError(
                f"无法在 {settings.http_host}:{settings.http_port} 上监听：{exc.strerror}"
            ) from exc
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        names = "、".join(p.name for p in plugins) or "无"
        print(
            f"yichuang serve：已在 http://{settings.http_host}:{settings.http_port} 监听"
            f"（渠道：{names}）",
            flush=True,
        )
        try:
            await stop.wait()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            log.info("shutting down")
            await runner.cleanup()
        print("yichuang serve：已停止", flush=True)
    finally:
        await close_context(ctx)
    return 0
