"""Score the dialogue on the blind intake conversations (``tests/dialogs/blind/*.yml``).

    .venv/bin/python benchmarks/dialog_blind.py [--dir tests/dialogs/blind] [--json]

Each persona plays against the real ``DialogueService`` (real NLU, real case service, SQLite):
it sends its ``opening``, then answers whatever the bot asks with its own answer for that
question (several answers joined with "，" when one question asks several things), plays its
``script`` lines at their moments and its ``followups`` at the end. Grid workers are known to
the bot the way a channel knows them: by the phone the county lists for them.

Prints AGGREGATE figures only (cases opened / expected, field accuracy, turns to a case): never
a conversation, a value or a per-item diff. The set is for measuring; fix classes of problems
with tests of our own (tests/dialogs/blind/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from backend.config import County, load_county
from backend.conversations import SqlConversationStore
from backend.db import Database
from backend.service import CaseDetail, CaseService
from bot.bootstrap import dialog_context
from dialogs.engine import asking
from dialogs.messages import Inbound
from dialogs.service import DialogueService
from dialogs.state import ConversationState
from identifiers import normalise_credit_code, normalise_id_number, phone_digits

BLIND_DIR = Path(__file__).resolve().parent.parent / "tests" / "dialogs" / "blind"
MAX_TURNS = 30
#: "Today" of the set: 2026-11-30, 10:00 Beijing time.
START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)

#: What the bot is waiting for (``dialogs.engine.asking``) -> the persona's answer key.
MODE_KEYS = {
    "privacy": "consent",
    "summary": "confirm",
    "cancel": "confirm",
    "name_check": "confirm",
    "resume": "confirm",
    "consent": "villager_consent",
    "unit": "employer",
    "lookup": "phone",
}


@dataclass
class Score:
    conversations: int = 0
    expected_cases: int = 0
    opened_expected: int = 0
    opened_unexpected: int = 0
    extra_cases: int = 0
    fields_total: int = 0
    fields_right: int = 0
    per_field: Counter[str] = field(default_factory=Counter)
    per_field_right: Counter[str] = field(default_factory=Counter)
    turns_to_case: list[int] = field(default_factory=list)
    replies_expected: int = 0
    replies_right: int = 0
    followups: int = 0
    followups_right: int = 0
    capped: int = 0
    #: people_count expected as 1 and not stored: counted right in the lenient figure only.
    lenient_people_one: int = 0
    #: Misses by kind: no case, value missing, value wrong (aggregate, per field).
    missing: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)
    #: Expected -> stored, for the labelled fields (counts only).
    confusions: Counter[str] = field(default_factory=Counter)
    #: What the bot was still asking when a conversation hit the turn cap (counts only).
    stuck_on: Counter[str] = field(default_factory=Counter)
    turn_ms: list[float] = field(default_factory=list)
    #: What the bot asked in the conversation being played (answer keys): for the buckets below.
    asked: set[str] = field(default_factory=set)
    #: The questions of the conversation being played, in order (answer keys, no values).
    sequence: list[str] = field(default_factory=list)
    #: Misses by field and the questions the bot asked (counts only: answer keys, no values).
    miss_paths: Counter[str] = field(default_factory=Counter)
    #: How a stored value differs from the expected one (shorter, ×10, a year off: classes).
    miss_shapes: Counter[str] = field(default_factory=Counter)
    #: Conversations that should have opened a case and did not: the bot's path (counts).
    no_case_paths: Counter[str] = field(default_factory=Counter)
    #: people_count misses by kind (asked or not; one person taken for a group, a count off by
    #: the speaker, above or below): counts only, to fix the class, never an item.
    people_misses: Counter[str] = field(default_factory=Counter)
    #: kind / category misses: what was asked and what the persona could answer (counts only).
    other_misses: Counter[str] = field(default_factory=Counter)


def _answer_for(key: str, persona: dict[str, Any]) -> str:
    answers = persona.get("answers") or {}
    if key.startswith("worker_"):
        worker = persona.get("worker") or {}
        part = key[len("worker_") :]
        if part == "village":
            value = worker.get("village") or worker.get("township")
            if worker.get("township") and worker.get("village"):
                value = f"{worker['township']}{worker['village']}"
        else:
            value = worker.get(part)
        if value:
            return str(value)
    value = answers.get(key)
    return str(value) if value else str(answers.get("fallback") or "不知道")


def _has_answer(key: str, persona: dict[str, Any]) -> bool:
    if key.startswith("worker_"):
        return bool((persona.get("worker") or {}).get(key[len("worker_") :]))
    return bool((persona.get("answers") or {}).get(key))


def _keys(pending: tuple[str, ...]) -> list[str]:
    keys = [MODE_KEYS.get(p, p) for p in pending]
    return list(dict.fromkeys(keys))


def _norm_phone(value: Any) -> str | None:
    if not value:
        return None
    digits = phone_digits(str(value)) or re.sub(r"\D", "", str(value))
    return digits[-11:] if digits else None


def _contains(stored: Any, expected: Any) -> bool:
    if not stored or not expected:
        return False
    return re.sub(r"\s", "", str(expected)) in re.sub(r"\s", "", str(stored))


def _close_name(stored: Any, expected: Any) -> bool:
    if not stored or not expected:
        return False
    a, b = str(stored), str(expected)
    short, long_ = sorted((a, b), key=len)
    return short in long_ and len(short) >= 0.6 * len(long_)


def _stored(name: str, case: CaseDetail) -> Any:
    c = case.complainant
    if name == "period_years":
        return case.period_start
    if name == "contact_phone":
        return c.phone or (case.filed_by.phone if case.filed_by else None)
    if name == "filed_by_grid_worker":
        return case.filed_by
    for holder in (c, case):
        if hasattr(holder, name):
            return getattr(holder, name)
    return None


def field_matches(name: str, expected: Any, case: CaseDetail) -> bool:
    c = case.complainant
    if name == "kind":
        return c.kind == expected
    if name == "name":
        return bool(c.name) and c.name == str(expected)
    if name == "phone":
        return _norm_phone(c.phone) == _norm_phone(expected)
    if name == "contact_phone":
        phone = c.phone or (case.filed_by.phone if case.filed_by else None)
        return _norm_phone(phone) == _norm_phone(expected)
    if name == "id_number":
        return bool(c.id_number) and c.id_number == normalise_id_number(str(expected))
    if name == "credit_code":
        return bool(c.credit_code) and c.credit_code == normalise_credit_code(str(expected))
    if name in ("township", "village"):
        return _contains(getattr(c, name), expected)
    if name == "category":
        return case.category == expected
    if name == "insurance_type":
        return case.insurance_type == expected
    if name == "period_years":
        first, last = int(expected[0]), int(expected[-1])
        start, end = case.period_start, case.period_end or case.period_start
        return start is not None and end is not None and (start.year, end.year) == (first, last)
    if name == "amount":
        return case.amount is not None and round(case.amount) == int(expected)
    if name == "people_count":
        return case.people_count == int(expected)
    if name == "employer":
        return _close_name(c.employer, expected)
    if name == "filed_by_grid_worker":
        return (case.filed_by is not None) == bool(expected)
    return False


async def play(
    service: DialogueService,
    store: SqlConversationStore,
    county: County,
    persona: dict[str, Any],
    user: str,
    clock: list[datetime],
    score: Score,
) -> tuple[list[str], list[str], int | None]:
    """Run one conversation; returns (every bot reply, case numbers opened, turns to case)."""
    channel, contact = "console", None
    if persona.get("role") == "grid_worker":
        # The channel vouches for a registered grid worker's phone (WeCom app, shared contact).
        said = str(persona.get("grid_worker") or "")
        own = phone_digits(str((persona.get("worker") or {}).get("phone") or "")) or ""
        listed = [
            w
            for w in county.grid_workers
            if (said and (w.name in said or said in w.name)) or (own and own == w.phone)
        ]
        if listed:
            channel, contact = "wecom_app", listed[0].phone
    script = list(persona.get("script") or [])
    replies: list[str] = []
    opened: list[str] = []
    turns_to_case: int | None = None
    n = 0

    async def send(text: str) -> str:
        nonlocal n
        n += 1
        clock[0] += timedelta(seconds=40)
        inbound = Inbound(channel, user, text, f"{user}-{n}", clock[0], contact_phone=contact)
        started = time.perf_counter()
        out = await service.handle(inbound)
        score.turn_ms.append((time.perf_counter() - started) * 1000)
        said = "\n".join(r.text for r in out)
        replies.append(said)
        opened.extend(re.findall(r"案件编号：(\S+)", said))
        return said

    await send(str(persona.get("opening") or ""))
    while not opened and n < MAX_TURNS:
        state = ConversationState.from_json(await store.load(channel, user))
        keys = _keys(asking(state))
        if not keys:
            break
        if script and script[0].get("when") in keys:
            # A change of mind or a correction is said on its own, instead of the answers.
            await send(str(script.pop(0).get("say") or ""))
            continue
        score.asked.update(keys)
        score.sequence.append("+".join(keys))
        parts = [_answer_for(key, persona) for key in keys]
        await send("，".join(p for p in parts if p))
    if opened:
        turns_to_case = n
    elif n >= MAX_TURNS:
        score.capped += 1
        state = ConversationState.from_json(await store.load(channel, user))
        keys = _keys(asking(state))
        known = [k for k in keys if _has_answer(k, persona)]
        score.stuck_on[
            f"{'+'.join(asking(state)) or 'nothing'} (answers known: {len(known)}/{len(keys)})"
        ] += 1
    for item in script:
        if item.get("when") == "after_case" and opened:
            await send(str(item.get("say") or ""))
    before = len(opened)
    for item in persona.get("followups") or []:
        said = await send(str(item.get("say") or ""))
        score.followups += 1
        wanted = [str(x) for x in item.get("expect_any") or []]
        ok = not wanted or any(w in said for w in wanted)
        if item.get("new_case") is False and len(opened) > before:
            ok = False
        score.followups_right += ok
        before = len(opened)
    return replies, opened, turns_to_case


def load_personas(directory: Path) -> list[dict[str, Any]]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.yml"))
    ]


async def run(directory: Path, nlu: Any) -> Score:
    return await run_personas(load_personas(directory), nlu)


@dataclass
class Outcome:
    """One conversation's result: for our OWN personas only (tests); never printed here."""

    id: str
    case_ok: bool
    reply_ok: bool
    wrong_fields: list[str]
    turns: int | None


async def run_personas(
    personas: list[dict[str, Any]], nlu: Any, outcomes: list[Outcome] | None = None
) -> Score:
    county = load_county()
    ctx = dialog_context(county)
    score = Score()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.connect(f"sqlite+aiosqlite:///{tmp}/blind.db")
        await db.upgrade()
        clock = [START]
        cases = CaseService(county, db, lambda: clock[0])
        store = SqlConversationStore(db, lambda: clock[0])
        service = DialogueService(nlu, cases, store, ctx, lambda: clock[0])
        try:
            for n, persona in enumerate(personas):
                expect = persona.get("expect") or {}
                user = f"persona-{n}"
                wrong: list[str] = []
                score.asked = set()
                score.sequence = []
                clock[0] += timedelta(hours=2)
                replies, opened, turns = await play(
                    service, store, county, persona, user, clock, score
                )
                score.conversations += 1
                want_case = bool(expect.get("case"))
                if want_case:
                    score.expected_cases += 1
                    if opened:
                        score.opened_expected += 1
                        score.turns_to_case.append(turns or MAX_TURNS)
                    else:
                        # Our side only: the questions asked and how the bot's last reply
                        # ended (a referral, a question), never the persona's words.
                        last = replies[-1] if replies else ""
                        ending = next(
                            (k for k, w in _ENDINGS if any(x in last for x in w)), "other"
                        )
                        path = " > ".join(score.sequence) or "-"
                        score.no_case_paths[f"{path} | {len(replies)} replies | {ending}"] += 1
                elif opened:
                    score.opened_unexpected += 1
                score.extra_cases += max(0, len(set(opened)) - 1)
                reply_ok = True
                if not want_case and expect.get("reply_any"):
                    score.replies_expected += 1
                    wanted = [str(x) for x in expect["reply_any"]]
                    reply_ok = any(w in r for r in replies for w in wanted)
                    score.replies_right += reply_ok
                fields = expect.get("fields") or {}
                detail = await cases.detail(opened[0]) if opened else None
                for name, value in fields.items():
                    score.fields_total += 1
                    score.per_field[name] += 1
                    ok = detail is not None and field_matches(name, value, detail)
                    if (
                        not ok
                        and detail is not None
                        and name == "people_count"
                        and int(value) == 1
                        and detail.people_count is None
                    ):
                        score.lenient_people_one += 1
                    score.fields_right += ok
                    score.per_field_right[name] += ok
                    if not ok:
                        wrong.append(name)
                    if not ok and detail is not None and name in ("kind", "category", "name"):
                        asked = "+".join(sorted(k for k in score.asked if k in _TELLING)) or "-"
                        has = "+".join(sorted(k for k in _TELLING if _has_answer(k, persona)))
                        role = str(persona.get("role") or "resident")
                        score.other_misses[f"{name}/{role}/asked:{asked}/has:{has or '-'}"] += 1
                    if not ok and detail is not None and name == "insurance_type":
                        asked = "asked" if "insurance_type" in score.asked else "not_asked"
                        has = "answer" if _has_answer("insurance_type", persona) else "no_answer"
                        score.other_misses[f"insurance_type/{asked}/{has}"] += 1
                    if not ok and detail is not None:
                        score.miss_paths[f"{name}: {' > '.join(score.sequence)}"] += 1
                        shape = _miss_shape(name, value, detail)
                        if shape:
                            score.miss_shapes[f"{name}: {shape}"] += 1
                    if not ok and detail is not None and name == "people_count":
                        score.people_misses[_people_miss(value, detail, score, persona)] += 1
                    if not ok and detail is not None:
                        stored = _stored(name, detail)
                        (score.wrong if stored not in (None, "") else score.missing)[name] += 1
                        if name in ("kind", "category", "insurance_type"):
                            score.confusions[f"{name}:{value}->{stored}"] += 1
                if outcomes is not None:
                    outcomes.append(
                        Outcome(
                            str(persona.get("id")),
                            bool(opened) == want_case,
                            reply_ok,
                            wrong,
                            turns,
                        )
                    )
        finally:
            await db.dispose()
    return score


#: How the bot's last reply of a conversation without a case ended (our wording only).
_ENDINGS = (
    ("hotline referral", ("12333", "12393", "12345", "12366", "热线")),
    ("cancelled", ("已取消", "不记录您的信息")),
    ("status answer", ("进度", "办理中", "已受理")),
    ("question", ("？", "吗", "请告诉我", "请问")),
)


#: Answer keys that tell a unit from a person (for the kind-miss buckets).
_TELLING = ("credit_code", "employer", "id_number", "category", "name", "contact_person")


def _miss_shape(name: str, expected: Any, detail: CaseDetail) -> str:
    """The class of a wrong value (never the value): for names, sums and periods."""
    stored = _stored(name, detail)
    if stored in (None, ""):
        return "missing"
    if name == "name":
        a, b = str(stored), str(expected)
        if a in b:
            return f"stored shorter ({len(a)} of {len(b)} chars)"
        if b in a:
            return f"stored longer ({len(a)} for {len(b)} chars)"
        common = len(set(a) & set(b))
        return f"other ({common} chars shared, {len(a)} for {len(b)})"
    if name == "amount" and detail.amount is not None:
        ratio = detail.amount / float(expected) if float(expected) else 0.0
        return f"stored/expected = {ratio:.3g}"
    if name == "period_years" and detail.period_start is not None:
        first, last = int(expected[0]), int(expected[-1])
        end = detail.period_end or detail.period_start
        return f"start {detail.period_start.year - first:+d}, end {end.year - last:+d}"
    return ""


def _people_miss(expected: Any, detail: CaseDetail, score: Score, persona: dict[str, Any]) -> str:
    """The kind of a people_count miss (aggregate bucket)."""
    asked = "asked" if "people_count" in score.asked else "not_asked"
    has = "answer" if _has_answer("people_count", persona) else "no_answer"
    want, got = int(expected), detail.people_count
    if got is None:
        kind = "missing"
    elif got == 1 and want > 1:
        kind = "one_for_many"
    elif want == 1:
        kind = "many_for_one"
    elif got == want + 1:
        kind = "plus_one"
    elif got == want - 1:
        kind = "minus_one"
    else:
        kind = "above" if got > want else "below"
    return f"{asked}/{has}/{kind}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def figures(score: Score) -> dict[str, Any]:
    accuracy = score.fields_right / score.fields_total if score.fields_total else 0.0
    lenient = (
        (score.fields_right + score.lenient_people_one) / score.fields_total
        if score.fields_total
        else 0.0
    )
    return {
        "conversations": score.conversations,
        "cases_opened": score.opened_expected,
        "cases_expected": score.expected_cases,
        "cases_opened_unexpectedly": score.opened_unexpected,
        "second_cases": score.extra_cases,
        "field_accuracy": round(accuracy, 4),
        "field_accuracy_people_count_1_implied": round(lenient, 4),
        "median_turns_to_case": statistics.median(score.turns_to_case)
        if score.turns_to_case
        else None,
        "no_case_replies_right": f"{score.replies_right}/{score.replies_expected}",
        "followups_right": f"{score.followups_right}/{score.followups}",
        "capped_at_30_turns": score.capped,
        "people_count_misses": dict(score.people_misses),
        "kind_category_name_misses": dict(score.other_misses),
        "per_field": {
            name: f"{score.per_field_right[name]}/{score.per_field[name]}"
            for name in sorted(score.per_field)
        },
        "misses_value_missing": dict(score.missing),
        "misses_value_wrong": dict(score.wrong),
        "confusions": dict(score.confusions),
        "stuck_on": dict(score.stuck_on),
        "miss_paths": dict(score.miss_paths),
        "miss_shapes": dict(score.miss_shapes),
        "no_case_paths": dict(score.no_case_paths),
        "turn_ms_p50": round(statistics.median(score.turn_ms), 2) if score.turn_ms else None,
        "turn_ms_p99": round(percentile(score.turn_ms, 99), 2),
    }


def load_nlu() -> Any:
    import nlu

    nlu_engine = nlu.load_nlu(gazetteer=dialog_context(load_county()).gazetteer())
    nlu_engine.warm()
    return nlu_engine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=BLIND_DIR)
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args()
    result = figures(asyncio.run(run(args.dir, load_nlu())))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:<40} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
