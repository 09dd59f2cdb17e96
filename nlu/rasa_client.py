"""A Rasa server as the classifier: ``POST /model/parse`` (aiohttp), its answer mapped to ``Parse``.

Rasa's documented response::

    {"text": "...", "intent": {"name": "report_dispute+late_fee", "confidence": 0.93},
     "intent_ranking": [{"name": ..., "confidence": ...}, ...],
     "entities": [{"entity": "phone", "start": 0, "end": 11, "value": "138...",
                   "extractor": "RegexEntityExtractor"}, ...]}

With the FallbackClassifier the top intent is ``nlu_fallback`` (the real candidates follow in
``intent_ranking``): mapped to the best real intent, flagged ``uncertain``. The built-in rule
extractors still run; they win for checksummed types (phone, ID number, credit code) and for
every overlap, because their values are normalised.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from datetime import datetime
from typing import Any, TypeVar

from nlu.dataset import split_label
from nlu.entities import extract
from nlu.normalize import align
from nlu.parser import MIN_CONFIDENCE, MIN_MARGIN
from nlu.tiers import tier_hint
from nlu.types import CATEGORIES, ENTITY_TYPES, INSURANCE_TYPES, INTENTS, Entity, Gazetteer, Parse

FALLBACK = "nlu_fallback"
#: Types whose value the rules check (a Rasa regex match is never trusted for these).
CHECKED_TYPES = frozenset({"phone", "id_number", "credit_code"})
#: Rasa entities kept as given when no rule found them: plain text values.
TEXT_TYPES = frozenset({"person_name", "employer", "township", "village"})

T = TypeVar("T")


def from_rasa(
    response: dict[str, Any],
    text: str,
    now: datetime | None = None,
    gazetteer: Gazetteer | None = None,
) -> Parse:
    """Map a ``/model/parse`` answer to ``Parse`` (entities merged with the rule extractors)."""
    ranking_raw = [
        (str(r.get("name", "")), float(r.get("confidence") or 0.0))
        for r in response.get("intent_ranking") or []
        if isinstance(r, dict)
    ]
    top = response.get("intent") or {}
    top_name = str(top.get("name") or "")
    top_conf = float(top.get("confidence") or 0.0)
    fallback = top_name == FALLBACK
    candidates = [(n, c) for n, c in ranking_raw if n != FALLBACK]
    if not fallback and top_name:
        candidates = [(top_name, top_conf), *[(n, c) for n, c in candidates if n != top_name]]
    candidates = [(n, c) for n, c in candidates if split_label(n)[0] in INTENTS]
    if not candidates:
        intent, category, confidence = "out_of_scope", None, 0.0
    else:
        best, confidence = max(candidates, key=lambda nc: nc[1])
        intent, category = split_label(best)
        if category is not None and category not in CATEGORIES:
            category = "other"
    # Category ranking: the dispute labels' confidences, renormalised among themselves.
    scores: dict[str, float] = {}
    for name, conf in candidates:
        base, cat = split_label(name)
        if base == "report_dispute" and cat in CATEGORIES:
            scores[cat] = max(scores.get(cat, 0.0), conf)
    total = sum(scores.values())
    ranking = tuple(
        sorted(((k, v / total) for k, v in scores.items()), key=lambda kv: -kv[1])
        if total > 0
        else ()
    )
    intent_scores = sorted((c for _, c in candidates), reverse=True)
    margin = intent_scores[0] - intent_scores[1] if len(intent_scores) > 1 else 1.0
    uncertain = fallback or confidence < MIN_CONFIDENCE or margin < MIN_MARGIN
    if intent != "report_dispute" and not (intent == "correct" and category):
        category = None if intent != "correct" else category
    entities = merge_entities(_rasa_entities(response, text), extract(text, now, gazetteer))
    return Parse(
        text=text,
        intent=intent,
        category=category,
        confidence=confidence,
        tier=tier_hint(align(text[:5000]), category, entities),
        entities=tuple(entities),
        ranking=ranking,
        uncertain=uncertain,
        intent_confidence=confidence,
    )


def _rasa_entities(response: dict[str, Any], text: str) -> list[Entity]:
    out = []
    for e in response.get("entities") or []:
        if not isinstance(e, dict):
            continue
        etype = str(e.get("entity", ""))
        try:
            start, end = int(e["start"]), int(e["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if etype not in ENTITY_TYPES or not 0 <= start < end <= len(text):
            continue
        value = e.get("value", text[start:end])
        if etype == "insurance_type" and value not in INSURANCE_TYPES:
            continue
        out.append(Entity(type=etype, value=value, start=start, end=end, text=text[start:end]))
    return out


def merge_entities(rasa: list[Entity], rules: list[Entity]) -> list[Entity]:
    """Rule entities, plus Rasa's text-valued ones that no rule entity overlaps."""
    merged = list(rules)
    for e in rasa:
        if e.type in CHECKED_TYPES or e.type not in TEXT_TYPES | {"insurance_type"}:
            continue
        if any(r.start < e.end and e.start < r.end for r in rules):
            continue
        merged.append(e)
    return sorted(merged, key=lambda e: (e.start, e.end))


class RasaParser:
    """Calls a Rasa server; usable from sync code (a private event loop thread) and async code.

    Returns None when the server does not answer in time: the caller falls back to the
    built-in model.
    """

    def __init__(
        self,
        url: str,
        model: Any = None,
        gazetteer: Gazetteer | None = None,
        timeout: float = 3.0,
    ) -> None:
        self.url = url.rstrip("/") + "/model/parse"
        self.gazetteer = gazetteer
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    async def aparse(self, text: str, now: datetime | None = None) -> Parse | None:
        import aiohttp

        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self.url, json={"text": text}) as resp,
            ):
                if resp.status != 200:
                    return None
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        return from_rasa(data, text, now, self.gazetteer)

    def __call__(self, text: str, now: datetime | None = None) -> Parse | None:
        return self._run(self.aparse(text, now))

    def _run(self, coro: Coroutine[Any, Any, T]) -> T | None:
        loop = self._ensure_loop()
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result(self.timeout + 1.0)
        except Exception:
            future.cancel()
            return None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="yichuang-rasa-client", daemon=True
                )
                thread.start()
                self._loop = loop
            return self._loop

    def close(self) -> None:
        with self._lock:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._loop = None
