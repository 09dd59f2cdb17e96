"""English fragments that libraries put into error messages (asyncpg, the OS, SQLite), in
Chinese: a sentence for the IT clerk must not end in "Connect call failed"."""

from __future__ import annotations

import re

#: (pattern, Chinese); a pattern's groups are kept by the replacement (\\1).
_FRAGMENTS: tuple[tuple[str, str], ...] = (
    (
        r"\[Errno -?\d+\] Connect call failed \('?([^',)]+)'?, (\d+)\)",
        r"\1:\2 拒绝连接（服务没有启动或端口不对）",
    ),
    (r"\[Errno -?\d+\] Connect call failed.*", "对方拒绝连接（服务没有启动或端口不对）"),
    (r"Multiple exceptions: .*Connect call failed.*", "对方拒绝连接（服务没有启动或端口不对）"),
    (r"(\[Errno -?\d+\] )?Connection refused", "对方拒绝连接（服务没有启动或端口不对）"),
    (
        r"(\[Errno -?\d+\] )?(Name or service not known|nodename nor servname provided.*|Temporary failure in name resolution)",
        "找不到这个主机名",
    ),
    (r"database \"([^\"]+)\" does not exist", r"数据库“\1”不存在"),
    (r"role \"([^\"]+)\" does not exist", r"数据库用户“\1”不存在"),
    (r"password authentication failed for user \"([^\"]+)\"", r"数据库用户“\1”的密码不对"),
    (r"no pg_hba\.conf entry for .*", "数据库服务器不允许从这台机器连接（pg_hba.conf）"),
    (r"(\[Errno -?\d+\] )?(Connection timed out|timed out)", "连接超时"),
    (r"TimeoutError\(?\)?", "连接超时"),
    (r"unable to open database file", "打不开数据库文件（目录不存在或没有权限）"),
    (r"(\[Errno 13\] )?Permission denied.*", "没有权限"),
    (r"(\[Errno 2\] )?No such file or directory.*", "文件或目录不存在"),
    (r"the database system is (starting up|shutting down)", "数据库正在启动或关闭"),
    (r"too many connections.*", "数据库连接数已满"),
)


def chinese_reason(text: str) -> str:
    """``text`` with the library fragments it contains said in Chinese (unchanged if none)."""
    out = text
    for pattern, words in _FRAGMENTS:
        out = re.sub(pattern, words, out)
    return out
