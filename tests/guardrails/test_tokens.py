"""TokenSigner: stateless HMAC confirmation tokens, each refusal reason on its own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from ledgerbee_mcp.guardrails.tokens import TokenError, TokenSigner, args_digest

KEY = b"k" * 32
CLAIMS: dict[str, Any] = {
    "action": "send_quote",
    "document_id": "5eed0000-0000-4000-8000-00000000abcd",
    "arguments": {"delivery_type": "Email", "recipient_email": None},
    "fingerprint": "f" * 32,
}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed(body: bytes, key: bytes = KEY) -> str:
    """A token with a valid signature over an arbitrary body."""
    return f"{b64(body)}.{b64(hmac.new(key, body, hashlib.sha256).digest())}"


def claims_of(token: str) -> dict[str, Any]:
    return json.loads(unb64(token.split(".")[0]))


def test_roundtrip() -> None:
    signer = TokenSigner(KEY)
    token = signer.issue(**CLAIMS)
    signer.verify(token, **CLAIMS)
    # any replica with the same key accepts it: the server keeps no record
    TokenSigner(KEY).verify(token, **CLAIMS)
    # surrounding whitespace from a copy-paste is tolerated
    signer.verify(f"  {token}\n", **CLAIMS)


def test_claims_bind_action_document_arguments_fingerprint() -> None:
    claims = claims_of(TokenSigner(KEY, ttl_seconds=60, clock=Clock(1000.0)).issue(**CLAIMS))
    assert claims["v"] == 1
    assert claims["act"] == CLAIMS["action"]
    assert claims["doc"] == CLAIMS["document_id"]
    assert claims["args"] == args_digest(CLAIMS["arguments"])
    assert claims["fp"] == CLAIMS["fingerprint"]
    assert claims["exp"] == 1060


def test_tokens_are_unique() -> None:
    signer = TokenSigner(KEY)
    assert len({signer.issue(**CLAIMS) for _ in range(20)}) == 20


def test_args_digest_ignores_key_order_but_not_values() -> None:
    assert args_digest({"a": 1, "b": None}) == args_digest({"b": None, "a": 1})
    assert args_digest({"a": 1}) != args_digest({"a": 2})
    assert args_digest({"a": None}) != args_digest({})


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"action": "convert_quote"}, "different action or document"),
        ({"action": "send_order_confirmation"}, "different action or document"),
        ({"document_id": "5eed0000-0000-4000-8000-00000000ffff"}, "different action or document"),
        ({"arguments": {"delivery_type": "Manual", "recipient_email": None}}, "arguments differ"),
        ({"arguments": {"delivery_type": "Email", "recipient_email": "x@evil.example"}}, "arguments differ"),
        ({"arguments": {"delivery_type": "Email"}}, "arguments differ"),
        ({"fingerprint": "0" * 32}, "document changed since the preview"),
    ],
)
def test_each_mismatch_is_refused_with_its_reason(change: dict[str, Any], reason: str) -> None:
    signer = TokenSigner(KEY)
    token = signer.issue(**CLAIMS)
    with pytest.raises(TokenError, match=reason) as caught:
        signer.verify(token, **(CLAIMS | change))
    assert "call again without" in str(caught.value)


def test_expiry_with_an_injected_clock() -> None:
    clock = Clock(1000.0)
    signer = TokenSigner(KEY, ttl_seconds=60, clock=clock)
    token = signer.issue(**CLAIMS)
    assert signer.expires_at(token) == 1060
    clock.now = 1059.9
    signer.verify(token, **CLAIMS)
    clock.now = 1060.0
    signer.verify(token, **CLAIMS)
    clock.now = 1060.001
    with pytest.raises(TokenError, match="expired"):
        signer.verify(token, **CLAIMS)
    clock.now = 10_000.0
    with pytest.raises(TokenError, match="expired"):
        signer.verify(token, **CLAIMS)


def test_token_issued_in_the_past_is_expired_for_a_present_verifier() -> None:
    past = TokenSigner(KEY, ttl_seconds=600, clock=Clock(1_000_000.0))
    present = TokenSigner(KEY, ttl_seconds=600, clock=Clock(1_000_000.0 + 601))
    with pytest.raises(TokenError, match="expired"):
        present.verify(past.issue(**CLAIMS), **CLAIMS)


def test_another_key_is_refused() -> None:
    token = TokenSigner(b"o" * 32).issue(**CLAIMS)
    with pytest.raises(TokenError, match="altered, or issued by another server"):
        TokenSigner(KEY).verify(token, **CLAIMS)


def test_random_signers_do_not_share_keys() -> None:
    token = TokenSigner.random().issue(**CLAIMS)
    with pytest.raises(TokenError, match="not valid here"):
        TokenSigner.random().verify(token, **CLAIMS)


@pytest.mark.parametrize("part", [0, 1], ids=["body", "signature"])
@pytest.mark.parametrize("position", [0, 0.5, 0.9])
def test_any_altered_character_is_refused(part: int, position: float) -> None:
    signer = TokenSigner(KEY)
    token = signer.issue(**CLAIMS)
    pieces = token.split(".")
    s = pieces[part]
    i = int(len(s) * position)
    pieces[part] = s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1 :]
    with pytest.raises(TokenError, match="not valid here"):
        signer.verify(".".join(pieces), **CLAIMS)


def test_re_signed_claims_with_a_longer_expiry_are_refused() -> None:
    """Changing a claim without the key breaks the signature."""
    signer = TokenSigner(KEY)
    token = signer.issue(**CLAIMS)
    body, mac = token.split(".")
    claims = json.loads(unb64(body)) | {"exp": 99_999_999_999}
    forged = b64(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()) + "." + mac
    with pytest.raises(TokenError, match="not valid here"):
        signer.verify(forged, **CLAIMS)


@pytest.mark.parametrize("token", ["", "   ", "abc", "a.b.c", "a..b", "é.ü", "....", "not a token at all"])
def test_malformed_input_raises_token_error(token: str) -> None:
    with pytest.raises(TokenError):
        TokenSigner(KEY).verify(token, **CLAIMS)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c"])
def test_malformed_input_says_malformed(token: str) -> None:
    with pytest.raises(TokenError, match="malformed"):
        TokenSigner(KEY).verify(token, **CLAIMS)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2, 3]",
        b'"a string"',
        json.dumps({"v": 2, "act": "send_quote"}).encode(),
        json.dumps({"act": "send_quote"}).encode(),
    ],
    ids=["not-json", "list", "string", "future-version", "no-version"],
)
def test_signed_but_unknown_format_is_refused(body: bytes) -> None:
    with pytest.raises(TokenError, match="unknown format"):
        TokenSigner(KEY).verify(signed(body), **CLAIMS)


def test_expires_at_refuses_a_bad_token() -> None:
    with pytest.raises(TokenError):
        TokenSigner(KEY).expires_at("abc")
    with pytest.raises(TokenError):
        TokenSigner(KEY).expires_at(TokenSigner(b"o" * 32).issue(**CLAIMS))


def test_token_is_url_safe_ascii() -> None:
    token = TokenSigner(KEY).issue(**CLAIMS | {"document_id": "ø/+?"})
    assert token.isascii()
    assert token.count(".") == 1
    assert not set(token) & set("+/= \n")
