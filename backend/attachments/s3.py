"""Attachment bytes in an S3-compatible bucket (AWS S3, MinIO, Aliyun OSS, Tencent COS...).

Uses aiobotocore (the optional extra ``yichuang[s3]``): botocore signs (SigV4), retries and
speaks every provider's dialect; aiobotocore runs it on aiohttp, which we already use. Imported
only when a deployment configures a bucket. Object keys: ``<prefix>ab/cd/<sha256>``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from backend.attachments.store import BlobMissing, StoreError, check_key, key_of, verified

_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


class S3Store:
    """``AttachmentStore`` over one bucket. The client is made on first use; ``aclose`` ends it."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "attachments/",
        addressing_style: str = "auto",
    ) -> None:
        try:
            import aiobotocore  # noqa: F401
        except ImportError:
            raise StoreError(
                "配置了对象存储（YICHUANG_ATTACHMENTS_S3_BUCKET），但没有安装 aiobotocore："
                "请运行 pip install 'yichuang[s3]'。"
            ) from None
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.prefix = prefix
        self._credentials = (access_key_id, secret_access_key)
        self._addressing = addressing_style
        self._stack: contextlib.AsyncExitStack | None = None
        self._client: Any = None

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"

    @classmethod
    def from_settings(cls, settings: Any) -> S3Store:
        from backend.settings import secret_value

        return cls(
            settings.attachments_s3_bucket,
            endpoint_url=settings.attachments_s3_endpoint or None,
            region=settings.attachments_s3_region,
            access_key_id=settings.attachments_s3_access_key_id or None,
            secret_access_key=secret_value(settings.attachments_s3_secret_access_key),
            prefix=settings.attachments_s3_prefix,
            addressing_style=settings.attachments_s3_addressing,
        )

    def object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}{key[:2]}/{key[2:4]}/{key}"

    async def _s3(self) -> Any:
        if self._client is None:
            from aiobotocore.config import AioConfig
            from aiobotocore.session import get_session

            access, secret = self._credentials
            stack = contextlib.AsyncExitStack()
            self._client = await stack.enter_async_context(
                get_session().create_client(
                    "s3",
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    aws_access_key_id=access,
                    aws_secret_access_key=secret,
                    config=AioConfig(
                        s3={"addressing_style": self._addressing},
                        retries={"max_attempts": 3, "mode": "standard"},
                        connect_timeout=10,
                        read_timeout=60,
                    ),
                )
            )
            self._stack = stack
        return self._client

    def _failed(self, what: str, exc: Exception) -> StoreError:
        return StoreError(f"对象存储 {self.bucket} {what}失败：{_reason(exc)}。")

    async def put(self, data: bytes) -> str:
        key = key_of(data)
        if await self.exists(key):
            return key
        s3 = await self._s3()
        try:
            await s3.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data)
        except Exception as exc:
            raise self._failed("写入", exc) from exc
        return key

    async def get(self, key: str) -> bytes:
        name = self.object_key(key)
        s3 = await self._s3()
        try:
            resp = await s3.get_object(Bucket=self.bucket, Key=name)
            async with resp["Body"] as stream:
                data: bytes = await stream.read()
        except Exception as exc:
            if _missing(exc):
                raise BlobMissing(
                    f"附件 {key[:12]}… 不在存储中（可能已按保存期限清理）。"
                ) from None
            raise self._failed("读取", exc) from exc
        return verified(key, data)

    async def exists(self, key: str) -> bool:
        name = self.object_key(key)
        s3 = await self._s3()
        try:
            await s3.head_object(Bucket=self.bucket, Key=name)
        except Exception as exc:
            if _missing(exc):
                return False
            raise self._failed("查询", exc) from exc
        return True

    async def delete(self, key: str) -> bool:
        if not await self.exists(key):
            return False
        s3 = await self._s3()
        try:
            await s3.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        except Exception as exc:
            raise self._failed("删除", exc) from exc
        return True

    async def entries(self) -> AsyncIterator[tuple[str, datetime]]:
        s3 = await self._s3()
        paginator = s3.get_paginator("list_objects_v2")
        try:
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []) or []:
                    name = str(item.get("Key", "")).rsplit("/", 1)[-1]
                    modified = item.get("LastModified")
                    if not isinstance(modified, datetime):
                        modified = datetime.now(UTC)
                    with contextlib.suppress(ValueError):
                        yield check_key(name), modified
        except StoreError:
            raise
        except Exception as exc:
            raise self._failed("列出", exc) from exc

    async def aclose(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()


def _missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str((response.get("Error") or {}).get("Code", ""))
    status = str((response.get("ResponseMetadata") or {}).get("HTTPStatusCode", ""))
    return code in _MISSING_CODES or status == "404"


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        code = error.get("Code")
        if code:
            return f"{code} {error.get('Message', '')}".strip()
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
