"""The dialogue on the real NLU and the real case service / conversation store."""

from __future__ import annotations

from typing import Any

import pytest
from dialog_chat import Chat, make_service

from bot.bootstrap import dialog_context
from dialogs.context import DialogContext
from dialogs.service import DialogueService


@pytest.fixture(scope="session")
def dialog_ctx(county: Any) -> DialogContext:
    return dialog_context(county)


@pytest.fixture(scope="session")
def nlu_engine(dialog_ctx: DialogContext) -> Any:
    """The built-in NLU, loaded once per session (its cold start is not the dialogue's)."""
    import nlu

    engine = nlu.load_nlu(gazetteer=dialog_ctx.gazetteer())
    engine.warm()  # the tokenizer's first load is not a turn's
    return engine


@pytest.fixture
def dialogue(
    nlu_engine: Any,
    sqlite_case_service: Any,
    sqlite_database: Any,
    dialog_ctx: DialogContext,
    clock: Any,
) -> DialogueService:
    """SQLite: the conversation tables. ``dialogue_any_db`` runs on PostgreSQL too."""
    return make_service(nlu_engine, sqlite_case_service, sqlite_database, dialog_ctx, clock)


@pytest.fixture
def dialogue_any_db(
    nlu_engine: Any, case_service: Any, database: Any, dialog_ctx: DialogContext, clock: Any
) -> DialogueService:
    return make_service(nlu_engine, case_service, database, dialog_ctx, clock)


@pytest.fixture
def chat(dialogue: DialogueService, clock: Any) -> Chat:
    return Chat(dialogue, "resident-1", clock=clock)
