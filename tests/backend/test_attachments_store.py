"""The attachment store: files on disk (atomic, 0600, sharded, content-addressed) and an
S3-compatible bucket (moto's server, signatures checked)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import tests.backend.attachment_samples as samples
from backend.attachments.store import (
    AttachmentStore,
    BlobCorrupt,
    BlobMissing,
    FileStore,
    StoreError,
    store_from_settings,
)
from backend.settings import Settings

BUCKET = "yc-attachments"


@pytest.fixture(scope="module")
def local_s3() -> Iterator[Any]:
    pytest.importorskip("aiobotocore", reason="S3 store needs the extra yichuang[s3]")
    pytest.importorskip("moto", reason="the local S3 needs moto[s3,server] (dev extra)")
    from tests.backend.attachment_s3 import local_s3 as run

    with run((BUCKET,)) as s3:
        yield s3


def _s3_store(s3: Any, *, secret: str | None = None, prefix: str = "attachments/") -> Any:
    from backend.attachments.s3 import S3Store

    return S3Store(
        BUCKET,
        endpoint_url=s3.endpoint,
        region=s3.region,
        access_key_id=s3.access_key_id,
        secret_access_key=secret or s3.secret_access_key,
        prefix=prefix,
        addressing_style="path",
    )


@pytest.fixture(params=["file", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "file":
        made: Any = FileStore(tmp_path / "att")
    else:
        s3 = request.getfixturevalue("local_s3")
        made = _s3_store(s3, prefix=f"t{os.urandom(4).hex()}/")
    try:
        yield made
    finally:
        await made.aclose()


async def test_round_trip_is_byte_identical_and_content_addressed(store: Any) -> None:
    assert isinstance(store, AttachmentStore)
    data = samples.image("JPEG", seed=3)
    key = await store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert await store.exists(key)
    assert await store.get(key) == data
    assert await store.put(data) == key  # the same bytes: the same key, stored once
    keys = [k async for k, _ in store.entries()]
    assert keys == [key]
    assert await store.delete(key) is True
    assert await store.delete(key) is False
    assert not await store.exists(key)
    with pytest.raises(BlobMissing):
        await store.get(key)


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "abc", "0" * 63 + "/"])
async def test_only_sha256_keys_reach_the_store(store: Any, key: str) -> None:
    with pytest.raises(ValueError):
        await store.get(key)


async def test_files_are_private_sharded_and_written_whole(tmp_path: Path) -> None:
    root = tmp_path / "att"
    store = FileStore(root)
    data = samples.pdf()
    key = await store.put(data)
    path = root / key[:2] / key[2:4] / key
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    leftovers = [p for p in root.rglob("*") if p.is_file() and p != path]
    assert leftovers == []  # no temporary files


async def test_the_store_survives_a_restart(tmp_path: Path) -> None:
    data = samples.amr()
    key = await FileStore(tmp_path / "att").put(data)
    again = FileStore(tmp_path / "att")  # a new process, the same directory
    assert await again.get(key) == data


async def test_a_damaged_file_is_detected(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    key = await store.put(b"%PDF-1.4 original")
    store.path(key).write_bytes(b"%PDF-1.4 tampered")
    with pytest.raises(BlobCorrupt):
        await store.get(key)


async def test_an_unwritable_directory_gives_a_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError) as info:
        await FileStore(blocker / "att").put(b"x")
    assert "无法写入附件目录" in str(info.value)


async def test_entries_report_when_a_blob_was_written(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    key = await store.put(b"abc")
    old = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
    os.utime(store.path(key), (old, old))
    [(found, modified)] = [e async for e in store.entries()]
    assert found == key and modified < datetime.now(UTC) - timedelta(days=365)


async def test_s3_signatures_are_checked(local_s3: Any) -> None:
    good = _s3_store(local_s3)
    bad = _s3_store(local_s3, secret="not-the-secret")
    try:
        key = await good.put(b"%PDF-1.7 signed")
        with pytest.raises(StoreError) as info:
            await bad.get(key)
        assert "SignatureDoesNotMatch" in str(info.value) or "403" in str(info.value)
        assert await good.get(key) == b"%PDF-1.7 signed"
    finally:
        await good.aclose()
        await bad.aclose()


def test_settings_choose_the_store(tmp_path: Path) -> None:
    files = store_from_settings(Settings(attachments_dir=tmp_path / "x"))
    assert isinstance(files, FileStore) and files.root == tmp_path / "x"
    default = store_from_settings(Settings())
    assert isinstance(default, FileStore) and default.root == Path("var/attachments")
    pytest.importorskip("aiobotocore")
    s3 = store_from_settings(
        Settings(attachments_s3_bucket="b", attachments_s3_endpoint="http://127.0.0.1:9")
    )
    assert type(s3).__name__ == "S3Store"
