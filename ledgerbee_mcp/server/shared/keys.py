"""The secrets every replica must share, read from configuration (never from Redis).

A confirmation token issued by one replica must be redeemable by another, and request state sealed by one must
open on another, so each replica is given the same values by its deployment (a secret store, the orchestrator's
environment). Redis is not where they live: whoever can read the Redis could then forge confirmations.

- `LEDGERBEE_CONFIRM_SECRET`: the HMAC key of confirmation tokens, one value of at least 32 characters (as
  `Settings` reads it); its UTF-8 bytes are the key. Unset, each process would draw its own random key, which a
  multi-replica deployment must not do: tokens would fail on every replica but the one that issued them.
- `LEDGERBEE_REQUEST_STATE_KEYS`: comma-separated keys, newest first, each of at least 32 bytes, written as hex
  or base64 (standard or URL-safe, padding optional), or marked `hex:` / `base64:` to leave no doubt. The first
  key seals new state; every key opens state, so a key is rotated by putting a new one in front and dropping the
  old one once what it sealed has expired.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ledgerbee_mcp.config import MIN_STATE_KEY_BYTES, ConfigError, decode_state_keys

__all__ = ["MIN_KEY_BYTES", "SharedSecrets", "shared_secrets"]

MIN_KEY_BYTES = MIN_STATE_KEY_BYTES


@dataclass(frozen=True, repr=False)
class SharedSecrets:
    """The shared keys, as bytes; never shown by `repr`."""

    confirm_secret: bytes | None
    """The confirmation-token HMAC key, or None when `LEDGERBEE_CONFIRM_SECRET` is unset."""
    request_state_keys: tuple[bytes, ...] = ()
    """Newest first: the first seals, all open. Empty when `LEDGERBEE_REQUEST_STATE_KEYS` is unset."""

    @property
    def request_state_key(self) -> bytes | None:
        """The key that seals new request state (the newest), or None when none is configured."""
        return self.request_state_keys[0] if self.request_state_keys else None

    def __repr__(self) -> str:
        confirm = "set" if self.confirm_secret else "unset"
        return f"SharedSecrets(confirm_secret={confirm}, request_state_keys={len(self.request_state_keys)})"


def shared_secrets(env: Mapping[str, str] | None = None) -> SharedSecrets:
    """Read the shared secrets from `env` (the process environment by default); `ConfigError` names the variable
    and the key at fault, never a key's value."""
    env = os.environ if env is None else env
    raw_secret = env.get("LEDGERBEE_CONFIRM_SECRET", "")
    if raw_secret and len(raw_secret) < 32:
        raise ConfigError("LEDGERBEE_CONFIRM_SECRET must be at least 32 characters")
    keys = decode_state_keys(env.get("LEDGERBEE_REQUEST_STATE_KEYS", ""))
    return SharedSecrets(confirm_secret=raw_secret.encode() if raw_secret else None, request_state_keys=keys)
