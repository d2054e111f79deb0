"""What HTTP mode refuses or defaults to, before anything is served."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ledgerbee_mcp.config import ConfigError, ConfirmMode, Settings

BASE = {"LEDGERBEE_API_KEY": "lb_sandbox_full"}


def test_http_mode_asks_by_elicitation_by_default() -> None:
    assert Settings.from_env(BASE, http=True).confirm is ConfirmMode.ELICIT
    assert Settings.from_env(BASE).confirm is ConfirmMode.AUTO
    assert Settings.from_env(BASE | {"LEDGERBEE_CONFIRM": "token"}, http=True).confirm is ConfirmMode.TOKEN


def test_the_approval_page_is_refused_over_http() -> None:
    with pytest.raises(ConfigError, match="local use only"):
        Settings.from_env(BASE | {"LEDGERBEE_CONFIRM": "page"}, http=True)


def test_redis_without_the_shared_confirmation_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="LEDGERBEE_CONFIRM_SECRET"):
        Settings.from_env(BASE | {"LEDGERBEE_REDIS_URL": "redis://127.0.0.1:1/0"}, http=True)
    with pytest.raises(ConfigError, match="redis://"):
        Settings.from_env(BASE | {"LEDGERBEE_REDIS_URL": "http://x", "LEDGERBEE_CONFIRM_SECRET": "s" * 32})


def test_request_state_keys_are_read_newest_first() -> None:
    keys = f"{'a' * 64},{'b' * 64}"
    settings = Settings.from_env(BASE | {"LEDGERBEE_REQUEST_STATE_KEYS": keys})
    assert settings.request_state_keys == (bytes.fromhex("a" * 64), bytes.fromhex("b" * 64))
    assert "aaaa" not in repr(settings)


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 -- our own entry point
        [sys.executable, "-m", "ledgerbee_mcp", *args], capture_output=True, text=True, env=env, timeout=30, check=False
    )


def test_a_public_address_without_oauth_is_refused_in_one_line() -> None:
    env = {"PATH": "/usr/bin:/bin", "LEDGERBEE_AUDIT_LOG": "off"}
    done = _run("--sandbox", "--transport", "http", "--host", "0.0.0.0", "--port", "1", env=env)  # noqa: S104
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "without OAuth" in done.stderr
    assert "--no-auth" in done.stderr


def test_http_flags_need_the_http_transport() -> None:
    done = _run("--sandbox", "--port", "8000", env={"PATH": "/usr/bin:/bin", "LEDGERBEE_AUDIT_LOG": "off"})
    assert done.returncode == 2
    assert "--transport http" in done.stderr
