"""The serve path made fast without weakening it: the conversation turn on asyncpg directly,
the case number taken last (one statement under the counter lock), answered marks written
in groups, the pool recovering after its connections died."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
import sqlalchemy as sa

from backend.conversations import SqlConversationStore
from backend.db import Database, is_unavailable
from backend.models import Case, OutboxMessage, ProcessedMessage

NUMBER = re.compile(r"^[A-Z]+-\d{4}-\d{6}$")


async def _marks(db: Database) -> dict[str, Any]:
    pm = ProcessedMessage.__table__  # type: ignore[attr-defined]
    async with db.session() as s:
        rows = (await s.execute(sa.select(pm.c.message_id, pm.c.answered_at))).all()
    return {r[0]: r[1] for r in rows}


@pytest.mark.postgres
async def test_a_copy_handled_while_the_turn_waited_is_seen(postgres_database: Database) -> None:
    """Two processes get the same message: the second waits for the row lock and then sees
    the first one's mark and replies (read after the lock, not from an older snapshot)."""
    first, second = SqlConversationStore(postgres_database), SqlConversationStore(postgres_database)
    await first.save("telegram", "u1", {"step": 0})
    entered = asyncio.Event()

    async def hold() -> None:
        async with first.turn("telegram", "u1", "m1") as t:
            assert not t.done and t.state == {"step": 0}
            entered.set()
            await asyncio.sleep(0.3)  # the other copy arrives and waits meanwhile
            await t.finish({"step": 1}, [{"text": "好的", "choices": []}])

    async def copy() -> tuple[bool, Any, Any]:
        await entered.wait()
        async with second.turn("telegram", "u1", "m1") as t:
            return t.done, t.replies, t.state

    _, (done, replies, state) = await asyncio.gather(hold(), copy())
    assert done and replies == [{"text": "好的", "choices": []}] and state == {"step": 1}
    assert await first.load("telegram", "u1") == {"step": 1}


@pytest.mark.postgres
async def test_finish_saves_nothing_when_a_copy_was_marked_meanwhile(
    postgres_database: Database,
) -> None:
    store = SqlConversationStore(postgres_database)
    await store.save("telegram", "u2", {"step": 0})
    async with store.turn("telegram", "u2", "m2") as t:
        assert not t.done
        # Another process marks the same message (its turn committed first).
        assert await SqlConversationStore(postgres_database).first_time_seen("telegram", "m2")
        await t.finish({"step": 99}, [{"text": "x", "choices": []}])
        assert t.done
    assert await store.load("telegram", "u2") == {"step": 0}


async def test_a_new_conversation_and_a_redelivery(database: Database) -> None:
    store = SqlConversationStore(database)
    async with store.turn("wecom_kf", "new", "k1") as t:
        assert (t.state, t.done) == (None, False)
        await t.finish({"a": 1}, [{"text": "你好", "choices": [["1", "是"]]}])
    async with store.turn("wecom_kf", "new", "k1") as t:
        assert (
            t.done and not t.answered and t.replies == [{"text": "你好", "choices": [["1", "是"]]}]
        )
    async with store.turn("wecom_kf", "new", "k2") as t:  # left without finish: nothing
        assert t.state == {"a": 1} and not t.done
    assert "k2" not in await _marks(database)


async def test_answered_marks_written_in_groups(database: Database) -> None:
    store = SqlConversationStore(database)
    ids = [f"g{i}" for i in range(25)]
    for i in ids:
        async with store.turn("telegram", f"user-{i}", i) as t:
            await t.finish({"n": i}, [{"text": i, "choices": []}])
    await asyncio.gather(*(store.mark_answered("telegram", i) for i in ids))
    marks = await _marks(database)
    assert all(marks[i] is not None for i in ids)
    async with store.turn("telegram", "user-g3", "g3") as t:
        assert t.done and t.answered and t.replies is None


@pytest.mark.postgres
async def test_the_pool_recovers_after_its_connections_died(postgres_database: Database) -> None:
    """Every server connection killed (a database restart): the next turn fails as
    "unavailable" (the channel re-delivers), the one after works, no restart needed."""
    store = SqlConversationStore(postgres_database)
    async with store.turn("telegram", "r", "r1") as t:
        await t.finish({"ok": 1}, None)
    async with store.turn("telegram", "r2", "x1") as t, store.turn("telegram", "r3", "x2") as u:
        await t.finish(None, None)  # two connections in the pool now
        await u.finish(None, None)
    import asyncpg

    url = postgres_database.url
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database="postgres"
    )
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1",
            url.database,
        )
    finally:
        await admin.close()
    assert killed >= 2
    outcomes = []
    for i in range(3):
        try:
            async with store.turn("telegram", "r", f"r{i + 2}") as t:
                await t.finish({"ok": i + 2}, None)
            outcomes.append("ok")
        except Exception as exc:
            assert is_unavailable(exc), exc
            outcomes.append("unavailable")
    assert outcomes[-1] == "ok" and outcomes.count("unavailable") <= 1, outcomes
    assert await store.load("telegram", "r") == {"ok": 4}


async def test_concurrent_openings_get_sequential_numbers_everywhere(
    case_service: Any, database: Database, make_draft: Any
) -> None:
    """The number is taken last and put in place of a placeholder: on the case, in every
    outbox text and key; concurrent openings get distinct sequential numbers."""
    drafts = [
        make_draft(channel_user=f"p{i}", name="李四", draft_key=f"telegram:p{i}:2026-01-0{i}")
        for i in range(1, 9)
    ]
    opened = await asyncio.gather(*(case_service.open_case(d) for d in drafts))
    numbers = sorted(o.number for o in opened)
    assert all(NUMBER.match(n) for n in numbers)
    assert [int(n[-6:]) for n in numbers] == list(range(1, 9))
    cases = Case.__table__  # type: ignore[attr-defined]
    box = OutboxMessage.__table__  # type: ignore[attr-defined]
    async with database.session() as s:
        rows = (
            await s.execute(
                sa.select(cases.c.number, box.c.title, box.c.body, box.c.dedup_key).join(
                    box, box.c.case_id == cases.c.id
                )
            )
        ).all()
        stored = sorted((await s.execute(sa.select(cases.c.number))).scalars())
    assert stored == numbers and rows
    for number, title, body, key in rows:
        assert "~" not in title + body + key
        assert number in body and key.startswith(number + ":")
    # Idempotent per draft: the same draft again is the same case.
    again = await case_service.open_case(drafts[0])
    assert again.number == opened[0].number


def test_asyncpg_client_errors_that_mean_a_broken_connection_are_unavailable() -> None:
    from asyncpg.exceptions import InterfaceError, InternalClientError

    assert is_unavailable(InterfaceError("cannot perform operation: connection is closed"))
    assert is_unavailable(InternalClientError("cannot switch to state 15; another operation"))
    # A mistake in our statement is not "try again later".
    assert not is_unavailable(InterfaceError("the server expects 2 arguments, 1 was passed"))


@pytest.mark.postgres
async def test_answered_marks_land_while_turns_run_and_roll_back(
    postgres_database: Database,
) -> None:
    store = SqlConversationStore(postgres_database)
    for mid in ("e1", "e2"):
        async with store.turn("telegram", f"old-{mid}", mid) as t:
            await t.finish({"n": 1}, [{"text": "答复", "choices": []}])
    async with store.turn("telegram", "busy", "b1") as t:
        first = asyncio.create_task(store.mark_answered("telegram", "e1"))
        await asyncio.sleep(0)
        await t.finish({"n": 2}, None)
        await asyncio.wait_for(first, 1)
    assert (await _marks(postgres_database))["e1"] is not None
    # A turn that turns out to be a duplicate rolls back; the mark written meanwhile stays.
    async with store.turn("telegram", "busy", "b2") as t:
        second = asyncio.create_task(store.mark_answered("telegram", "e2"))
        await asyncio.sleep(0)
        assert await SqlConversationStore(postgres_database).first_time_seen("telegram", "b2")
        await t.finish({"n": 3}, None)
        assert t.done
    await asyncio.wait_for(second, 2)
    marks = await _marks(postgres_database)
    assert marks["e2"] is not None and await store.load("telegram", "busy") == {"n": 2}
