"""Environment settings (``YICHUANG_*``): secrets and where things are. The county TOML holds the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YICHUANG_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/yichuang.db"
    config: Path | None = None  # county TOML; None -> the packaged example county

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)

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

    nlu_backend: Literal["builtin", "rasa"] = "builtin"
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
    attachments_s3_addressing: Literal["auto", "path", "virtual"] = "auto"
    attachments_s3_access_key_id: str | None = None
    attachments_s3_secret_access_key: SecretStr | None = None


def secret_value(value: Any) -> str | None:
    """The plain text of a secret setting, or None when it is unset or empty."""
    if value is None:
        return None
    raw = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    return raw or None


#: What each setting should look like, for the sentence about a bad value.
_EXPECTED: dict[str, str] = {
    "http_port": "应为 1 到 65535 之间的端口号，如 8080",
    "nlu_backend": "应为 builtin（内置）或 rasa",
    "attachments_s3_addressing": "应为 auto、path 或 virtual",
    "attachments_s3_region": "应为区域名，如 us-east-1",
    "config": "应为县配置文件的路径",
}

#: pydantic's error types in Chinese (never its English message).
_TYPES: dict[str, str] = {
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "literal_error": "不是可选的值",
    "less_than_equal": "数值太大",
    "greater_than_equal": "数值太小",
    "string_type": "应为文字",
    "path_type": "应为路径",
    "missing": "缺少此项",
    "json_invalid": "不是合法的 JSON",
}


def settings_problem(exc: ValidationError) -> str:
    """One Chinese sentence for a bad ``YICHUANG_*`` value: which variable, what was given,
    what it should be (``环境变量 YICHUANG_HTTP_PORT 的值“abc”不对：应为 1 到 65535 之间的
    端口号，如 8080。``)."""
    first = exc.errors()[0]
    field = "_".join(str(p) for p in first["loc"])
    name = "YICHUANG_" + field.upper()
    given = first.get("input")
    shown = f"“{str(given)[:40]}”" if isinstance(given, str | int | float) else ""
    problem = _EXPECTED.get(field) or _TYPES.get(first["type"], "取值不对")
    more = f"（另有 {len(exc.errors()) - 1} 处问题）" if len(exc.errors()) > 1 else ""
    return f"环境变量 {name} 的值{shown}不对：{problem}{more}。"


def load_settings(**overrides: Any) -> Settings:
    """``Settings()`` from the environment (plus ``overrides``, validated too); a bad value
    raises ``SettingsError`` with one sentence."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(settings_problem(exc)) from None


class SettingsError(ValueError):
    """A ``YICHUANG_*`` variable has a value the program cannot use (one Chinese sentence)."""
