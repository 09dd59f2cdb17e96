"""A TCP proxy in front of PostgreSQL that can black-hole (hold every byte) or cut (refuse)
connections: a database outage for one test, without stopping the server others use.

Shared by the server, Telegram and WeChat Work outage tests (``from tests.bot.pgproxy import
PgProxy, proxied_timeouts``)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

import backend.db


def proxied_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short database timeouts, so an outage is noticed within a second or two."""
    monkeypatch.setattr(backend.db, "COMMAND_TIMEOUT", 1.5)
    monkeypatch.setattr(backend.db, "STATEMENT_TIMEOUT", 1.0)
    monkeypatch.setattr(backend.db, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(backend.db, "POOL_TIMEOUT", 1.0)


class PgProxy:
    """127.0.0.1:<port> -> PostgreSQL; ``mode`` "pass" | "blackhole" | "cut"."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.mode = "pass"
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()

    def cut(self) -> None:
        self.mode = "cut"
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "cut":
            writer.transport.abort()
            return
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    while self.mode == "blackhole":
                        await asyncio.sleep(0.05)  # hold every byte
                    if self.mode == "cut":
                        break
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
