"""Where attachment bytes live: a small interface, content-addressed by SHA-256.

``put(data)`` returns the key (the hex SHA-256 of the bytes), so the same photo sent twice is
stored once and a key can never name other bytes; ``get`` checks the digest on the way out.
``FileStore`` (the default) keeps files under a directory, sharded ``ab/cd/<key>``, written
atomically (temporary file, fsync, rename) with mode 0600. ``S3Store`` (``backend.attachments.s3``)
keeps them in an S3-compatible bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

DEFAULT_DIR = Path("var/attachments")
_KEY = re.compile(r"^[0-9a-f]{64}$")


class StoreError(Exception):
    """The store cannot be used (unwritable directory, unreachable bucket); one sentence."""


class BlobMissing(StoreError, LookupError):
    """No bytes under this key (pruned, or never stored)."""


class BlobCorrupt(StoreError):
    """The bytes under a key no longer hash to it."""


def key_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    """A key is 64 lower-case hex digits: nothing else can reach the file system or bucket."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError("attachment keys are 64 lower-case hex digits (SHA-256)")
    return key


def verified(key: str, data: bytes) -> bytes:
    if key_of(data) != key:
        raise BlobCorrupt(f"附件 {key[:12]}… 的内容与校验值不符，文件已损坏。")
    return data


@runtime_checkable
class AttachmentStore(Protocol):
    """Bytes by SHA-256 key. Implementations are safe to share between tasks."""

    async def put(self, data: bytes) -> str:
        """Store ``data``; returns its key (idempotent: the same bytes, the same key)."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes under ``key`` (digest checked); ``BlobMissing`` when absent."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> bool:
        """Remove the bytes; False when there were none."""
        ...

    def entries(self) -> AsyncIterator[tuple[str, datetime]]:
        """Every stored key with when it was written (to sweep blobs no row refers to)."""
        ...

    async def aclose(self) -> None: ...


class FileStore:
    """Files under ``root``: ``root/ab/cd/abcd…`` (two levels of 256 directories)."""

    def __init__(self, root: Path | str = DEFAULT_DIR) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        key = key_of(data)
        await asyncio.to_thread(self._write, key, data)
        return key

    def _write(self, key: str, data: bytes) -> None:
        target = self.path(key)
        try:
            if target.is_file() and target.stat().st_size == len(data):
                return  # content-addressed: already there
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = target.with_name(f".{key}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            _fsync_dir(target.parent)
        except OSError as exc:
            raise StoreError(f"无法写入附件目录 {self.root}：{exc.strerror or exc}。") from exc

    async def get(self, key: str) -> bytes:
        path = self.path(key)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise BlobMissing(f"附件 {key[:12]}… 不在存储中（可能已按保存期限清理）。") from None
        except OSError as exc:
            raise StoreError(f"无法读取附件目录 {self.root}：{exc.strerror or exc}。") from exc
        return verified(key, data)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path(key).is_file)

    async def delete(self, key: str) -> bool:
        path = self.path(key)

        def remove() -> bool:
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            for parent in (path.parent, path.parent.parent):
                try:
                    parent.rmdir()  # only when empty
                except OSError:
                    break
            return True

        return await asyncio.to_thread(remove)

    async def entries(self) -> AsyncIterator[tuple[str, datetime]]:
        found = await asyncio.to_thread(self._list)
        for entry in found:
            yield entry

    def _list(self) -> list[tuple[str, datetime]]:
        if not self.root.is_dir():
            return []
        out: list[tuple[str, datetime]] = []
        for first in sorted(self.root.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for p in sorted(second.iterdir()):
                    if _KEY.match(p.name):
                        with contextlib.suppress(FileNotFoundError):
                            mtime = p.stat().st_mtime
                            out.append((p.name, datetime.fromtimestamp(mtime, UTC)))
        return out

    async def aclose(self) -> None:
        return None


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (a crash right after must not lose the new name)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def store_from_settings(settings: Any) -> AttachmentStore:
    """The store a deployment configured: an S3 bucket when ``YICHUANG_ATTACHMENTS_S3_BUCKET``
    is set, else files under ``YICHUANG_ATTACHMENTS_DIR`` (default ``var/attachments``)."""
    bucket = getattr(settings, "attachments_s3_bucket", None)
    if bucket:
        from backend.attachments.s3 import S3Store

        return S3Store.from_settings(settings)
    root = getattr(settings, "attachments_dir", None) or DEFAULT_DIR
    return FileStore(root)
