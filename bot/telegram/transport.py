"""PTB's HTTP layer on aiohttp (``telegram.request.BaseRequest``).

PTB's default transport is httpx; per Bot API call it costs about four times the CPU of an
aiohttp request (httpx + httpcore + anyio layers), and every resident message makes one
``sendMessage``. This keeps everything else of PTB (the methods, the error mapping in
``BaseRequest._request_wrapper``: 429 -> ``RetryAfter``, 403 -> ``Forbidden``, …) and only
replaces the HTTP client: same form-encoded parameters, multipart for files, same timeouts,
``TimedOut`` for a timeout and ``NetworkError`` for anything else that went wrong on the way.
Proxy environment variables (``HTTPS_PROXY``, ``NO_PROXY``) are honoured, as with httpx —
read once per host, not per request (aiohttp's ``trust_env`` re-reads them, and ``~/.netrc``,
in a worker thread for every request).
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

#: PTB's defaults for its own httpx transport (seconds; pool: connections at once).
CONNECTION_POOL_SIZE = 256
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0


def _value(given: Any, default: float | None) -> float | None:
    """A timeout argument: PTB's ``DEFAULT_NONE`` means "the transport's default"."""
    return default if isinstance(given, type(BaseRequest.DEFAULT_NONE)) else given


class AiohttpRequest(BaseRequest):
    """``telegram.request.BaseRequest`` over one ``aiohttp.ClientSession``."""

    def __init__(
        self,
        *,
        connection_pool_size: int = CONNECTION_POOL_SIZE,
        read_timeout: float | None = READ_TIMEOUT,
        write_timeout: float | None = WRITE_TIMEOUT,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = (
            request_data.multipart_data if request_data and request_data.contains_files else None
        )
        fields = request_data.json_parameters if request_data else None
        read = _value(read_timeout, self._read)
        write = _value(write_timeout, self._media_write if files else self._write)
        connect = _value(connect_timeout, self._connect)
        pool = _value(pool_timeout, self._pool)
        parts = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            # aiohttp has no write timeout: the whole request gets the sum of the four.
            total=None if any(p is None for p in parts) else sum(p for p in parts if p),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        data: Any = fields
        if files:
            form = aiohttp.FormData(quote_fields=False)  # UTF-8 file names as they are
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, item in files.items():
                if isinstance(item, tuple):
                    filename, content, *rest = item
                    form.add_field(
                        name,
                        content,
                        filename=filename,
                        content_type=rest[0] if rest else "application/octet-stream",
                    )
                else:
                    form.add_field(name, item)
            data = form
        try:
            proxy = self._proxy_for(url)
            async with session.request(
                method, url, data=data, timeout=timeout, proxy=proxy
            ) as resp:
                return resp.status, await resp.read()
        except TimeoutError as err:  # aiohttp.ServerTimeoutError too
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err

    def _proxy_for(self, url: str) -> str | None:
        """The proxy the environment names for ``url``'s scheme and host (cached)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            found = urllib.request.getproxies_environment()
            proxy = found.get(parts.scheme)
            bypass = getattr(urllib.request, "proxy_bypass_environment")  # noqa: B009 (untyped)
            if proxy and bypass(key[1], found):
                proxy = None
            self._proxies[key] = proxy
        return self._proxies[key]
