"""The ``yichuang`` command. Each sub-command lives in its own module, imported lazily so
that ``yichuang nlu parse`` does not pay for the web server's imports and vice versa: only
the module of the chosen sub-command is imported; the others appear in ``--help`` by name."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

# sub-command -> module with ``register(subparsers)``; the module sets ``func`` on its parser.
COMMANDS: dict[str, str] = {
    "db": "bot.cli_db",
    "cases": "bot.cli_cases",
    "nlu": "bot.cli_nlu",
    "chat": "bot.console",
    "demo": "bot.console",
    "serve": "bot.server",
    "staff": "bot.cli_staff",
    "outbox": "bot.cli_staff",
    "attachments": "bot.cli_attachments",
    "check": "bot.cli_check",
}

#: One-line help of each sub-command, shown without importing its module.
SUMMARIES: dict[str, str] = {
    "db": "数据库：upgrade 升级表结构",
    "cases": "案件台账：list 列表、show 详情、export 导出",
    "nlu": "语义理解：parse 解析、eval 评测、train 训练",
    "chat": "从标准输入逐行读用户消息，输出机器人的回复",
    "demo": "在终端里以居民身份和机器人对话（示例县）",
    "serve": "启动服务：渠道回调、工作人员接口、通知发送、超期督办",
    "staff": "工作人员账号的访问令牌",
    "outbox": "通知发件箱：查看和重发失败的通知",
    "attachments": "附件：按保存期限清理（prune）、查看案件附件（list）",
    "check": "检查县配置文件：救济途径（调解、仲裁、行政复议、行政诉讼）是否写全",
}


class UserError(Exception):
    """A problem the user can fix (bad config, bad URL, unreachable database): one sentence, exit 2."""


def _chosen(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line (the first word not starting with "-")."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


class _Parser(argparse.ArgumentParser):
    """argparse with its complaints as one Chinese sentence (sub-parsers inherit it)."""

    def error(self, message: str) -> NoReturn:
        sentence = argparse_sentence(message, self.prog)
        self.exit(2, f"yichuang: {sentence.rstrip('。')}。\n")


def _choices(text: str) -> str:
    """ "'json', 'csv', 'xlsx'" (Python 3.11) or "json, csv, xlsx" (3.12+) -> "json、csv、xlsx"."""
    return "、".join(c.strip().strip("'") for c in text.split(","))


def argparse_sentence(message: str, prog: str) -> str:
    """argparse's English complaint as one Chinese sentence (no English left but the names
    of options and values the user typed)."""
    hint = f"用 {prog} --help 查看用法"
    m = re.match(r"argument (\S+): (.*)", message, re.S)
    if m:
        name, problem = m.group(1), m.group(2)
        if re.search(r"[\u4e00-\u9fff]", problem):
            return f"参数 {name}：{problem}"
        found = re.match(r"invalid choice: '?(.*?)'? \(choose from (.*)\)$", problem, re.S)
        if found:
            return f"参数 {name} 不能取“{found.group(1)}”，可选：{_choices(found.group(2))}"
        found = re.match(r"invalid \w+ value: '?(.*?)'?$", problem, re.S)
        if found:
            return f"参数 {name} 的值“{found.group(1)}”写法不对，{hint}"
        if problem.startswith("expected one argument"):
            return f"参数 {name} 后面要写一个值，{hint}"
        if problem.startswith("expected"):
            return f"参数 {name} 后面的值个数不对，{hint}"
        found = re.match(r"not allowed with argument (\S+)", problem)
        if found:
            return f"参数 {name} 不能和 {found.group(1)} 一起用"
        if problem.startswith("ignored explicit argument"):
            return f"参数 {name} 不带值，{hint}"
        return f"参数 {name} 不对，{hint}"
    found = re.match(r"unrecognized arguments: (.*)", message, re.S)
    if found:
        return f"不认识的参数：{found.group(1).strip()}，{hint}"
    found = re.match(r"the following arguments are required: (.*)", message, re.S)
    if found:
        return f"缺少参数：{_choices(found.group(1))}，{hint}"
    found = re.match(r"ambiguous option: (\S+) could match (.*)", message, re.S)
    if found:
        return f"参数 {found.group(1)} 有歧义，可能是 {_choices(found.group(2))}"
    found = re.match(r"one of the arguments (.*) is required", message, re.S)
    if found:
        return f"参数 {_choices(found.group(1).replace(' ', ','))} 中要写一个，{hint}"
    return f"命令行参数不对，{hint}"


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser with the chosen sub-command fully registered and the rest as names only.

    ``argv`` decides which module is imported; ``None`` imports every sub-command module.
    """
    parser = _Parser(prog="yichuang", description="一窗：社会保险费征缴争议受理机器人")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    chosen = _chosen(argv) if argv is not None else None
    modules = [COMMANDS[chosen]] if chosen else [] if argv is not None else list(COMMANDS.values())
    for module_name in dict.fromkeys(modules):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # not written yet
                continue
            raise
        module.register(sub)
    for name in COMMANDS:
        if name not in sub.choices:
            stub = sub.add_parser(name, help=SUMMARIES.get(name, ""), add_help=False)
            stub.set_defaults(func=_not_available(name))
    return parser


def _not_available(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        raise UserError(f"命令“{name}”在这个版本里还不可用。")

    return run


def _user_error_types() -> tuple[type[BaseException], ...]:
    """Errors that are the user's to fix, each carrying one sentence (imported only on error)."""
    from pydantic import ValidationError

    from backend.config import ConfigError
    from backend.db import DatabaseError
    from backend.settings import SettingsError
    from backend.workflow import WorkflowError

    return (UserError, ConfigError, DatabaseError, WorkflowError, SettingsError, ValidationError)


def user_sentence(exc: BaseException) -> str:
    """The one sentence for a user-fixable error: a bad ``YICHUANG_*`` value (``Settings()``
    anywhere) named with what it should be; library fragments said in Chinese."""
    from pydantic import ValidationError

    from backend.settings import Settings, settings_problem
    from backend.wording import chinese_reason

    if isinstance(exc, ValidationError) and exc.title == Settings.__name__:
        return settings_problem(exc)
    return chinese_reason(str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        if exc.code in (0, None):  # --help
            raise
        return 2  # a bad argument, already explained on stderr in one sentence
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # "yichuang cases show … | head": the reader left; stop quietly, as ``cat`` does
        # (stdout is pointed at /dev/null so the interpreter's final flush cannot fail too).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:
        if not isinstance(exc, _user_error_types()):
            raise
        if not _is_users(exc):
            raise
        print(f"yichuang: {user_sentence(exc)}", file=sys.stderr)
        return 2


def _is_users(exc: BaseException) -> bool:
    """A pydantic ``ValidationError`` is the user's to fix only when it is about the
    ``YICHUANG_*`` settings (``Settings()`` called anywhere, e.g. by ``serve``)."""
    from pydantic import ValidationError

    from backend.settings import Settings

    return not isinstance(exc, ValidationError) or exc.title == Settings.__name__


if __name__ == "__main__":
    # Run as ``python -m bot.cli``: use the importable module's ``main`` so that the
    # sub-command modules and this one share one ``UserError`` class.
    from bot.cli import main as _main

    sys.exit(_main())
