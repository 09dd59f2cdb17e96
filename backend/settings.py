"""Environment settings (``YICHUANG_*``): secrets and where things are. The county TOML holds the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YICHUANG_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/yichuang.db"
    config: Path | None = None  # county TOML; None -> the packaged example county

    http_host: str = "127.0.0.1"
    http_port: int = 8080

    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_secret: SecretStr | None = None

    wecom_corp_id: str | None = None
    wecom_agent_id: str | None = None
    wecom_secret: SecretStr | None = None
    wecom_kf_secret: SecretStr | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_base: str = "https://qyapi.weixin.qq.com/cgi-bin"
    #: 微信客服 account used for a resident whose account is not known yet (normally learnt
    #: from their messages); optional.
    wecom_kf_open_kfid: str | None = None

    nlu_backend: str = "builtin"  # builtin | rasa
    rasa_url: str | None = None
    #: Where trained NLU models are cached; default: a user cache directory.
    nlu_model_dir: Path | None = None

    #: Attachments (photos, voice, files): a directory (default ``var/attachments``), or an
    #: S3-compatible bucket when ``attachments_s3_bucket`` is set (needs ``yichuang[s3]``).
    attachments_dir: Path | None = None
    attachments_s3_bucket: str | None = None
    attachments_s3_endpoint: str | None = None
    attachments_s3_region: str = "us-east-1"
    attachments_s3_prefix: str = "attachments/"
    attachments_s3_addressing: str = "auto"  # auto | path | virtual
    attachments_s3_access_key_id: str | None = None
    attachments_s3_secret_access_key: SecretStr | None = None


def secret_value(value: Any) -> str | None:
    """The plain text of a secret setting, or None when it is unset or empty."""
    if value is None:
        return None
    raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    return raw or None
