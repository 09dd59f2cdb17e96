"""The SQLite database file: created private, and named in the log.

A typo in ``YICHUANG_DATABASE_URL`` must not silently leave an empty, world-readable
database in a new folder: a new folder is made ``0700``, a new file ``0600`` (SQLite creates
its ``-wal`` and ``-shm`` files with the database file's mode), and the log says (info)
which file is used and whether it was just created.

``backend.db.Database.connect`` calls ``prepare_sqlite_file(path)`` in place of
``path.parent.mkdir(parents=True, exist_ok=True)``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def prepare_sqlite_file(path: Path) -> bool:
    """Make ``path``'s missing folders (0700) and, if it does not exist, an empty file
    (0600); log which file is used. True when the file was created now. Raises ``OSError``
    when a folder or the file cannot be made."""
    path = Path(path)
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE)
        os.chmod(folder, DIR_MODE)  # the umask may have narrowed or widened it
        log.info("已新建数据库目录 %s（仅本人可访问）", folder)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        log.info("使用 SQLite 数据库文件 %s", path.resolve())
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    log.info("已新建 SQLite 数据库文件 %s（仅本人可读写）", path.resolve())
    return True
