"""`shared_secrets`: the confirmation secret and the request-state keys (newest first) from configuration."""

from __future__ import annotations

import base64

import pytest

from ledgerbee_mcp.config import ConfigError
from ledgerbee_mcp.server.shared import SharedSecrets, shared_secrets

NEW = bytes(range(32))
OLD = bytes(range(100, 140))


def test_nothing_configured() -> None:
    secrets = shared_secrets({})
    assert secrets == SharedSecrets(confirm_secret=None, request_state_keys=())
    assert secrets.request_state_key is None


def test_keys_newest_first_in_hex_and_base64() -> None:
    env = {
        "LEDGERBEE_CONFIRM_SECRET": "c" * 40,
        "LEDGERBEE_REQUEST_STATE_KEYS": f" {NEW.hex()} , {base64.urlsafe_b64encode(OLD).decode().rstrip('=')},"
        f"base64:{base64.b64encode(b'x' * 32).decode()}, hex:{(b'y' * 32).hex()}",
    }
    secrets = shared_secrets(env)
    assert secrets.confirm_secret == b"c" * 40
    assert secrets.request_state_keys == (NEW, OLD, b"x" * 32, b"y" * 32)
    assert secrets.request_state_key == NEW


def test_the_repr_shows_no_key() -> None:
    secrets = shared_secrets({"LEDGERBEE_CONFIRM_SECRET": "c" * 40, "LEDGERBEE_REQUEST_STATE_KEYS": NEW.hex()})
    assert "ccc" not in repr(secrets)
    assert NEW.hex() not in repr(secrets)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LEDGERBEE_CONFIRM_SECRET": "short"}, "at least 32 characters"),
        ({"LEDGERBEE_REQUEST_STATE_KEYS": "not base64 at all!"}, "key 1 is neither hex nor base64"),
        ({"LEDGERBEE_REQUEST_STATE_KEYS": f"{NEW.hex()},{(b'z' * 8).hex()}"}, "key 2 is 8 bytes"),
        ({"LEDGERBEE_REQUEST_STATE_KEYS": f"{NEW.hex()},hex:{NEW.hex()}"}, "key 2 repeats"),
    ],
)
def test_malformed_configuration_is_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        shared_secrets(env)
