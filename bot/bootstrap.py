"""The one place that wires the application together (cosmicpython's ``bootstrap``).

The CLI, the server and the tests all call ``build_context``; nothing is built at import
time. Other parts ADD fields to ``AppContext`` (with defaults) and fill them here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.attachments.desk import AttachmentDesk
from backend.config import ConfigError, County, load_county
from backend.conversations import SqlConversationStore
from backend.db import Database
from backend.models import utcnow
from backend.notices import objection_routes
from backend.notifier import Notifier
from backend.service import CaseService
from backend.settings import Settings
from bot.console import mailbox as console_mailbox
from bot.senders.console import ConsoleSender
from bot.senders.sms import ConsoleSmsGateway, SmsSender
from dialogs.context import (
    DEFAULT_PRIVACY_NOTICE,
    DialogContext,
    FormRules,
    GridWorkerInfo,
    Hotline,
)
from dialogs.form import SLOT_NAMES
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
    #: Photos, voice and files from residents (issue 15): receive, attach, list, fetch, prune.
    attachments: AttachmentDesk | None = None
    #: Reads photos offline (``bot.media.ocr.PhotoReader``, one per process; None without the
    #: ``ocr`` extra: photos are simply stored).
    photo_reader: Any | None = None


def settings_from_env() -> Settings:
    """``Settings()`` with a bad ``YICHUANG_*`` value turned into one sentence (ConfigError)."""
    from backend.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None


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
    for problem in county.objection_route_problems():
        # The written reply must state the objection routes (seeds 000, 001): say so loudly.
        log.warning("县配置文件不完整：%s（运行 yichuang check 查看）", problem)
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
            # SMS to villagers: printed until a gateway is configured (bot.senders.sms).
            # A console user's own notices wait for them (``yichuang chat --user U`` shows
            # them), never printed into the server's log.
            notifier=Notifier(
                db,
                [ConsoleSender(), SmsSender(ConsoleSmsGateway())],
                clock=clock,
                leave=[console_mailbox()],
            ),
            # The store (files on disk, or S3 when configured) is built once, here.
            attachments=AttachmentDesk.from_settings(county, db, settings, clock),
            photo_reader=photo_reader(),
        )
        build_dialogue(ctx)
        return ctx
    except BaseException:
        await db.dispose()
        raise


def photo_reader() -> Any | None:
    """The process's OCR reader (its model loads on the first photo), or None when the
    ``ocr`` extra is not installed."""
    from bot.media import ocr

    return ocr.PhotoReader() if ocr.available() else None


async def close_context(ctx: AppContext) -> None:
    try:
        if ctx.attachments is not None:
            await ctx.attachments.aclose()
    finally:
        await ctx.db.dispose()


# --- the dialogue ------------------------------------------------------------------------


class LazyNlu:
    """The NLU, loaded on the first ``parse`` (or ``load()``), then kept."""

    def __init__(self, gazetteer: Gazetteer, settings: Settings) -> None:
        self.gazetteer = gazetteer
        self.settings = settings
        self._nlu: Any = None
        self._loading = threading.Lock()

    @property
    def loaded(self) -> bool:
        """The model is in memory (a parse will not wait for loading or training)."""
        return self._nlu is not None

    def load(self) -> Any:
        if self._nlu is None:
            with self._loading:  # the warm-up thread and a first parse may race
                if self._nlu is None:
                    self._nlu = self._load()
        return self._nlu

    def _load(self) -> Any:
        import nlu

        return nlu.load_nlu(
            gazetteer=self.gazetteer,
            model_dir=self.settings.nlu_model_dir,
            backend=self.settings.nlu_backend,
            rasa_url=self.settings.rasa_url,
        )

    def model_built(self) -> bool:
        """The model file for the current data is there (loading it will not train)."""
        from nlu.model import default_model_dir, model_path

        return model_path(self.settings.nlu_model_dir or default_model_dir()).exists()

    def parse(
        self, text: str, now: datetime | None = None, *, expecting: str | None = None
    ) -> Parse:
        result: Parse = self.load().parse(text, now=now, expecting=expecting)
        return result


#: A first message with a bit of everything: what it touches is loaded before residents come.
WARM_UP_TEXT = "我叫王小明，电话13800138000，公司去年欠了我两千三百元养老保险"


def warm_up(ctx: AppContext) -> bool:
    """Load the NLU and what a turn imports lazily (cn2an, compiled patterns), so the first
    residents of a new process do not wait for it (blocking: run it in a thread). Nothing
    is trained here: without a built model this returns False and the first parse builds it."""
    if ctx.nlu is None or not ctx.nlu.model_built():
        return False
    import cn2an  # noqa: F401  (compiles its patterns on import: ~0.5 s)

    ctx.nlu.parse(WARM_UP_TEXT)
    return True


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
        case_prefix=county.id,
        # Told again to a complainant who objects after a case is closed: the county's routes.
        objection_routes=objection_routes(county),
        office=office_line(county),
        **dialogue_settings(county),
    )


def office_line(county: County) -> Hotline | None:
    """The county office's short name and phone: how a user who asks for a person reaches one."""
    if not county.has_agency(county.office):
        return None
    office = county.agency(county.office)
    return Hotline("office", office.short_name, office.phone)


def dialogue_settings(county: County) -> dict[str, Any]:
    """``[dialogue]`` and what routing reads (``dialogs.context.FormRules``): the form asks for
    the period in a category whose routing rules read it, and likewise the insurance type."""
    d = county.dialogue
    for slot in d.questions:
        if slot not in SLOT_NAMES:
            known = "、".join(SLOT_NAMES)
            raise ConfigError(
                f"配置项 dialogue.questions.{slot} 不对：没有这个登记项，应为 {known} 之一。"
            )
    rules = FormRules(
        # The tier rules read the period of "simple" categories too (an old period or one
        # before the reform is not settled on the spot).
        period_categories=frozenset(
            c for c, rs in county.routing.items() if any(r.period != "any" for r in rs)
        )
        | frozenset(county.tiers.simple_categories),
        insurance_categories=frozenset(
            c for c, rs in county.routing.items() if any(r.insurance is not None for r in rs)
        ),
        employer_categories=frozenset(d.employer_categories),
        amount_categories=frozenset(d.amount_categories),
        facts_along=tuple(d.facts_along),
        max_parts=d.max_parts,
    )
    return {
        "form_rules": rules,
        "privacy_notice": d.privacy_notice or DEFAULT_PRIVACY_NOTICE,
        "idle_minutes": d.idle_minutes,
        "questions": tuple(d.questions.items()),
        "consultation_hotlines": tuple(d.consultation_hotlines.items()),
    }


def build_dialogue(ctx: AppContext) -> DialogueService:
    """Fill ``ctx.nlu`` and ``ctx.dialogue`` (the NLU model dir: settings or the NLU default)."""
    context = dialog_context(ctx.county)
    if ctx.nlu is None:
        ctx.nlu = LazyNlu(context.gazetteer(), ctx.settings)
    from bot.media.port import ChannelAttachments

    port = ChannelAttachments(ctx.attachments) if ctx.attachments is not None else None
    ctx.dialogue = DialogueService(
        ctx.nlu, ctx.cases, ctx.conversations, context, ctx.clock, attachments=port
    )
    return ctx.dialogue
