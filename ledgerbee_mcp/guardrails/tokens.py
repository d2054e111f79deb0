"""Stateless confirmation tokens for clients that cannot ask a person.

A token is issued with a preview and redeemed by a second call. It binds the action, the document id, the
arguments and a fingerprint of the document's state, and expires; the server keeps no record of it, so any
replica holding the same secret can redeem it. A changed document (edited, sent or converted by anyone in the
meantime) changes the fingerprint, so an old token cannot replay an action on a document nobody previewed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

__all__ = ["TokenError", "TokenSigner"]

_VERSION = 1


class TokenError(Exception):
    """The token cannot authorise this call; the message says why and what to do."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def args_digest(arguments: Mapping[str, object]) -> str:
    """A short digest of the call's arguments (everything but the token itself)."""
    return hashlib.sha256(_canonical(dict(arguments))).hexdigest()[:32]


@dataclass(frozen=True)
class TokenSigner:
    key: bytes
    ttl_seconds: float = 600.0
    clock: Callable[[], float] = time.time

    @classmethod
    def random(cls, ttl_seconds: float = 600.0) -> TokenSigner:
        return cls(secrets.token_bytes(32), ttl_seconds)

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self.key, body, hashlib.sha256).digest()

    def issue(self, *, action: str, document_id: str, arguments: Mapping[str, object], fingerprint: str) -> str:
        claims = {
            "v": _VERSION,
            "act": action,
            "doc": document_id,
            "args": args_digest(arguments),
            "fp": fingerprint,
            "exp": int(self.clock() + self.ttl_seconds),
            "n": secrets.token_hex(6),
        }
        body = _canonical(claims)
        return f"{_b64(body)}.{_b64(self._mac(body))}"

    def expires_at(self, token: str) -> int:
        exp = self._claims(token)["exp"]
        return exp if isinstance(exp, int) else 0

    def _claims(self, token: str) -> dict[str, object]:
        try:
            body_part, mac_part = token.strip().split(".")
            body, mac = _unb64(body_part), _unb64(mac_part)
        except (ValueError, binascii.Error):
            raise TokenError(
                "the confirmation token is malformed; call again without it to get a fresh preview"
            ) from None
        if not hmac.compare_digest(mac, self._mac(body)):
            raise TokenError(
                "the confirmation token is not valid here (altered, or issued by another server); "
                "call again without it to get a fresh preview"
            )
        try:
            loaded: object = json.loads(body)
        except ValueError:
            loaded = None
        if not isinstance(loaded, dict):
            raise TokenError("the confirmation token has an unknown format; call again without it")
        claims = cast("dict[str, object]", loaded)
        if claims.get("v") != _VERSION:
            raise TokenError("the confirmation token has an unknown format; call again without it")
        return claims

    def verify(
        self, token: str, *, action: str, document_id: str, arguments: Mapping[str, object], fingerprint: str
    ) -> None:
        """Raise `TokenError` unless the token authorises exactly this action on this state."""
        claims = self._claims(token)
        if claims["act"] != action or claims["doc"] != document_id:
            raise TokenError(
                "the confirmation token was issued for a different action or document; "
                "call again without it to preview this one"
            )
        if claims["args"] != args_digest(arguments):
            raise TokenError(
                "the arguments differ from the preview (or the e-mail recipient they resolve to changed); "
                "call again without the token to preview them"
            )
        exp = claims["exp"]
        if not isinstance(exp, int) or self.clock() > exp:
            raise TokenError("the confirmation token has expired; call again without it to get a fresh preview")
        if claims["fp"] != fingerprint:
            raise TokenError(
                "the document changed since the preview (edited, sent or converted); "
                "call again without the token to preview its current state"
            )
