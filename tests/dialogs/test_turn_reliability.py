"""Issue 14, findings 2, 3 and 7: the dialogue across processes, crashes and hostile text.

"Two processes" are two ``DialogueService``s, each with its own ``Database`` (its own
connection pool) on the same database: only the database can keep them apart. On SQLite (one
process) the same races run inside one service.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from backend.conversations import SqlConversationStore, Turn
from backend.db import Database
from backend.models import Case, Person
from backend.service import CaseService
from dialogs.messages import Inbound, Reply
from dialogs.service import DialogueService

RAMBLING = (
    "你好，俺是凤鸣镇南关村的，叫王秀英，今年68了。去年在村里交的养老保险交了两回，"
    "钱扣了两次，想把多交的退给俺。电话13812341427，身份证11010519491231002X"
)
_ids = itertools.count(1)


def _inbound(user: str, text: str, message_id: str | None = None) -> Inbound:
    return Inbound("telegram", user, text, message_id or f"r{next(_ids)}", datetime.now(UTC))


async def _say(service: DialogueService, user: str, text: str) -> str:
    (reply,) = await service.handle(_inbound(user, text))
    return reply.text


async def _to_summary(service: DialogueService, user: str, first: str = RAMBLING) -> str:
    """Tell the story, then agree / skip whatever else the form asks, up to the summary."""
    reply = await _say(service, user, first)
    for _ in range(8):
        if "请核对" in reply:
            return reply
        reply = await _say(service, user, "同意" if "同意" in reply else "跳过")
    raise AssertionError(f"no summary reached: {reply}")


@asynccontextmanager
async def two_processes(
    database: Database, nlu: Any, county: Any, dialog_ctx: Any, clock: Any
) -> AsyncIterator[tuple[DialogueService, DialogueService]]:
    """Two services on one database; on SQLite both share one store (one process)."""
    first = DialogueService(
        nlu, CaseService(county, database, clock), SqlConversationStore(database, clock),
        dialog_ctx, clock,
    )  # fmt: skip
    if database.dialect_name == "sqlite":
        yield first, first
        return
    other = await Database.connect(database.url)
    try:
        second = DialogueService(
            nlu, CaseService(county, other, clock), SqlConversationStore(other, clock),
            dialog_ctx, clock,
        )  # fmt: skip
        yield first, second
    finally:
        await other.dispose()


async def _cases(database: Database) -> list[tuple[str, str | None, str | None]]:
    async with database.session() as s:
        rows = await s.execute(
            sa.select(col(Case.number), col(Person.name), col(Person.phone)).join(
                Person, col(Person.id) == col(Case.complainant_id)
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_two_concurrent_corrections_both_land(
    database: Database, nlu_engine: Any, county: Any, dialog_ctx: Any, clock: Any
) -> None:
    """Finding 2: two corrections reaching two processes at once — neither is lost."""
    async with two_processes(database, nlu_engine, county, dialog_ctx, clock) as (a, b):
        await _to_summary(a, "u1")
        await asyncio.gather(
            a.handle(_inbound("u1", "电话写错了，是13912345678")),
            b.handle(_inbound("u1", "名字改成刘芳")),
        )
        done = await _say(a, "u1", "确认")
        assert "案件编号：YC-" in done
    ((_, name, phone),) = await _cases(database)
    assert (name, phone) == ("刘芳", "13912345678")


async def test_double_confirm_on_two_processes_opens_one_case(
    database: Database, nlu_engine: Any, county: Any, dialog_ctx: Any, clock: Any
) -> None:
    """Finding 2: 确认 sent twice (a double tap), each copy to another process: one case."""
    async with two_processes(database, nlu_engine, county, dialog_ctx, clock) as (a, b):
        await _to_summary(a, "u2")
        first, second = await asyncio.gather(
            a.handle(_inbound("u2", "确认")), b.handle(_inbound("u2", "确认"))
        )
    cases = await _cases(database)
    assert len(cases) == 1
    number = cases[0][0]
    assert any(number in r.text for r in first + second)


class Crash(Exception):
    """The process dies here (nothing after this point happens)."""


class CrashingStore(SqlConversationStore):
    """Dies once between the effects of a turn (the case is committed) and saving the turn."""

    crash_next = False

    @asynccontextmanager
    async def turn(self, channel: str, user_ref: str, message_id: str) -> AsyncIterator[Turn]:
        async with super().turn(channel, user_ref, message_id) as t:
            if self.crash_next:
                self.crash_next = False
                real = t._finish

                async def die(*args: Any) -> None:
                    raise Crash

                t._finish = die
                try:
                    yield t
                finally:
                    t._finish = real
                return
            yield t


async def test_crash_after_the_case_commit_then_redelivery_gives_one_case(
    database: Database, nlu_engine: Any, county: Any, dialog_ctx: Any, clock: Any
) -> None:
    """Finding 3: the case is committed, the process dies before the state is saved, the
    channel delivers 确认 again: the re-run finds the same case (draft key), no second one,
    and the resident gets the case number."""
    store = CrashingStore(database, clock)
    service = DialogueService(
        nlu_engine, CaseService(county, database, clock), store, dialog_ctx, clock
    )
    await _to_summary(service, "u3")
    confirm = _inbound("u3", "确认", "tg-update-77")
    store.crash_next = True
    with pytest.raises(Crash):
        await service.handle_tracked(confirm)
    assert len(await _cases(database)) == 1  # the case made it; the turn did not
    (reply,) = await service.handle_tracked(confirm)  # Telegram re-sends the update
    cases = await _cases(database)
    assert len(cases) == 1 and cases[0][0] in reply.text
    # The answer was lost before it was sent: a re-delivery gets it again, once delivered none.
    assert await service.handle_tracked(confirm) == [reply]
    await service.delivered(confirm)
    assert await service.handle_tracked(confirm) == []
    assert await service.handle(confirm) == []


@dataclass
class Recorder:
    """Stands in for the NLU: counts parses (a handled message must not be parsed again)."""

    real: Any
    calls: int = 0

    def parse(self, text: str, now: datetime | None = None, **kw: Any) -> Any:
        self.calls += 1
        return self.real.parse(text, now=now, **kw)


async def test_a_handled_message_is_never_run_again(
    database: Database, nlu_engine: Any, county: Any, dialog_ctx: Any, clock: Any
) -> None:
    """Finding 3: at-least-once delivery, exactly-once turns (also when the copies race)."""
    nlu = Recorder(nlu_engine)
    async with two_processes(database, nlu, county, dialog_ctx, clock) as (a, b):
        message = _inbound("u4", "你好", "same-id")
        results = await asyncio.gather(*(s.handle(message) for s in (a, b, a, b)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert nlu.calls == 1


async def test_nul_and_control_characters_never_stop_a_report(
    database: Database, nlu_engine: Any, county: Any, dialog_ctx: Any, clock: Any
) -> None:
    """Finding 7: NUL (refused by PostgreSQL), other control characters, lone surrogates and
    a 20,000-character message: the report is still filed, on PostgreSQL too."""
    service = DialogueService(
        nlu_engine,
        CaseService(county, database, clock),
        SqlConversationStore(database, clock),
        dialog_ctx,
        clock,
    )
    hostile = (
        RAMBLING.replace("养老保险", "养老\x00保险\x07\x1b[31m\ud800") + "\u202e" + "啊" * 20_000
    )
    first = await _to_summary(service, "u5", hostile)
    assert "\x00" not in first and "\x1b" not in first
    assert "案件编号：YC-" in await _say(service, "u5", "确认")
    async with database.session() as s:
        (description,) = (await s.execute(sa.select(col(Case.description)))).one()
    assert "\x00" not in description and "\x1b" not in description and "\ud800" not in description
    assert "养老保险" in description and len(description) <= 4096


async def test_a_draft_longer_than_the_columns_is_filed(
    database: Database, county: Any, clock: Any, make_draft: Any
) -> None:
    """Finding 7: an employer name beyond VARCHAR(200) (and a NUL in it) no longer makes
    PostgreSQL refuse the case (the backend fits the draft to its columns)."""
    draft = make_draft(
        kind="employer",
        employer="山西省" + "宏达" * 150 + "\x00建材厂",
        village="南关村" * 60,
        description="单位欠费\x00" * 3,
        draft_key="telegram:1:" + "9" * 100,
    )
    opened = await CaseService(county, database, clock).open_case(draft)
    async with database.session() as s:
        person = (await s.execute(sa.select(Person))).scalar_one()
    assert opened.number.startswith("YC-")
    assert person.employer is not None and len(person.employer) == 200
    assert "\x00" not in person.employer


async def test_replies_of_a_turn_round_trip() -> None:
    from dialogs.messages import Choice
    from dialogs.service import reply_from_json, reply_to_json

    reply = Reply("请选择", (Choice("a", "甲"), Choice("b", "乙")))
    assert reply_from_json(reply_to_json(reply)) == reply
