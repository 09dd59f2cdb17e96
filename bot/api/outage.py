"""Database outages at the HTTP edge: every request answered 503 with ``Retry-After``, the
outage logged ONCE (when it starts, then a reminder every ``REMIND_EVERY`` with the number of
requests refused meanwhile, and when the database answers again) — not a line, let alone a
traceback, per request.

One ``DbOutage`` per application, under ``OUTAGE_KEY`` on the main application: the staff API
and the web console (a sub-application, which finds it through ``request.config_dict``)
share it, so one outage is one log line whichever desk noticed it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from backend.db import is_unavailable

log = logging.getLogger("bot.outage")

#: Seconds a client should wait before trying again.
RETRY_AFTER = 5
#: While the database stays down, a reminder line this often (seconds).
REMIND_EVERY = 300.0


@dataclass
class DbOutage:
    """Whether the database is down as far as requests have seen, and since when."""

    clock: Callable[[], float] = time.monotonic
    down_since: float | None = None
    refused: int = 0
    _reminded: float = field(default=0.0, repr=False)

    @property
    def is_down(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException, where: str) -> bool:
        """Note a request that failed; True if it failed because the database is
        unavailable (``backend.db.is_unavailable``): answer 503. Logs once per outage."""
        if not is_unavailable(exc):
            return False
        now = self.clock()
        self.refused += 1
        if self.down_since is None:
            self.down_since = self._reminded = now
            log.error(
                "database unavailable (%s: %s), answering 503 until it is back; first seen at %s",
                type(exc).__name__,
                str(exc).splitlines()[0][:200] if str(exc) else "",
                where,
            )
        elif now - self._reminded >= REMIND_EVERY:
            self._reminded = now
            log.error(
                "database still unavailable after %.0f s (%d requests answered 503)",
                now - self.down_since,
                self.refused,
            )
        return True

    def answered(self) -> None:
        """A request that used the database succeeded: the outage, if any, is over."""
        if self.down_since is None:
            return
        log.warning(
            "database available again after %.0f s (%d requests answered 503)",
            self.clock() - self.down_since,
            self.refused,
        )
        self.down_since = None
        self.refused = 0


OUTAGE_KEY = web.AppKey("yichuang_db_outage", DbOutage)


def outage_of(request: web.Request, fallback: DbOutage) -> DbOutage:
    """The application's outage tracker; ``fallback`` (the caller's own) when the
    application was built without ``setup_api``."""
    found: DbOutage | None = request.config_dict.get(OUTAGE_KEY)
    return found if found is not None else fallback
