"""The one place that wires the application together (cosmicpython's ``bootstrap``).

The CLI, the server and the tests all call ``build_context``; nothing is built at import
time. Other parts ADD fields to ``AppContext`` (with defaults) and fill them here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from backend.config import ConfigError, County, load_county, problem_text
from backend.conversations import SqlConversationStore
from backend.db import Database
from backend.models import utcnow
from backend.notifier import Notifier
from backend.service import CaseService
from backend.settings import Settings
from bot.senders.console import ConsoleSender

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class AppContext:
    settings: Settings
    county: County
    db: Database
    cases: CaseService
    conversations: SqlConversationStore
    clock: Clock
    #: Drains the outbox; channel plugins register their senders on it (``bot.server``).
    notifier: Notifier | None = None


def settings_from_env() -> Settings:
    """``Settings()`` with a bad ``YICHUANG_*`` value turned into one sentence (ConfigError)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "YICHUANG_" + "_".join(str(p) for p in first["loc"]).upper()
        problem = problem_text(first["type"], first["msg"])
        raise ConfigError(f"环境变量 {name} 的值不对：{problem}。") from None


async def build_context(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    upgrade: bool = True,
    county: County | None = None,
) -> AppContext:
    """Load the county, connect the database (and migrate it, ``upgrade``), build services.

    Raises ``backend.config.ConfigError`` / ``backend.db.DatabaseError`` (one sentence each).
    """
    settings = settings or settings_from_env()
    clock = clock or utcnow
    county = county or load_county(settings.config)
    db = await Database.connect(settings.database_url)
    try:
        if upgrade:
            await db.upgrade()
        return AppContext(
            settings=settings,
            county=county,
            db=db,
            cases=CaseService(county, db, clock),
            conversations=SqlConversationStore(db, clock),
            clock=clock,
            notifier=Notifier(db, [ConsoleSender()], clock=clock),
        )
    except BaseException:
        await db.dispose()
        raise


async def close_context(ctx: AppContext) -> None:
    await ctx.db.dispose()
