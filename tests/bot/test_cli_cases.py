"""`yichuang db upgrade` and `yichuang cases …`: output, exports, and one-sentence errors."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backend.db import head_revision
from bot.cli import build_parser, main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("YICHUANG_DATABASE_URL", url)
    monkeypatch.delenv("YICHUANG_CONFIG", raising=False)
    return url


def _seed(make_draft: Any) -> list[str]:
    async def seed() -> list[str]:
        from bot.bootstrap import build_context, close_context

        ctx = await build_context()
        try:
            a = await ctx.cases.open_case(make_draft(category="refund", name="张三"))
            b = await ctx.cases.open_case(make_draft(category="payment_system", name="李四"))
            return [a.number, b.number]
        finally:
            await close_context(ctx)

    return asyncio.run(seed())


def test_db_upgrade(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "已升级" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "已是最新版本" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == head_revision()


def test_cases_list_show_export(
    env: str, make_draft: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = _seed(make_draft)
    assert main(["cases", "list"]) == 0
    out = capsys.readouterr().out
    assert first in out and second in out and "共 2 件" in out
    assert main(["cases", "list", "--category", "refund"]) == 0
    out = capsys.readouterr().out
    assert first in out and second not in out
    assert main(["cases", "show", first.lower()]) == 0
    out = capsys.readouterr().out
    assert f"案件 {first}" in out and "办理过程" in out and "13812341427" in out

    assert main(["cases", "export", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["number"] for r in records] == [second, first]
    target = tmp_path / "台账.xlsx"
    assert main(["cases", "export", "--format", "xlsx", "--out", str(target)]) == 0
    assert target.read_bytes()[:2] == b"PK"
    assert main(["cases", "export", "--format", "csv", "--out", str(tmp_path / "a.csv")]) == 0
    assert (tmp_path / "a.csv").read_text(encoding="utf-8-sig").startswith("案件编号,")
    # The register holds ID numbers: only the owner may read the file.
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o600
    capsys.readouterr()

    # Who viewed what: `cases show` and the exports are in the access log.
    log = tmp_path / "log.json"
    assert main(["cases", "access-log", "--format", "json", "--out", str(log)]) == 0
    entries = json.loads(log.read_text(encoding="utf-8"))
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert [e["what"] for e in entries][-1] == "detail"
    assert {e["via"] for e in entries} == {"cli"} and len(entries) == 4
    assert entries[-1]["case_number"] == first and entries[-1]["actor"].startswith("cli:")
    assert main(["cases", "access-log", "--case", first]) == 0
    csv_out = capsys.readouterr().out
    assert csv_out.startswith("\ufeff时间,人员,单位,案件编号") and first in csv_out


def test_unknown_filter_values_are_refused_with_the_allowed_ones(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cases", "list", "--status", "done"]) == 2
    err = capsys.readouterr().err
    assert "status 不认识“done”" in err and "registered" in err and "closed" in err
    assert main(["cases", "export", "--category", "tax"]) == 2
    assert "refund" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "0001-01-01"],
        ["--to", "9999-12-31"],
        ["--from", "２０２６-01-01"],
        ["--limit", "9223372036854775808"],
        ["--limit", "²"],
        ["--limit", "0"],
        ["--agency", "不存在的局"],
    ],
)
def test_bad_list_arguments_are_one_sentence(
    env: str, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cases", "list", *args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_agency_filter_takes_names(
    env: str, make_draft: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(make_draft)
    assert main(["cases", "list", "--agency", "税务局"]) == 0
    by_name = capsys.readouterr().out
    assert main(["cases", "list", "--agency", "tax"]) == 0
    assert capsys.readouterr().out == by_name and "共" in by_name


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "检查通过" in out and "行政复议" in out and "六十日内" in out
    from importlib import resources

    full = resources.files("backend.county").joinpath("example.toml").read_text("utf-8")
    cut = full[: full.index("[[objection_routes]]")]
    partial = tmp_path / "county.toml"
    partial.write_text(cut, encoding="utf-8")
    assert main(["check", "--config", str(partial)]) == 1
    out = capsys.readouterr().out
    assert "4 处问题" in out and "行政诉讼" in out and 'kind = "litigation"' in out


def test_check_warns_about_years_without_a_holiday_schedule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from backend.config import load_county

    # A due date set today can fall in a year chinese_calendar lacks (2027 in late 2026).
    expected = load_county().calendar_warning(date.today())
    assert main(["check"]) == 0
    err = capsys.readouterr().err
    if expected is not None:
        assert expected in err and "[calendar]" in err
    from importlib import resources

    full = resources.files("backend.county").joinpath("example.toml").read_text("utf-8")
    filled = tmp_path / "county.toml"
    years = "".join(
        f"\n[[calendar.years]]\nyear = {y}\nholidays = [{y}-01-01]\n"
        for y in range(date.today().year, date.today().year + 2)
    )
    filled.write_text(full + years, encoding="utf-8")
    assert main(["check", "--config", str(filled)]) == 0
    assert "节假日安排" not in capsys.readouterr().err


def test_list_says_how_many_are_shown_and_how_many_match(
    env: str, make_draft: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = _seed(make_draft)
    assert main(["cases", "list", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert second in out and first not in out
    assert "显示最新的 1 件，符合条件的共 2 件" in out and "共 1 件" not in out
    assert main(["cases", "list", "--text", "138 1234 1427", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert first in out and second in out and "共 2 件" in out


def test_unknown_case(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "show", "YC-2026-999999"]) == 2
    assert "没有编号为 YC-2026-999999 的案件" in capsys.readouterr().err


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["cases", "list"], {"YICHUANG_DATABASE_URL": "oracle://x/y"}, "不支持的数据库"),
        (
            ["db", "upgrade"],
            {"YICHUANG_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/x"},
            "连不上数据库",
        ),
        (["cases", "list"], {"YICHUANG_CONFIG": "/nonexistent/county.toml"}, "找不到配置文件"),
        (
            ["cases", "list"],
            {"YICHUANG_HTTP_PORT": "八千"},
            "应为 1 到 65535 之间的端口号",
        ),
        # ``serve`` reads the settings itself: still one sentence, never a traceback.
        (["serve"], {"YICHUANG_HTTP_PORT": "abc"}, "YICHUANG_HTTP_PORT 的值“abc”不对"),
        (["serve"], {"YICHUANG_HTTP_PORT": "99999"}, "1 到 65535 之间的端口号"),
        (["serve"], {"YICHUANG_NLU_BACKEND": "foo"}, "应为 builtin（内置）或 rasa"),
        (["cases", "list"], {"YICHUANG_NLU_BACKEND": "foo"}, "应为 builtin（内置）或 rasa"),
        (
            ["cases", "export", "--format", "xls"],
            {},
            "参数 --format 不能取“xls”，可选：json、csv、xlsx",
        ),
        (["cases", "show"], {}, "缺少参数：案件编号"),
        (["cases", "list", "--bogus"], {}, "不认识的参数：--bogus"),
    ],
)
def test_errors_are_one_sentence_without_traceback(
    args: list[str], env: dict[str, str], words: str, tmp_path: Path
) -> None:
    env = {"YICHUANG_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", **env}
    done = _run(args, **env)
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    english = ("Input should", "invalid", "required", "unrecognized", "argument", "Connect call")
    assert not any(word in done.stderr for word in english), done.stderr


def test_bad_config_file_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "county.toml"
    bad.write_text('id = "YC"\nname = "云川县"\n', encoding="utf-8")
    done = _run(
        ["cases", "list"],
        YICHUANG_CONFIG=str(bad),
        YICHUANG_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "county.toml 中 reform_date：缺少此项" in done.stderr


def test_only_the_chosen_command_is_imported() -> None:
    code = (
        "import sys; from bot.cli import build_parser; build_parser(['cases', 'list']);"
        "print(sorted(m for m in ('bot.cli_cases', 'bot.cli_db', 'bot.server', 'nlu.cli',"
        " 'bot.console', 'aiohttp') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "['bot.cli_cases']", done.stderr


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser(["--help"]).parse_args(["--help"])
    out = capsys.readouterr().out
    for name in ("db", "cases", "chat", "demo", "serve", "nlu"):
        assert name in out


async def test_a_county_without_objection_routes_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from importlib import resources

    from backend.config import parse_county
    from backend.settings import Settings
    from bot.bootstrap import build_context, close_context

    full = resources.files("backend.county").joinpath("example.toml").read_text("utf-8")
    county = parse_county(full[: full.index("[[objection_routes]]")], "county.toml")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    with caplog.at_level("WARNING", logger="bot.bootstrap"):
        ctx = await build_context(settings, county=county)
        await close_context(ctx)
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.bootstrap"]
    assert len(warned) == 4 and "yichuang check" in warned[0] and "调解" in warned[0]
