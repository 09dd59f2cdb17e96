"""Evaluation on a JSONL file of ``{"text", "category", "intent"}``: per-class precision, recall
and F1, macro-F1, confusion matrix, and the worst errors (confident and wrong first)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nlu.types import Parse


@dataclass
class ClassReport:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    name: str
    classes: list[ClassReport]
    macro_f1: float
    accuracy: float
    labels: list[str]
    confusion: list[list[int]]  # rows: gold, columns: predicted
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "classes": [
                {
                    "label": c.label,
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "support": c.support,
                }
                for c in self.classes
            ],
            "labels": self.labels,
            "confusion": self.confusion,
            "errors": self.errors,
        }

    def text(self) -> str:
        lines = [f"== {self.name}: macro-F1 {self.macro_f1:.3f}, accuracy {self.accuracy:.3f}"]
        lines.append(f"{'label':<22}{'P':>7}{'R':>7}{'F1':>7}{'n':>5}")
        for c in self.classes:
            lines.append(
                f"{c.label:<22}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}{c.support:>5}"
            )
        lines.append("confusion (rows gold, columns predicted):")
        short = [label[:6] for label in self.labels]
        lines.append(" " * 22 + "".join(f"{s:>7}" for s in short))
        for label, row in zip(self.labels, self.confusion, strict=True):
            lines.append(f"{label:<22}" + "".join(f"{n:>7}" for n in row))
        if self.errors:
            lines.append("worst errors:")
            for e in self.errors:
                lines.append(
                    f"  {e['gold']} -> {e['predicted']} ({e['confidence']:.2f}) {e['text']}"
                )
        return "\n".join(lines)


def report(
    name: str,
    gold: Sequence[str],
    predicted: Sequence[str],
    texts: Sequence[str],
    confidences: Sequence[float],
    worst: int = 10,
) -> Report:
    labels = sorted(set(gold) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        confusion[index[g]][index[p]] += 1
    support = Counter(gold)
    classes = []
    for label in labels:
        i = index[label]
        tp = confusion[i][i]
        pred_n = sum(row[i] for row in confusion)
        gold_n = sum(confusion[i])
        precision = tp / pred_n if pred_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(ClassReport(label, precision, recall, f1, support.get(label, 0)))
    scored = [c for c in classes if c.support]
    macro = sum(c.f1 for c in scored) / len(scored) if scored else 0.0
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    wrong = sorted(
        (
            (float(c), t, g, p)
            for t, g, p, c in zip(texts, gold, predicted, confidences, strict=True)
            if g != p
        ),
        key=lambda row: -row[0],
    )[:worst]
    errors: list[dict[str, Any]] = [
        {"text": t, "gold": g, "predicted": p, "confidence": round(c, 4)} for c, t, g, p in wrong
    ]
    return Report(
        name, classes, macro, correct / len(gold) if gold else 0.0, labels, confusion, errors
    )


def evaluate(rows: Sequence[dict[str, Any]], parses: Sequence[Parse]) -> tuple[Report, Report]:
    """(category report over rows that have a category, intent report over all rows)."""
    cat_rows = [(r, p) for r, p in zip(rows, parses, strict=True) if r.get("category")]
    category = report(
        "category",
        [str(r["category"]) for r, _ in cat_rows],
        [p.category or "(none)" for _, p in cat_rows],
        [str(r["text"]) for r, _ in cat_rows],
        [p.confidence for _, p in cat_rows],
    )
    intent = report(
        "intent",
        [str(r["intent"]) for r in rows],
        [p.intent for p in parses],
        [str(r["text"]) for r in rows],
        [p.intent_confidence for p in parses],
    )
    return category, intent


# --- entities -------------------------------------------------------------------------------

#: Entity types scored for recall and precision (the gold annotation is complete for these).
COMPLETE_TYPES: tuple[str, ...] = (
    "person_name",
    "amount",
    "people_count",
    "phone",
    "id_number",
    "credit_code",
    "employer",
    "township",
)
#: Types whose gold annotation is sparse: only the precision of what is predicted is scored,
#: on rows that annotate the type at all.
SPARSE_TYPES: tuple[str, ...] = ("insurance_type",)


@dataclass
class EntityScore:
    type: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "f1": round(self.f1, 4),
            "gold": self.tp + self.fn,
        }


def _as_list(value: Any) -> list[Any]:
    """The gold values of one type: a list of items (a number, a [low, high] range, a string),
    or a single item."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _is_range(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )


def _matches(kind: str, gold: Any, predicted: Parse) -> bool:
    """Does one gold value of ``kind`` have a predicted entity? Numbers match exactly or fall in
    a gold range ([low, high] for vague amounts: 几百 -> [100, 900]); a people "group" (全厂工人)
    matches a ``group`` entity or any people count; text values match the value or the text."""
    found = [e for e in predicted.entities if e.type == kind and e.valid]
    if kind in ("amount", "people_count"):
        if kind == "people_count" and gold == "group":
            return any(e.type in ("group", "people_count") for e in predicted.entities)
        values = [float(e.value) for e in found if isinstance(e.value, int | float)]
        if _is_range(gold):
            low, high = float(gold[0]), float(gold[1])
            return any(low <= v <= high for v in values)
        try:
            target = float(gold)
        except (TypeError, ValueError):
            return False
        return any(abs(v - target) < 0.01 for v in values)
    if kind == "phone":
        digits = "".join(ch for ch in str(gold) if ch.isdigit())
        return any(str(e.value) == digits for e in found)
    if kind == "insurance_type":
        return any(str(e.value) == str(gold) for e in found)
    return any(str(gold) in (str(e.value), e.text) for e in found)


def _predicted_matches(kind: str, entity: Any, golds: list[Any]) -> bool:
    """Is one predicted entity accounted for by some gold value (for precision)?"""
    probe = Parse(text="", intent="", category=None, confidence=0.0, tier="", entities=(entity,))
    return any(_matches(kind, g, probe) for g in golds)


def entity_scores(
    rows: Sequence[dict[str, Any]], parses: Sequence[Parse]
) -> dict[str, EntityScore]:
    """Recall and precision per entity type against the rows' ``entities`` annotations."""
    scores = {k: EntityScore(k) for k in (*COMPLETE_TYPES, *SPARSE_TYPES)}
    for row, parse in zip(rows, parses, strict=True):
        gold_all = row.get("entities") or {}
        for kind in COMPLETE_TYPES:
            golds = _as_list(gold_all.get(kind))
            score = scores[kind]
            for g in golds:
                if _matches(kind, g, parse):
                    score.tp += 1
                else:
                    score.fn += 1
            for e in parse.entities:
                if e.type == kind and e.valid and not _predicted_matches(kind, e, golds):
                    score.fp += 1
        for kind in SPARSE_TYPES:
            if kind not in gold_all:
                continue
            golds = _as_list(gold_all.get(kind))
            for e in parse.entities:
                if e.type == kind:
                    if _predicted_matches(kind, e, golds):
                        scores[kind].tp += 1
                    else:
                        scores[kind].fp += 1
    return scores
