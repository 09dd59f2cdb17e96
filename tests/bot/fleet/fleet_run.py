"""Runs of the fleet suite: residents through the front at an offered rate, faults on a
timeline, and the count that says whether anything was lost or doubled.

``run_phase(fleet, name, profiles, rate=..., faults=[...])`` -> ``PhaseResult``; ``count``
turns it (and the database) into a ``Tally``; ``table(tallies)`` prints them.

A resident sends one message (two at once for the double 确认 and the two corrections,
pinned to two different processes), waits for the bot's answer, reads the question and
answers it. A message acknowledged (2xx) but not answered within ``reply_timeout`` is
*late*; the resident then sends it again, as a person would. After the run (and a pause for
stragglers) a message is *unanswered* when its chat got fewer answers than it had messages
acknowledged: every text the bot takes must be answered, once. A message Telegram could not
deliver within the front's patience is *undelivered*.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from fleet_infra import Delivery, Fleet
from fleet_residents import Action, Profile, Script

#: Markers of the bot's "something went wrong, send it again" answers.
SORRY_MARKS = ("请稍后再发一次", "系统开了个小差")
RETRY_SAME = "请稍后再发一次"


class Pacer:
    """A fixed offered rate (messages per second); None: as fast as residents go (burst)."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._next = 0.0

    async def acquire(self, n: int = 1) -> None:
        if not self.rate:
            return
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + n / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass
class ResidentResult:
    profile: Profile
    script: Script
    messages: int = 0
    acked: int = 0
    #: Answers not there ``reply_timeout`` after the acknowledgement (then sent again).
    late: int = 0
    #: Acknowledged messages the chat never got an answer for (after the run settled).
    unanswered: int = 0
    #: Answers the chat got in all.
    replies: int = 0
    undelivered: int = 0
    sorry: int = 0
    confirm_acked: bool = False
    done: bool = False
    stuck: bool = False
    log: list[tuple[str, str]] = field(default_factory=list)
    #: (time acked, text) of messages that got no answer.
    silent: list[tuple[float, str]] = field(default_factory=list)
    #: Every answer the chat got, in order (filled when the run has settled).
    answers: list[str] = field(default_factory=list)


@dataclass
class FaultEvent:
    at: float
    what: str


@dataclass
class PhaseResult:
    name: str
    rate: float | None
    residents: list[ResidentResult]
    started: float
    ended: float
    latencies: list[float]
    failures: Counter[str]
    attempts: int
    events: list[FaultEvent]
    #: CPU seconds of this (the driving) process during the phase.
    harness_cpu: float = 0.0
    #: CPU seconds of the servers and of their PostgreSQL backends during the phase.
    server_cpu: float = 0.0
    postgres_cpu: float = 0.0
    #: The machine's 1-minute load average at the start and the end.
    load: tuple[float, float] = (0.0, 0.0)
    #: Statements found waiting for a lock, per sample (key "(samples)": how many samples).
    lock_waits: Counter[str] = field(default_factory=Counter)

    @property
    def seconds(self) -> float:
        return self.ended - self.started


Fault = Callable[[Fleet, Callable[[str], None]], Coroutine[Any, Any, None]]


async def _send(
    fleet: Fleet, result: ResidentResult, texts: tuple[str, ...], pins: tuple[int | None, ...]
) -> list[Delivery]:
    assert fleet.front is not None
    chat = result.profile.chat_id
    updates = [fleet.update(chat, text) for text in texts]
    return list(
        await asyncio.gather(
            *(fleet.front.deliver(u, pin) for u, pin in zip(updates, pins, strict=True))
        )
    )


async def run_resident(
    fleet: Fleet,
    profile: Profile,
    pacer: Pacer,
    *,
    reply_timeout: float,
    max_turns: int = 30,
) -> ResidentResult:
    result = ResidentResult(profile, Script(profile))
    script = result.script
    chat = profile.chat_id
    inbox = fleet.fake.inbox[chat]
    action = Action("say", (script.first(),))
    concurrent = len(fleet.servers) > 1
    for _ in range(max_turns):
        texts = action.texts
        pins: tuple[int | None, ...] = (
            (0, 1) if concurrent and len(texts) == 2 else (None,) * len(texts)
        )
        before = len(inbox)
        await pacer.acquire(len(texts))
        deliveries = await _send(fleet, result, texts, pins)
        result.messages += len(texts)
        acked = [d for d, t in zip(deliveries, texts, strict=True) if d.ok]
        result.acked += len(acked)
        result.undelivered += len(texts) - len(acked)
        if any(d.ok and t == "确认" for d, t in zip(deliveries, texts, strict=True)):
            result.confirm_acked = True
        for text in texts:
            result.log.append(("居民", text))
        answered = await fleet.fake.wait_count(chat, before + len(acked), reply_timeout)
        new = [text for _, text in inbox[before:]]
        for text in new:
            result.log.append(("机器人", text))
        if not answered:
            missing = before + len(acked) - len(inbox)
            result.late += missing
            last_ack = max((d.acked_at or 0.0) for d in acked) if acked else 0.0
            result.silent += [(last_ack, texts[-1])] * missing
        if not new:
            continue  # nothing came back: send the same again
        done = next((t for t in new if "已登记" in t and script.next(t).step == "done"), None)
        if done is not None:
            result.done = True
            return result
        latest = new[-1]
        if any(mark in latest for mark in SORRY_MARKS):
            result.sorry += 1
            if RETRY_SAME in latest:
                continue
        action = script.next(latest)
        if action.step == "done":
            result.done = True
            return result
    result.stuck = True
    return result


async def run_phase(
    fleet: Fleet,
    name: str,
    profiles: list[Profile],
    *,
    rate: float | None,
    faults: Sequence[Fault] = (),
    reply_timeout: float = 15.0,
    settle_seconds: float = 30.0,
) -> PhaseResult:
    """All ``profiles`` through the fleet at once (paced by ``rate``), the ``faults``
    running alongside (each a coroutine function given the fleet and a note-taker)."""
    assert fleet.front is not None
    fleet.front.reset_stats()
    pacer = Pacer(rate)
    events: list[FaultEvent] = []
    load_before = os.getloadavg()[0]
    servers_before, pg_before = await fleet.cpu_seconds()
    started = time.monotonic()
    cpu = time.process_time()

    def note(what: str) -> None:
        events.append(FaultEvent(time.monotonic() - started, what))

    fault_tasks = [asyncio.create_task(f(fleet, note)) for f in faults]
    sampling = asyncio.Event()
    sampler = asyncio.create_task(fleet.sample_lock_waits(sampling))
    try:
        results = await asyncio.gather(
            *(run_resident(fleet, p, pacer, reply_timeout=reply_timeout) for p in profiles)
        )
        ended = time.monotonic()
        for task in fault_tasks:
            await task  # a fault still running (e.g. a restart) finishes before counting
        harness_cpu = time.process_time() - cpu
        sampling.set()
        lock_waits = await sampler
        servers_after, pg_after = await fleet.cpu_seconds()
        await settle(fleet, list(results), settle_seconds)
    finally:
        sampling.set()
        tasks: list[asyncio.Task[Any]] = [*fault_tasks, sampler]
        for task in tasks:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return PhaseResult(
        name,
        rate,
        list(results),
        started,
        ended,
        list(fleet.front.latencies),
        Counter(fleet.front.failures),
        fleet.front.attempts,
        events,
        harness_cpu,
        max(0.0, servers_after - servers_before),
        max(0.0, pg_after - pg_before),
        (load_before, os.getloadavg()[0]),
        lock_waits,
    )


async def settle(fleet: Fleet, results: list[ResidentResult], limit: float) -> None:
    """Wait for answers still on their way (a slow first attempt answers after Telegram
    re-sent the update), at most ``limit`` seconds and no longer than 3 s without a new
    answer; then count each chat's answers against its acknowledged messages."""

    def owed() -> int:
        return sum(max(0, r.acked - len(fleet.fake.inbox[r.profile.chat_id])) for r in results)

    began = time.monotonic()
    seen, quiet_since = -1, time.monotonic()
    while owed() and time.monotonic() - began < limit:
        total = sum(len(fleet.fake.inbox[r.profile.chat_id]) for r in results)
        if total != seen:
            seen, quiet_since = total, time.monotonic()
        elif time.monotonic() - quiet_since > 3.0:
            break
        await asyncio.sleep(0.2)
    for r in results:
        r.answers = [text for _, text in fleet.fake.inbox[r.profile.chat_id]]
        r.replies = len(r.answers)
        r.unanswered = max(0, r.acked - r.replies)


# --- faults ----------------------------------------------------------------------------------


def kill_fault(
    at: float, index: int = 0, down: float = 1.0, busy: int = 1, busy_for: float = 0.003
) -> Fault:
    """``kill -9`` process ``index`` at ``at`` seconds — once it has had ``busy`` webhook
    requests in hand for ``busy_for`` seconds (waiting at most 10 s for that), so that the
    kill interrupts work under way — and start it again ``down`` seconds later."""

    async def fault(fleet: Fleet, note: Callable[[str], None]) -> None:
        assert fleet.front is not None
        await asyncio.sleep(at)
        deadline = time.monotonic() + 10.0
        while fleet.front.busy(index, busy_for) < busy and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        in_hand = len(fleet.front.in_flight[index])
        await fleet.servers[index].kill9()
        note(f"kill -9 serve#{index} ({in_hand} requests in hand)")
        await asyncio.sleep(down)
        note(f"restart serve#{index}")
        for attempt in range(3):
            try:
                took = await fleet.restart(index)
            except RuntimeError as exc:  # the run goes on with the other process
                note(f"serve#{index} restart {attempt + 1} failed: {str(exc)[-300:]}")
                await asyncio.sleep(2.0)
                continue
            note(f"serve#{index} ready ({took:.1f}s)")
            return

    return fault


def outage_fault(at: float, seconds: float, mode: str = "cut") -> Fault:
    """The database away for ``seconds`` from ``at``: ``cut`` (connections reset, new ones
    refused) or ``blackhole`` (nothing answers)."""

    async def fault(fleet: Fleet, note: Callable[[str], None]) -> None:
        assert fleet.proxy is not None, "an outage needs the PostgreSQL proxy"
        await asyncio.sleep(at)
        if mode == "blackhole":
            fleet.proxy.blackhole()
        else:
            await fleet.proxy.cut()
        note(f"database {mode}")
        probe = asyncio.create_task(_probe_health(fleet, note, min(1.0, seconds / 2)))
        await asyncio.sleep(seconds)
        await fleet.proxy.restore()
        note("database restored")
        await probe

    return fault


async def _probe_health(fleet: Fleet, note: Callable[[str], None], delay: float) -> None:
    """``/healthz`` of every process once, ``delay`` into the outage: how fast it says 503."""
    assert fleet.http is not None
    await asyncio.sleep(delay)

    async def one(index: int, url: str) -> None:
        t0 = time.monotonic()
        try:
            async with fleet.http.get(  # type: ignore[union-attr]
                url + "/healthz", timeout=aiohttp.ClientTimeout(total=30)
            ) as resp:
                what = str(resp.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            what = type(exc).__name__
        note(f"healthz serve#{index} {what} in {time.monotonic() - t0:.2f}s")

    await asyncio.gather(*(one(s.index, s.url) for s in fleet.servers))


def after(first: Fault, pause: float, second: Fault) -> Fault:
    """``second`` starts ``pause`` seconds after ``first`` has finished."""

    async def fault(fleet: Fleet, note: Callable[[str], None]) -> None:
        await first(fleet, note)
        await asyncio.sleep(pause)
        await second(fleet, note)

    return fault


# --- counting --------------------------------------------------------------------------------


@dataclass
class Tally:
    name: str
    residents: int
    messages: int
    seconds: float
    rate_offered: float | None
    p50: float
    p99: float
    worst: float
    completed: int
    confirmed: int
    cases: int
    doubled: int
    lost: int
    wrong: int
    lost_corrections: int
    unanswered: int
    late: int
    #: Answers beyond one per acknowledged message (an update handled twice, or re-answered).
    extra: int
    #: Questions asked again after the resident had answered them (the bot forgot).
    reasked: int
    undelivered: int
    stuck: int
    sorry: int
    resent: int
    failures: dict[str, int]
    events: list[FaultEvent]
    examples: list[tuple[str, str]]
    harness_cpu: float = 0.0
    server_cpu: float = 0.0
    postgres_cpu: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)
    lock_waits: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    @property
    def clean(self) -> bool:
        return not (
            self.doubled
            or self.lost
            or self.unanswered
            or self.undelivered
            or self.stuck
            or self.wrong
            or self.lost_corrections
        )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[min(98, int(q) - 1)]


def _digits(text: str | None) -> str:
    return "".join(ch for ch in text or "" if ch.isdigit())


def _explain(r: ResidentResult, why: str, lines: int = 6) -> str:
    talk = " | ".join(f"{who}:{text[:40]!r}" for who, text in r.log[-lines:])
    return f"chat {r.profile.chat_id} ({r.profile.style}/{r.profile.special or '-'}): {why}: {talk}"


def count(phase: PhaseResult, cases: list[dict[str, Any]]) -> Tally:
    """The phase's residents against the cases in the database."""
    by_user: dict[str, list[dict[str, Any]]] = {}
    for row in cases:
        by_user.setdefault(str(row["channel_user"]), []).append(row)
    doubled = lost = wrong = lost_corrections = confirmed = total_cases = 0
    examples: list[tuple[str, str]] = []
    for r in phase.residents:
        p = r.profile
        mine = by_user.get(str(p.chat_id), [])
        total_cases += len(mine)
        if r.confirm_acked:
            confirmed += 1
        if len(mine) > 1:
            doubled += 1
            numbers = ", ".join(sorted(str(c["number"]) for c in mine))
            examples.append(("doubled", _explain(r, f"{len(mine)} cases {numbers}")))
        told = r.script.case_number
        if (r.confirm_acked and not mine) or (told and told not in {c["number"] for c in mine}):
            lost += 1
            examples.append(
                ("lost", _explain(r, f"confirmed, told {told}, cases in db: {len(mine)}"))
            )
        if mine:
            case = mine[0]
            name_ok = case["name"] == p.final_name
            phone_ok = _digits(case["phone"]) == p.final_phone
            if p.special == "two_corrections" and not (name_ok and phone_ok):
                lost_corrections += 1
                examples.append(
                    (
                        "lost correction",
                        _explain(r, f"case has {case['name']} {case['phone']}"),
                    )
                )
            elif not (name_ok and phone_ok):
                wrong += 1
                examples.append(("wrong", _explain(r, f"case has {case['name']} {case['phone']}")))
        if r.unanswered:
            silent = ", ".join(
                f"{text[:20]!r} acknowledged at {at - phase.started:.1f}s" for at, text in r.silent
            )
            why = f"{r.acked} acknowledged, {r.replies} answers; no answer in time to {silent}"
            examples.append(("unanswered", _explain(r, why)))
        if r.replies > r.acked:
            twice = [a for a, b in zip(r.answers, r.answers[1:], strict=False) if a == b]
            same = f"; the same answer twice in a row: {twice[0][:30]!r}" if twice else ""
            why = f"{r.acked} acknowledged, {r.replies} answers{same}"
            examples.append(("extra answers", _explain(r, why, lines=4)))
        if r.script.reasked:
            why = f"asked again for {', '.join(r.script.reasked)}"
            examples.append(("asked again", _explain(r, why, lines=10)))
        if r.stuck:
            examples.append(("stuck", _explain(r, "never finished")))
    latencies = phase.latencies
    return Tally(
        name=phase.name,
        residents=len(phase.residents),
        messages=sum(r.acked for r in phase.residents),
        seconds=phase.seconds,
        rate_offered=phase.rate,
        p50=percentile(latencies, 50),
        p99=percentile(latencies, 99),
        worst=max(latencies, default=0.0),
        completed=sum(r.done for r in phase.residents),
        confirmed=confirmed,
        cases=total_cases,
        doubled=doubled,
        lost=lost,
        wrong=wrong,
        lost_corrections=lost_corrections,
        unanswered=sum(r.unanswered for r in phase.residents),
        late=sum(r.late for r in phase.residents),
        extra=sum(max(0, r.replies - r.acked) for r in phase.residents),
        reasked=sum(len(r.script.reasked) for r in phase.residents),
        undelivered=sum(r.undelivered for r in phase.residents),
        stuck=sum(r.stuck for r in phase.residents),
        sorry=sum(r.sorry for r in phase.residents),
        resent=phase.attempts - len(latencies),
        failures=dict(phase.failures),
        events=phase.events,
        examples=examples,
        harness_cpu=phase.harness_cpu,
        server_cpu=phase.server_cpu,
        postgres_cpu=phase.postgres_cpu,
        load=phase.load,
        lock_waits=phase.lock_waits,
    )


COLUMNS = (
    ("scenario", 16),
    ("res", 4),
    ("msgs", 5),
    ("msg/s", 6),
    ("offered", 7),
    ("p50 s", 6),
    ("p99 s", 6),
    ("max s", 6),
    ("done", 4),
    ("conf", 4),
    ("cases", 5),
    ("double", 6),
    ("lost", 4),
    ("wrong", 5),
    ("lostcorr", 8),
    ("unans", 5),
    ("late", 4),
    ("extra", 5),
    ("reask", 5),
    ("undeliv", 7),
    ("stuck", 5),
    ("sorry", 5),
    ("resent", 6),
)


def table(tallies: list[Tally]) -> str:
    head = " ".join(name.rjust(width) for name, width in COLUMNS)
    lines = [head, "-" * len(head)]
    for t in tallies:
        values = (
            t.name,
            t.residents,
            t.messages,
            f"{t.per_second:.1f}",
            "burst" if not t.rate_offered else f"{t.rate_offered:g}",
            f"{t.p50:.3f}",
            f"{t.p99:.3f}",
            f"{t.worst:.2f}",
            t.completed,
            t.confirmed,
            t.cases,
            t.doubled,
            t.lost,
            t.wrong,
            t.lost_corrections,
            t.unanswered,
            t.late,
            t.extra,
            t.reasked,
            t.undelivered,
            t.stuck,
            t.sorry,
            t.resent,
        )
        lines.append(" ".join(str(v).rjust(w) for v, (_, w) in zip(values, COLUMNS, strict=True)))
    return "\n".join(lines)


def details(t: Tally, per_kind: int = 2) -> str:
    driver = 100 * t.harness_cpu / t.seconds if t.seconds > 0 else 0.0
    out = [
        f"[{t.name}] {t.seconds:.1f}s; machine load average {t.load[0]:.1f} -> {t.load[1]:.1f};"
        f" driver CPU {driver:.0f}% of a core"
    ]
    if t.messages and t.server_cpu:
        per = t.server_cpu / t.messages
        out.append(
            f"  CPU per message: servers {1000 * per:.1f} ms (2 cores would carry at most"
            f" {2 / per:.0f} messages/s of that), PostgreSQL backends still connected at the"
            f" end {1000 * t.postgres_cpu / t.messages:.1f} ms; meaningless where a process"
            " was killed"
        )
    samples = t.lock_waits.get("(samples)", 0)
    waits = [(q, n) for q, n in t.lock_waits.most_common(4) if q != "(samples)"]
    if samples and waits:
        out.append(
            f"  waiting for a lock (backends per sample, {samples} samples): "
            + "; ".join(f"{n / samples:.2f} in {q!r}" for q, n in waits)
        )
    if t.events:
        out.append("  timeline: " + "; ".join(f"{e.at:.1f}s {e.what}" for e in t.events))
    if t.failures:
        out.append(
            "  re-sent because: "
            + ", ".join(f"{k} x{v}" for k, v in sorted(t.failures.items(), key=lambda kv: -kv[1]))
        )
    kinds = Counter(kind for kind, _ in t.examples)
    for kind, n in kinds.items():
        out.append(f"  {kind}: {n} resident(s), e.g.")
        out += [f"    {text}" for k, text in t.examples if k == kind][:per_kind]
    return "\n".join(out)
