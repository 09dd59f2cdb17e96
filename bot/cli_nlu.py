"""``yichuang nlu parse | eval FILE | train``: the NLU from the command line (ARCHITECTURE.md).

Lives in ``bot`` (not ``nlu``) because it loads the county gazetteer from the county config.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.cli import UserError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("nlu", help="语义理解：parse 解析、eval 评测、train 训练")
    sub = parser.add_subparsers(dest="nlu_command", required=True, metavar="子命令")

    p = sub.add_parser("parse", help="从标准输入逐行读文本，每行输出一个 JSON 解析结果")
    p.add_argument("--now", help="消息时间（ISO 格式，用于“去年下半年”等相对时间），默认当前时间")
    p.set_defaults(func=run_parse)

    e = sub.add_parser("eval", help="在 JSONL 文件（text, category, intent）上评测")
    e.add_argument("file", type=Path, help="JSONL 测试文件")
    e.add_argument("--json", action="store_true", help="以 JSON 输出评测结果")
    e.add_argument("--worst", type=int, default=10, help="列出最差错误的条数")
    e.set_defaults(func=run_eval)

    t = sub.add_parser("train", help="训练模型并写入带版本号的模型文件")
    t.set_defaults(func=run_train)


def _settings() -> Any:
    from backend.settings import Settings

    return Settings()


def _gazetteer(settings: Any) -> Any:
    """The county's townships and villages; None when the county config cannot be loaded."""
    from nlu.types import Gazetteer

    try:
        from backend.config import load_county
    except ImportError:
        return None
    county = load_county(settings.config)
    return Gazetteer(townships={t.name: tuple(t.villages) for t in county.townships})


def _load(settings: Any) -> Any:
    from nlu import load_nlu

    return load_nlu(
        _gazetteer(settings),
        settings.nlu_model_dir,
        backend=settings.nlu_backend,
        rasa_url=settings.rasa_url,
    )


def _now(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--now 的时间格式不对：{text}（例如 2026-03-02T09:00）。") from None


def run_parse(args: argparse.Namespace) -> int:
    now = _now(args.now)
    nlu = _load(_settings())
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        parse = nlu.parse(text, now=now)
        sys.stdout.write(json.dumps(parse.to_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from nlu.dataset import load_jsonl
    from nlu.evaluate import evaluate

    try:
        rows = load_jsonl(args.file)
    except FileNotFoundError:
        raise UserError(f"找不到评测文件 {args.file}。") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"评测文件 {args.file} 不是 UTF-8 的 JSONL：{exc}。") from None
    if not rows or any(not isinstance(r, dict) or "text" not in r for r in rows):
        raise UserError(f"评测文件 {args.file} 的每一行都应是含 text 的 JSON 对象。")
    nlu = _load(_settings())
    parses = [nlu.parse(str(r["text"])) for r in rows]
    category, intent = evaluate(rows, parses)
    for rep in (category, intent):
        rep.errors = rep.errors[: args.worst]
    if args.json:
        out = {"category": category.to_json(), "intent": intent.to_json()}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(category.text() + "\n\n" + intent.text() + "\n")
    return 0


def run_train(args: argparse.Namespace) -> int:
    from nlu.model import build, default_model_dir

    settings = _settings()
    path = build(settings.nlu_model_dir or default_model_dir())
    print(path)
    return 0
