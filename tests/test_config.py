"""Start-up refuses development defaults outside development mode."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values

from config import Config, ConfigError

ROOT = Path(__file__).resolve().parent.parent
STRONG = {"WECHAT_TOKEN": "a-long-random-token-123", "SECRET_KEY": "a-long-random-secret-456",
          "WECHAT_APP_ID": "wx_real", "WECHAT_APP_SECRET": "app-secret"}


def build(**values: Any) -> Config:
    return Config.from_mapping({k: v for k, v in values.items() if v is not None})


def test_missing_credentials_without_dev_mode_fail_naming_both() -> None:
    with pytest.raises(ConfigError) as err:
        build(**{**STRONG, "WECHAT_APP_ID": "", "WECHAT_APP_SECRET": ""})
    message = str(err.value)
    assert "WECHAT_APP_ID" in message and "WECHAT_APP_SECRET" in message
    assert "DEV_MODE=1" in message


@pytest.mark.parametrize("flag", ["0", "", "no"])
def test_development_mode_is_only_switched_on_by_dev_mode_1(flag: str) -> None:
    assert build(**STRONG, DEV_MODE=flag).DEV_MODE is False
    assert build(**STRONG, DEV_MODE="1").DEV_MODE is True


def test_dev_mode_runs_without_credentials() -> None:
    config = build(WECHAT_TOKEN="devtoken", SECRET_KEY="dev-secret-change-me", DEV_MODE="1")
    assert config.DEV_MODE and not config.wechat_configured


@pytest.mark.parametrize("name", ["SECRET_KEY", "WECHAT_TOKEN"])
def test_example_values_are_refused_outside_dev_mode(name: str) -> None:
    example = dotenv_values(ROOT / ".env.example")
    with pytest.raises(ConfigError, match=name):
        build(**{**STRONG, name: example[name]})


@pytest.mark.parametrize("name", ["SECRET_KEY", "WECHAT_TOKEN"])
def test_short_secrets_are_refused_outside_dev_mode(name: str) -> None:
    with pytest.raises(ConfigError, match=f"{name} .*shorter than 16"):
        build(**{**STRONG, name: "x" * 15})
    assert getattr(build(**{**STRONG, name: "x" * 16}), name) == "x" * 16


def test_env_example_asks_for_dev_mode() -> None:
    example = dotenv_values(ROOT / ".env.example")
    assert example["DEV_MODE"] == "1"
    assert Config.from_mapping({k: v for k, v in example.items() if v is not None}).DEV_MODE


def test_encrypt_mode_is_checked() -> None:
    with pytest.raises(ConfigError, match="WECHAT_ENCRYPT_MODE"):
        build(**STRONG, WECHAT_ENCRYPT_MODE="aes")
    with pytest.raises(ConfigError, match="WECHAT_AES_KEY"):
        build(**STRONG, WECHAT_ENCRYPT_MODE="safe")
    assert build(**STRONG).WECHAT_ENCRYPT_MODE == "compatible"
