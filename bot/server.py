"""``yichuang serve``: one aiohttp application for everything that listens.

Routes: ``/healthz``, the staff API under ``/api/v1`` and whatever the channel plugins register
(``/telegram/webhook``, ``/wecom/app``, ``/wecom/kf``). Background tasks: the notifier (drains
the outbox) and the overdue scanner. SIGTERM/SIGINT stop accepting requests, let the batch
being delivered finish (claimed rows not yet sent stay pending for the next start) and exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from bot.channels import ChannelPlugin

log = logging.getLogger(__name__)

CONTEXT_KEY = web.AppKey("yichuang_context", object)
PLUGINS_KEY = web.AppKey("yichuang_plugins", list)

#: Channel adapters ``serve`` tries to load: module -> factory ``create_plugin(ctx)`` that
#: returns a ``ChannelPlugin`` or None when the channel is not configured.
PLUGIN_MODULES: tuple[str, ...] = ("bot.telegram", "bot.wecom")

#: How long shutdown waits for the background tasks to finish what they are doing.
SHUTDOWN_GRACE_SECONDS = 20.0


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
    from backend.settings import Settings

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    overrides: dict[str, Any] = {}
    if args.host:
        overrides["http_host"] = args.host
    if args.port is not None:
        overrides["http_port"] = args.port
    if overrides:
        settings = settings.model_copy(update=overrides)
    return asyncio.run(serve(settings, background=not args.no_background))


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
    ctx = request.app[CONTEXT_KEY]
    try:
        async with ctx.db.session() as session:  # type: ignore[attr-defined]
            await session.execute(sa.text("SELECT 1"))
    except Exception as exc:
        log.warning("healthz: database unreachable: %s", exc)
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


def build_web_app(
    ctx: Any, plugins: Sequence[ChannelPlugin] = (), *, background: bool = True
) -> web.Application:
    """The one aiohttp application. ``background`` starts the notifier and scanner loops
    with the app (tests that drive them by hand pass False)."""
    from bot.api import setup_api

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[CONTEXT_KEY] = ctx
    app[PLUGINS_KEY] = list(plugins)
    app.router.add_get("/healthz", healthz)
    setup_api(app, ctx)
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
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(ctx.notifier.run(stop), name="notifier"),  # type: ignore[attr-defined]
        asyncio.create_task(_scan_loop(ctx, stop), name="overdue-scanner"),
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


async def _scan_loop(ctx: Any, stop: asyncio.Event, interval: float = 60.0) -> None:
    from backend.scanner import OverdueScanner

    scanner = OverdueScanner(ctx.county, ctx.db, ctx.clock)
    while not stop.is_set():
        try:
            await scanner.scan()
        except Exception:
            log.exception("overdue scan failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


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
        plugins = list(plugin_factory(ctx))
        app = build_web_app(ctx, plugins, background=background)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
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
