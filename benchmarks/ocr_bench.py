"""OCR benchmark: field recall of the photo suggestions and time per image on this machine.

    .venv/bin/python benchmarks/ocr_bench.py [--clean N] [--hard N] [--threads T]

Renders synthetic receipts, notices and SMS screenshots (benchmarks/ocr_samples.py), reads
each with ``bot.media.ocr.PhotoReader`` and asks ``bot.media.suggest.suggestions`` (one
suggestion per field: what the user is actually asked). Recall per field = the true value
was the one suggested; wrong = a different value was suggested. Time: wall seconds per
image (decode + OCR) and the process's CPU seconds per image; the load average is printed
because other processes on a shared machine slow the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ocr_samples import Sample, clean_set, hard_set
from bot.media.ocr import PhotoReader, available
from bot.media.suggest import suggestions

FIELDS = ("id_number", "phone", "amount", "period", "credit_code")
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def truth_of(sample: Sample, field: str) -> Any:
    t = sample.truth
    if field == "period":
        return {"start": t.period[0], "end": t.period[1]}
    if field == "amount":
        return round(t.amount, 2)
    return getattr(t, field)


def score(samples: list[Sample], reader: PhotoReader) -> dict[str, Any]:
    hits: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    total: Counter[str] = Counter()
    walls: list[float] = []
    cpu0 = time.process_time()
    for s in samples:
        start = time.perf_counter()
        reading = reader.read_sync(s.image)
        walls.append(time.perf_counter() - start)
        lines = reading.lines if reading else ()
        offered = {x.slot: x.value for x in suggestions(lines, NOW)}
        for field in FIELDS:
            truth = truth_of(s, field)
            if truth is None:
                continue
            total[field] += 1
            got = offered.get(field)
            if got is None:
                continue
            same = round(float(got), 2) == truth if field == "amount" else got == truth
            if same:
                hits[field] += 1
            else:
                wrong[field] += 1
    cpu = time.process_time() - cpu0
    return {
        "images": len(samples),
        "recall": {f: hits[f] / total[f] for f in FIELDS if total[f]},
        "wrong": {f: wrong[f] for f in FIELDS if total[f]},
        "counts": {f: total[f] for f in FIELDS if total[f]},
        "wall_per_image": sum(walls) / max(len(walls), 1),
        "wall_max": max(walls, default=0.0),
        "cpu_per_image": cpu / max(len(samples), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", type=int, default=24, help="clean renders")
    parser.add_argument("--hard", type=int, default=24, help="skewed/turned/compressed renders")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads (1)")
    args = parser.parse_args()
    if not available():
        print("OCR extra not installed: pip install 'yichuang[ocr]'", file=sys.stderr)
        return 2
    reader = PhotoReader(threads=args.threads)
    start = time.perf_counter()
    reader._load()
    load = time.perf_counter() - start
    print(f"cores={os.cpu_count()} load_avg_before={os.getloadavg()[0]:.1f} model_load={load:.2f}s")
    for name, made in (("clean", clean_set(args.clean)), ("hard", hard_set(args.hard))):
        samples = list(made)
        if not samples:
            continue
        r = score(samples, reader)
        recall = "  ".join(
            f"{f}={r['recall'][f]:.2f} ({r['wrong'][f]} wrong / {r['counts'][f]})"
            for f in r["recall"]
        )
        print(
            f"{name:5s} n={r['images']:3d}  {recall}\n"
            f"      s/image wall={r['wall_per_image']:.2f} (max {r['wall_max']:.2f})  "
            f"cpu={r['cpu_per_image']:.2f}"
        )
    print(f"load_avg_after={os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
