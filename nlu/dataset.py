"""Training and test data: Rasa NLU YAML (version "3.1") in, plain examples out.

Dispute reports are Rasa intents named ``report_dispute+<category>``: one Rasa label carries the
dialogue intent and the category, so ``rasa train nlu`` learns both from the same files, and
``split_label`` takes them apart again. Every other intent is a plain Rasa intent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.types import CATEGORIES, INTENTS

DATA_DIR = Path(__file__).parent / "data"
DISPUTE = "report_dispute"
SEPARATOR = "+"

# [text](entity) | [text]{"entity": "...", "value": "..."}
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<type>[^)]+)\)|(?P<json>\{[^}]*\}))")


@dataclass(frozen=True)
class Annotated:
    type: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    category: str | None = None
    entities: tuple[Annotated, ...] = field(default=())
    #: The data file it came from (files are written by different authors: calibration holds
    #: out whole files to see how the model does on phrasing it has not seen).
    source: str = ""


def split_label(label: str) -> tuple[str, str | None]:
    """``"report_dispute+late_fee"`` -> ``("report_dispute", "late_fee")``; others unchanged."""
    intent, _, category = label.partition(SEPARATOR)
    return intent, category or None


def dispute_label(category: str) -> str:
    return f"{DISPUTE}{SEPARATOR}{category}"


def strip_annotations(line: str) -> tuple[str, tuple[Annotated, ...]]:
    """Plain text and the inline entity annotations with offsets into the plain text."""
    out: list[str] = []
    entities: list[Annotated] = []
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(line):
        out.append(line[pos : m.start()])
        length += m.start() - pos
        text = m.group("text")
        etype = m.group("type")
        if etype is None:
            etype = str(json.loads(m.group("json")).get("entity", ""))
        entities.append(Annotated(etype, text, length, length + len(text)))
        out.append(text)
        length += len(text)
        pos = m.end()
    out.append(line[pos:])
    return "".join(out), tuple(entities)


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(data_dir.glob("*.yml"))


def load_examples(data_dir: Path = DATA_DIR) -> list[Example]:
    """Every intent example in the Rasa files of ``data_dir``."""
    examples: list[Example] = []
    for path in data_files(data_dir):
        doc: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            label = block.get("intent")
            if not label:
                continue
            intent, category = split_label(str(label))
            if intent not in INTENTS or (category is not None and category not in CATEGORIES):
                raise ValueError(f"{path.name}: unknown label {label!r}")
            for line in _items(block.get("examples", "")):
                text, entities = strip_annotations(line)
                examples.append(Example(text, intent, category, entities, path.name))
    return examples


def _items(block: str) -> Iterable[str]:
    for raw in str(block).splitlines():
        line = raw.strip()
        if line.startswith("- "):
            yield line[2:].strip()


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL test file (``{"text", "category", "intent"}``), blank lines skipped."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows
