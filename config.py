"""The one configuration object, read from the environment and an optional `.env` file."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent
TZ = ZoneInfo("Asia/Shanghai")
REQUIRED = ("WECHAT_TOKEN", "SECRET_KEY")
# The values `.env.example` ships with: fine on a laptop, refused anywhere else.
EXAMPLE_VALUES = {"WECHAT_TOKEN": "devtoken", "SECRET_KEY": "dev-secret-change-me"}
MIN_SECRET_LEN = 16
ENCRYPT_MODES = ("plain", "compatible", "safe")
MAP_CRSES = ("wgs84", "gcj02")
MEDIA_STORES = ("local", "s3")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from exc


@dataclass(frozen=True)
class Config:
    """Settings for the web app, the scheduler and the command line. See README for each."""

    WECHAT_TOKEN: str
    SECRET_KEY: str
    WECHAT_APP_ID: str = ""
    WECHAT_APP_SECRET: str = ""
    WECHAT_AES_KEY: str = ""
    WECHAT_API_BASE: str = "https://api.weixin.qq.com"
    WECHAT_REMINDER_TEMPLATE_ID: str = ""
    WECHAT_NOTICE_TEMPLATE_ID: str = ""
    WECOM_API_BASE: str = "https://qyapi.weixin.qq.com"
    WECOM_CORP_ID: str = ""
    WECOM_SECRET: str = ""
    WECOM_AGENT_ID: str = ""
    DATABASE_URL: str = ""
    REDIS_URL: str = ""
    MEDIA_DIR: str = ""
    MEDIA_STORE: str = "local"  # local (MEDIA_DIR) | s3 (S3_BUCKET): outbound/photostore.py
    S3_BUCKET: str = ""
    S3_ENDPOINT_URL: str = ""
    S3_PREFIX: str = ""
    S3_REGION: str = ""
    S3_PATH_STYLE: bool = False
    INSTANCE_DIR: str = str(ROOT / "instance")
    DATA_DIR: str = str(ROOT / "data")
    CITY_PROFILE: str = "national"
    MAX_BODY_BYTES: int = 64 * 1024
    TIMESTAMP_TOLERANCE_S: int = 300
    HTTP_TIMEOUT_S: int = 5
    COMPLAINT_DAILY_LIMIT: int = 10
    CONVERSATION_IDLE_MIN: int = 30
    WEBHOOK_RATE_PER_MIN: int = 120
    WECHAT_ENCRYPT_MODE: str = "compatible"
    PROXY_HOPS: int = 0
    PUBLIC_BASE_URL: str = ""
    SESSION_COOKIE_SECURE: bool = False
    UPLOAD_MAX_BYTES: int = 12 * 1024 * 1024
    INBOUND_RETENTION_DAYS: int = 7
    KB_MISS_DAILY_PER_SENDER: int = 20
    # The dashboard's map: a tile URL template ({z}/{x}/{y}, {s}) and the tiles' coordinate
    # system: gcj02 (AMap) or wgs84 (Tianditu, CGCS2000). Empty URL: areas on a plain ground.
    OPEN311_READ_NEEDS_KEY: bool = False  # GeoReport v2 reads are public unless set
    MAP_TILE_URL: str = ""
    MAP_CRS: str = "wgs84"
    MAP_ATTRIBUTION: str = ""
    DEV_MODE: bool = field(default=False)

    @property
    def database_url(self) -> str:
        return self.DATABASE_URL or f"sqlite:///{Path(self.INSTANCE_DIR) / 'wastebot.sqlite3'}"

    @property
    def media_dir(self) -> Path:
        return Path(self.MEDIA_DIR or Path(self.INSTANCE_DIR) / "media")

    @property
    def wechat_configured(self) -> bool:
        return bool(self.WECHAT_APP_ID and self.WECHAT_APP_SECRET)

    @property
    def wecom_configured(self) -> bool:
        return bool(self.WECOM_CORP_ID and self.WECOM_SECRET)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = None
    ) -> "Config":
        """Build from `.env` (lowest), then the process environment, then explicit overrides."""
        merged: dict[str, str] = {}
        path = Path(dotenv_path) if dotenv_path else ROOT / ".env"
        if path.is_file():
            merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        merged.update(os.environ if environ is None else environ)
        return cls.from_mapping(merged)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> "Config":
        """Validate and convert a flat mapping of settings."""
        missing = [k for k in REQUIRED if not values.get(k)]
        if missing:
            raise ConfigError(
                "missing required setting(s): " + ", ".join(missing)
                + " (set them in the environment or in .env; see README)"
            )
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            if f.name not in values:
                continue
            raw = values[f.name]
            if f.type == "int" and isinstance(raw, str):
                raw = _int(raw, f.name)
            elif f.type == "bool" and isinstance(raw, str):
                raw = raw.strip().lower() in {"1", "true", "yes", "on"}
            kwargs[f.name] = raw
        config = cls(**kwargs)  # type: ignore[arg-type]
        if config.WECHAT_AES_KEY and len(config.WECHAT_AES_KEY) != 43:
            raise ConfigError("WECHAT_AES_KEY must be the 43-character EncodingAESKey")
        _check_modes(config)
        if not config.DEV_MODE:
            _check_production(config)
        return config


def _check_modes(config: Config) -> None:
    if config.WECHAT_ENCRYPT_MODE not in ENCRYPT_MODES:
        raise ConfigError("WECHAT_ENCRYPT_MODE must be one of " + ", ".join(ENCRYPT_MODES))
    if config.WECHAT_ENCRYPT_MODE == "safe" and not config.WECHAT_AES_KEY:
        raise ConfigError("WECHAT_ENCRYPT_MODE=safe needs WECHAT_AES_KEY")
    if config.PROXY_HOPS < 0:
        raise ConfigError("PROXY_HOPS must be 0 or more")
    if config.MAP_CRS not in MAP_CRSES:
        raise ConfigError("MAP_CRS must be one of " + ", ".join(MAP_CRSES))
    if config.MAP_TILE_URL and not config.MAP_TILE_URL.startswith("https://"):
        raise ConfigError("MAP_TILE_URL must be an https:// URL template")
    if config.MEDIA_STORE not in MEDIA_STORES:
        raise ConfigError("MEDIA_STORE must be one of " + ", ".join(MEDIA_STORES))
    if config.MEDIA_STORE == "s3" and not config.S3_BUCKET:
        raise ConfigError("MEDIA_STORE=s3 needs S3_BUCKET")


def _check_production(config: Config) -> None:
    """Outside development mode: real credentials, and no example or short secrets."""
    if not config.wechat_configured:
        # Development mode used to switch itself on here, serving /dev without a password.
        raise ConfigError(
            "WECHAT_APP_ID and WECHAT_APP_SECRET are required; for local development "
            "without an official account set DEV_MODE=1 instead")
    for name in ("SECRET_KEY", "WECHAT_TOKEN"):
        value = getattr(config, name)
        if value == EXAMPLE_VALUES[name] or len(value) < MIN_SECRET_LEN:
            raise ConfigError(
                f"{name} is the example value or shorter than {MIN_SECRET_LEN} characters; "
                "set a long random value (DEV_MODE=1 allows it on a development machine)")
