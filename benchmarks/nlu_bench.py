"""NLU benchmark: accuracy on the held-out split, latency, cold start, memory, training time and
exact-match entity F1 for phone, ID number and amount.

    .venv/bin/python benchmarks/nlu_bench.py [--split FILE] [--seed N]

Targets (issue 3): macro-F1 >= 0.92, parse p99 <= 5 ms, cold start <= 2 s, entity F1 >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psutil

import nlu
from nlu.evaluate import evaluate
from nlu.model import build

NOW = datetime(2026, 11, 22, 10, 0)
SPLIT = Path(nlu.__file__).parent / "data" / "test_split.jsonl"
AREAS = ("140522", "110105", "420102", "371302", "510107")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(rng: random.Random) -> str:
    body = (
        rng.choice(AREAS)
        + f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + f"{rng.randint(0, 999):03d}"
    )
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check


def _phone(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.8:
        digits = (
            rng.choice(("138", "139", "150", "186", "177", "135"))
            + f"{rng.randint(0, 10**8 - 1):08d}"
        )
        shown = rng.choice(
            (
                digits,
                f"{digits[:3]} {digits[3:7]} {digits[7:]}",
                f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
            )
        )
        return shown, digits
    local = f"{rng.randint(2000000, 8999999)}"
    return f"0356-{local}", "0356" + local


def _amount(rng: random.Random) -> tuple[str, float]:
    n = rng.randint(1, 99) * 100 + rng.choice((0, 0, 50))
    forms = [
        (f"{n}元", float(n)),
        (f"{n}块钱", float(n)),
        (f"{n / 10000:g}万元", float(n)) if n % 100 == 0 else (f"{n}元", float(n)),
        ("三千五百元", 3500.0),
        ("两千八百块", 2800.0),
        ("1.2万", 12000.0),
        ("3千5", 3500.0),
        ("五百多块", 500.0),
    ]
    return rng.choice(forms)


TEMPLATES = (
    "我叫{name}，电话{phone}，身份证号{id}，去年单位多扣了我{amount}社保费",
    "帮{name}反映一下，他身份证{id}，联系电话是{phone}，滞纳金收了{amount}",
    "{name}，{phone}，{id}，重复交了{amount}养老保险想退回来",
    "俺的电话是{phone}，身份证{id}，医保扣了{amount}也不知道为啥",
    "联系方式：{phone}；证件号码：{id}；争议金额：{amount}",
    "我是{name}身份证{id}打我电话{phone}就行，补缴核定的{amount}太多了",
)
NAMES = ("王秀英", "李建国", "张桂兰", "赵德福", "陈丽", "刘大山")


def entity_f1(model: nlu.Nlu, rng: random.Random, n: int = 300) -> dict[str, float]:
    counts = {k: [0, 0, 0] for k in ("phone", "id_number", "amount")}  # tp, fp, fn
    for _ in range(n):
        shown_phone, phone = _phone(rng)
        id_number = _id_number(rng)
        shown_amount, amount = _amount(rng)
        text = rng.choice(TEMPLATES).format(
            name=rng.choice(NAMES), phone=shown_phone, id=id_number, amount=shown_amount
        )
        parse = model.parse(text, now=NOW)
        gold = {"phone": phone, "id_number": id_number, "amount": amount}
        for kind, value in gold.items():
            found = [e.value for e in parse.entities if e.type == kind and e.valid]
            tp = int(value in found)
            counts[kind][0] += tp
            counts[kind][1] += len(found) - tp
            counts[kind][2] += 1 - tp
    out = {}
    for kind, (tp, fp, fn) in counts.items():
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        out[kind] = 2 * p * r / (p + r) if p + r else 0.0
    return out


def cold_start() -> float:
    code = (
        "import time;t=time.perf_counter();import nlu;nlu.load_nlu();print(time.perf_counter()-t)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", type=Path, default=SPLIT)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        build(Path(tmp), quiet=True)
        train_s = time.perf_counter() - started

    model = nlu.load_nlu()
    rows = [
        json.loads(line) for line in args.split.read_text(encoding="utf-8").splitlines() if line
    ]
    parses = [model.parse(r["text"], now=NOW) for r in rows]
    category, intent = evaluate(rows, parses)

    texts = [r["text"] for r in rows]
    latencies = []
    for _ in range(5):
        for text in texts:
            t = time.perf_counter()
            model.parse(text, now=NOW)
            latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    long_text = "单位欠缴社保" * 3400
    t = time.perf_counter()
    model.parse(long_text, now=NOW)
    long_ms = (time.perf_counter() - t) * 1000

    figures = {
        "split_rows": len(rows),
        "category_macro_f1": round(category.macro_f1, 4),
        "category_accuracy": round(category.accuracy, 4),
        "intent_accuracy": round(intent.accuracy, 4),
        "intent_macro_f1": round(intent.macro_f1, 4),
        "parse_p50_ms": round(latencies[len(latencies) // 2], 3),
        "parse_p99_ms": round(latencies[int(len(latencies) * 0.99)], 3),
        "parse_20000_chars_ms": round(long_ms, 2),
        "cold_start_s": round(cold_start(), 3),
        "rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
        "train_s": round(train_s, 2),
        "entity_f1": {
            k: round(v, 4) for k, v in entity_f1(model, random.Random(args.seed)).items()
        },
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
