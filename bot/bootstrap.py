"""The one place that wires the application together (cosmicpython's ``bootstrap``).

The CLI, the server and the tests all call ``build_context``; nothing is built at import
time. Other parts ADD fields to ``AppContext`` (with defaults) and fill them here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.config import ConfigError, County, load_county, problem_text
from backend.conversations import SqlConversationStore
from backend.db import Database
from backend.models import utcnow
from backend.notifier import Notifier
from backend.service import CaseService
from backend.settings import Settings
from bot.senders.console import ConsoleSender
from dialogs.context import DialogContext, GridWorkerInfo, Hotline
from dialogs.service import DialogueService
from nlu.types import Gazetteer, Parse

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
    #: The NLU (loaded on first use: commands that never parse do not pay for it).
    nlu: LazyNlu | None = None
    #: What every channel hands user messages to (``dialogs.messages.InboundHandler``).
    dialogue: DialogueService | None = None


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
        ctx = AppContext(
            settings=settings,
            county=county,
            db=db,
            cases=CaseService(county, db, clock),
            conversations=SqlConversationStore(db, clock),
            clock=clock,
            notifier=Notifier(db, [ConsoleSender()], clock=clock),
        )
        build_dialogue(ctx)
        return ctx
    except BaseException:
        await db.dispose()
        raise


async def close_context(ctx: AppContext) -> None:
    await ctx.db.dispose()


# --- the dialogue ------------------------------------------------------------------------


class LazyNlu:
    """The NLU, loaded on the first ``parse`` (or ``load()``), then kept."""

    def __init__(self, gazetteer: Gazetteer, settings: Settings) -> None:
        self.gazetteer = gazetteer
        self.settings = settings
        self._nlu: Any = None

    def load(self) -> Any:
        if self._nlu is None:
            import nlu

            self._nlu = nlu.load_nlu(
                gazetteer=self.gazetteer,
                model_dir=self.settings.nlu_model_dir,
                backend=self.settings.nlu_backend,
                rasa_url=self.settings.rasa_url,
            )
        return self._nlu

    def parse(self, text: str, now: datetime | None = None) -> Parse:
        result: Parse = self.load().parse(text, now=now)
        return result


def dialog_context(county: County) -> DialogContext:
    """What the dialogue needs from the county config, as plain data."""
    workers = []
    for w in county.grid_workers:
        accounts: list[tuple[str, str]] = []
        if w.telegram_user_id is not None:
            accounts.append(("telegram", str(w.telegram_user_id)))
        if w.wecom_userid:
            accounts.append(("wecom_app", w.wecom_userid))
        workers.append(GridWorkerInfo(w.name, w.phone, w.township, w.village, tuple(accounts)))
    return DialogContext(
        county_name=county.name,
        townships=tuple((t.name, tuple(t.villages)) for t in county.townships),
        grid_workers=tuple(workers),
        hotlines=tuple(
            Hotline(h.topic, h.name, h.number, tuple(h.keywords)) for h in county.hotlines
        ),
        timezone=county.timezone,
    )


def build_dialogue(ctx: AppContext) -> DialogueService:
    """Fill ``ctx.nlu`` and ``ctx.dialogue`` (the NLU model dir: settings or the NLU default)."""
    context = dialog_context(ctx.county)
    if ctx.nlu is None:
        ctx.nlu = LazyNlu(context.gazetteer(), ctx.settings)
    ctx.dialogue = DialogueService(ctx.nlu, ctx.cases, ctx.conversations, context, ctx.clock)
    return ctx.dialogue
