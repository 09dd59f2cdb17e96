"""The console channel: ``yichuang chat`` (one process per call, state persists) and the demo."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backend.settings import Settings
from bot.console import demo, render
from dialogs.messages import Choice, Reply


@pytest.fixture(scope="module")
def nlu_engine() -> Any:
    import nlu
    from backend.config import load_county
    from bot.bootstrap import dialog_context

    return nlu.load_nlu(gazetteer=dialog_context(load_county()).gazetteer())


def _yichuang(args: list[str], stdin: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, YICHUANG_DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    env.pop("YICHUANG_CONFIG", None)
    exe = Path(sys.executable).with_name("yichuang")
    return subprocess.run(
        [str(exe), *args], input=stdin, capture_output=True, text=True, env=env, timeout=180
    )


def test_chat_json_one_object_per_reply_and_state_persists_between_calls(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    first = _yichuang(["chat", "--user", "U1", "--json"], "你好\n同意\n", db)
    assert first.returncode == 0, first.stderr
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert len(lines) == 2
    assert "个人信息说明" in lines[0]["text"]
    assert [c["id"] for c in lines[0]["choices"]] == ["yes", "no"]
    assert "遇到了什么问题" in lines[1]["text"]

    second = _yichuang(["chat", "--user", "U1", "--json"], "单位欠缴我的养老保险\n", db)
    assert second.returncode == 0, second.stderr
    (reply,) = [json.loads(line) for line in second.stdout.splitlines()]
    assert "名字" in reply["text"] and "个人信息说明" not in reply["text"]

    plain = _yichuang(["chat", "--user", "U2"], "你好\n", db)
    assert plain.returncode == 0, plain.stderr
    assert "  1. 同意" in plain.stdout and "  2. 不同意" in plain.stdout


def test_render_numbers_the_choices() -> None:
    text = render(Reply("选一个", (Choice("a", "满意"), Choice("b", "不满意"))))
    assert text == "选一个\n  1. 满意\n  2. 不满意"


async def test_demo_files_a_case_and_shows_the_staff_push(tmp_path: Path, nlu_engine: Any) -> None:
    script = "\n".join(
        [
            "你好，俺是凤鸣镇南关村的，叫王秀英。去年交的养老保险交了两回，钱扣了两次，"
            "想把多交的退给俺。电话13812341427，身份证11010519491231002X",
            "1",
            "/grid",
            "你好",
            "/new",
            "你好",
            "/quit",
            "不会读到这里",
        ]
    )
    out = io.StringIO()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    assert await demo(io.StringIO(script + "\n"), out, settings, nlu=nlu_engine) == 0
    text = out.getvalue()
    assert "案件编号：YC-" in text
    assert "  1. 确认提交" in text  # choices as a numbered list
    assert "推送给工作人员" in text  # the new-case notification, as it would be pushed
    assert "13812341427" not in text.split("推送给工作人员", 1)[1]  # staff pushes are masked
    assert "网格员 张桂兰" in text
    assert text.count("【个人信息说明】") == 3  # resident, grid worker, new resident: each asked
