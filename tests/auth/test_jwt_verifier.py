"""JwtTokenVerifier against a local issuer: what it accepts, everything it refuses, and how it treats the issuer
(key rotation with a rate-limited refetch, discovery, failing closed)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import jwt
import pytest
from mcp.server import MCPServer

from ledgerbee_mcp.server.auth import (
    AuthConfig,
    JwtTokenVerifier,
    current_access,
    current_scopes,
    current_subject,
    token_fingerprint,
)
from ledgerbee_mcp.server.auth.jwt_verifier import DEFAULT_REFETCH_INTERVAL

from .conftest import AUDIENCE, DROP, JWKS_PATH, OAUTH_METADATA, OPENID_METADATA, FakeClock, Issuer, SigningKey, b64url

pytestmark = pytest.mark.anyio

PAST_WINDOW = DEFAULT_REFETCH_INTERVAL + 1


def make_verifier(issuer: Issuer, client: httpx.AsyncClient, clock: FakeClock, **config: Any) -> JwtTokenVerifier:
    return JwtTokenVerifier(issuer.config(**config), http_client=client, clock=clock)


# --- accepted ---------------------------------------------------------------------------------------------------


async def test_a_valid_rsa_token_is_accepted_with_its_scopes_and_subject(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock)
    expires = int(time.time()) + 600
    token = issuer.token(exp=expires)
    access = await verifier.verify_token(token)
    assert access is not None
    assert access.subject == "user-42"
    assert access.client_id == "client-7"
    assert access.scopes == ["ledgerbee.read", "ledgerbee.write"]
    assert access.resource == AUDIENCE
    assert access.expires_at == expires
    assert access.claims is not None
    assert access.claims["iss"] == issuer.url
    # The token itself is never handed back: a fingerprint stands in for it.
    assert access.token == token_fingerprint(token)
    assert token not in access.model_dump_json()


async def test_a_valid_ec_token_with_scp_list_is_accepted(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock)
    token = issuer.token(issuer.ec_key, scope=DROP, scp=["ledgerbee.read", "ledgerbee.send"], azp=DROP)
    access = await verifier.verify_token(token)
    assert access is not None
    assert access.scopes == ["ledgerbee.read", "ledgerbee.send"]
    assert access.client_id == "user-42"  # no azp, no client_id: the subject


async def test_client_id_claim_and_audience_list(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock)
    token = issuer.token(azp=DROP, client_id="client-9", aud=["https://other.example.test", AUDIENCE])
    access = await verifier.verify_token(token)
    assert access is not None
    assert access.client_id == "client-9"
    assert access.resource == AUDIENCE


async def test_no_scope_claim_means_no_scopes(issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock) -> None:
    access = await make_verifier(issuer, http_client, clock).verify_token(issuer.token(scope=DROP))
    assert access is not None
    assert access.scopes == []


async def test_clock_skew_within_the_leeway_is_tolerated(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock, leeway=30)
    now = int(time.time())
    assert await verifier.verify_token(issuer.token(exp=now - 10)) is not None
    assert await verifier.verify_token(issuer.token(nbf=now + 10, iat=now + 10)) is not None


async def test_a_token_without_kid_is_accepted_when_the_jwks_has_one_key(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = jwt.encode(issuer.claims(), issuer.rsa_key.private, algorithm="RS256")  # no kid header
    verifier = make_verifier(issuer, http_client, clock)
    assert await verifier.verify_token(token) is None  # two keys published: which one is not guessed
    issuer.published = [issuer.rsa_key]
    fresh = make_verifier(issuer, http_client, clock)
    assert await fresh.verify_token(token) is not None


# --- refused ----------------------------------------------------------------------------------------------------


def _now() -> int:
    return int(time.time())


def _hs256_with_public_key(issuer: Issuer) -> str:
    """The classic confusion attack: HS256, keyed with the issuer's public key (which anyone can fetch)."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": issuer.rsa_key.kid}).encode())
    body = b64url(json.dumps(issuer.claims()).encode())
    signing_input = f"{header}.{body}".encode()
    signature = hmac.new(issuer.rsa_key.public_pem(), signing_input, hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


def _hs256_with_jwk_as_secret(issuer: Issuer) -> str:
    header = b64url(json.dumps({"alg": "HS256", "kid": issuer.rsa_key.kid}).encode())
    body = b64url(json.dumps(issuer.claims()).encode())
    secret = json.dumps(issuer.rsa_key.public_jwk()).encode()
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(signature)}"


def _bad_signature(issuer: Issuer) -> str:
    impostor = SigningKey.rsa(issuer.rsa_key.kid)  # same kid, another private key
    return issuer.token(impostor)


def _tampered(issuer: Issuer) -> str:
    header, _, signature = issuer.token().split(".")
    body = b64url(json.dumps(issuer.claims(scope="ledgerbee.read ledgerbee.write ledgerbee.send")).encode())
    return f"{header}.{body}.{signature}"


def _alg_mismatch(issuer: Issuer) -> str:
    # Signed with the EC key, but the header claims RS256 under the EC key's kid.
    _header, body, signature = issuer.token(issuer.ec_key).split(".")
    forged = b64url(json.dumps({"alg": "RS256", "kid": issuer.ec_key.kid}).encode())
    return f"{forged}.{body}.{signature}"


REFUSED: dict[str, tuple[Callable[[Issuer], str], str]] = {
    "wrong audience": (lambda i: i.token(aud="https://other.example.test/mcp"), "InvalidAudienceError"),
    "audience with a trailing slash": (lambda i: i.token(aud=AUDIENCE + "/"), "InvalidAudienceError"),
    "wrong issuer": (lambda i: i.token(iss="https://evil.example.test"), "InvalidIssuerError"),
    "issuer prefix only": (lambda i: i.token(iss=i.url[:-2]), "InvalidIssuerError"),
    "expired": (lambda i: i.token(exp=_now() - 120, iat=_now() - 600, nbf=_now() - 600), "ExpiredSignatureError"),
    "not yet valid": (lambda i: i.token(nbf=_now() + 600), "ImmatureSignatureError"),
    "issued in the future": (lambda i: i.token(iat=_now() + 600), "ImmatureSignatureError"),
    "missing exp": (lambda i: i.token(exp=DROP), "MissingRequiredClaimError"),
    "missing sub": (lambda i: i.token(sub=DROP), "MissingRequiredClaimError"),
    "empty sub": (lambda i: i.token(sub=""), "no subject"),
    "missing iss": (lambda i: i.token(iss=DROP), "MissingRequiredClaimError"),
    "missing aud": (lambda i: i.token(aud=DROP), "MissingRequiredClaimError"),
    "bad signature": (_bad_signature, "InvalidSignatureError"),
    "tampered payload": (_tampered, "InvalidSignatureError"),
    "unknown kid": (lambda i: i.token(SigningKey.rsa("never-published")), "no RS256 key with kid 'never-published'"),
    "alg none": (lambda i: i.unsigned({"alg": "none", "kid": i.rsa_key.kid}), "algorithm 'none' is not accepted"),
    "alg None spelled otherwise": (
        lambda i: i.unsigned({"alg": "NONE", "kid": i.rsa_key.kid}),
        "algorithm 'NONE' is not accepted",
    ),
    "HS256 with the public key as secret": (_hs256_with_public_key, "algorithm 'HS256' is not accepted"),
    "HS256 with the JWK as secret": (_hs256_with_jwk_as_secret, "algorithm 'HS256' is not accepted"),
    "RS256 header on an EC key": (_alg_mismatch, "no RS256 key with kid 'ec-1'"),
    "scope of the wrong type": (lambda i: i.token(scope=DROP, scp=[1, 2]), "scope claim is neither"),
    "garbage": (lambda i: "not-a-jwt", "not a compact JWS"),
    "empty": (lambda i: "", "not a compact JWS"),
    "oversized": (lambda i: i.token(padding="x" * 20_000), "not a compact JWS"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_refused(
    case: str, issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    make_token, reason = REFUSED[case]
    verifier = make_verifier(issuer, http_client, clock)
    token = make_token(issuer)
    caplog.set_level(logging.DEBUG)
    assert await verifier.verify_token(token) is None
    # Refused for the right reason, and logged without the token (or its signature).
    assert reason in caplog.text
    if token:
        assert token not in caplog.text
        signature = token.rsplit(".", 1)[-1]
        assert len(signature) < 8 or signature not in caplog.text


async def test_the_unknown_kid_is_refused_after_one_refetch(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock)
    assert await verifier.verify_token(issuer.token()) is not None
    assert issuer.jwks_fetches == 1
    clock.advance(PAST_WINDOW)
    assert await verifier.verify_token(issuer.token(SigningKey.rsa("never-published"))) is None
    assert issuer.jwks_fetches == 2  # it asked the issuer once, and the key is not there either


def test_none_and_hmac_algorithms_cannot_be_allowed(issuer: Issuer) -> None:
    for algorithms in (["none"], ["HS256"], ["RS256", "HS512"], []):
        with pytest.raises(ValueError, match="algorithms"):
            JwtTokenVerifier(issuer.config(), algorithms=algorithms)


async def test_an_algorithm_left_out_of_the_allow_list_is_refused(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = JwtTokenVerifier(issuer.config(), http_client=http_client, clock=clock, algorithms=["RS256"])
    assert await verifier.verify_token(issuer.token()) is not None
    assert await verifier.verify_token(issuer.token(issuer.ec_key)) is None


# --- rotation and the refetch rate limit --------------------------------------------------------------------------


async def test_a_rotated_key_is_accepted_after_one_refetch(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock)
    assert await verifier.verify_token(issuer.token()) is not None
    assert issuer.jwks_fetches == 1

    new_key = issuer.rotate(retire_old=True)
    clock.advance(PAST_WINDOW)
    access = await verifier.verify_token(issuer.token(new_key))
    assert access is not None
    assert access.subject == "user-42"
    assert issuer.jwks_fetches == 2
    # The new key is cached: more tokens with it cost no fetch; the retired key's tokens are refused.
    assert await verifier.verify_token(issuer.token(new_key, sub="user-43")) is not None
    assert await verifier.verify_token(issuer.token()) is None
    assert issuer.jwks_fetches == 2


async def test_a_rotated_key_waits_for_the_rate_limit_window(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock)
    assert await verifier.verify_token(issuer.token()) is not None
    new_key = issuer.rotate()
    clock.advance(DEFAULT_REFETCH_INTERVAL / 2)
    assert await verifier.verify_token(issuer.token(new_key)) is None  # fetched moments ago: not asked again
    assert issuer.jwks_fetches == 1
    clock.advance(DEFAULT_REFETCH_INTERVAL)
    assert await verifier.verify_token(issuer.token(new_key)) is not None
    assert issuer.jwks_fetches == 2


async def test_a_flood_of_unknown_kids_costs_at_most_one_refetch(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock)
    assert await verifier.verify_token(issuer.token()) is not None
    clock.advance(PAST_WINDOW)
    garbage = [issuer.unsigned({"alg": "RS256", "kid": f"garbage-{n}"}) + "c2ln" for n in range(100)]
    results: list[object] = []

    async def verify(token: str) -> None:
        results.append(await verifier.verify_token(token))

    async with anyio.create_task_group() as group:  # all at once
        for token in garbage:
            group.start_soon(verify, token)
    for token in garbage:  # and one after another
        results.append(await verifier.verify_token(token))
        clock.advance(0.1)

    assert results == [None] * 200
    assert issuer.jwks_fetches == 2  # the first fetch, and one refetch in the window
    # Valid tokens kept working throughout, without a fetch.
    assert await verifier.verify_token(issuer.token(issuer.ec_key)) is not None
    assert issuer.jwks_fetches == 2


async def test_the_cache_expires(issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock) -> None:
    verifier = JwtTokenVerifier(issuer.config(), http_client=http_client, clock=clock, cache_ttl=120)
    assert await verifier.verify_token(issuer.token()) is not None
    clock.advance(100)
    assert await verifier.verify_token(issuer.token()) is not None
    assert issuer.jwks_fetches == 1
    clock.advance(30)
    assert await verifier.verify_token(issuer.token()) is not None
    assert issuer.jwks_fetches == 2
    assert verifier.jwks_fetches == 2


# --- discovery ----------------------------------------------------------------------------------------------------


async def test_the_jwks_is_discovered_from_the_oauth_metadata(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock, discover=True)
    assert await verifier.verify_token(issuer.token()) is not None
    assert issuer.requests == [OAUTH_METADATA, JWKS_PATH]
    clock.advance(PAST_WINDOW)
    assert await verifier.verify_token(issuer.token(SigningKey.rsa("unknown"))) is None
    assert issuer.requests == [OAUTH_METADATA, JWKS_PATH, JWKS_PATH]  # the discovered URL is remembered


async def test_discovery_falls_back_to_openid_configuration(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    issuer.metadata_paths = {OPENID_METADATA}
    verifier = make_verifier(issuer, http_client, clock, discover=True)
    assert await verifier.verify_token(issuer.token()) is not None
    assert issuer.requests == [OAUTH_METADATA, OPENID_METADATA, JWKS_PATH]


async def test_discovery_for_an_issuer_with_a_path(http_client: httpx.AsyncClient, clock: FakeClock) -> None:
    tenant = Issuer(url="https://auth.example.test/tenants/acme")
    tenant.metadata_paths = {f"{OAUTH_METADATA}/tenants/acme"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=tenant.app)) as client:
        verifier = make_verifier(tenant, client, clock, discover=True)
        assert await verifier.verify_token(tenant.token()) is not None
    assert tenant.requests[0] == f"{OAUTH_METADATA}/tenants/acme"


async def test_metadata_of_another_issuer_is_not_trusted(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    issuer.metadata_issuer = "https://evil.example.test"
    verifier = make_verifier(issuer, http_client, clock, discover=True)
    assert await verifier.verify_token(issuer.token()) is None
    assert JWKS_PATH not in issuer.requests


# --- failing closed -----------------------------------------------------------------------------------------------


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


async def test_an_unreachable_jwks_refuses_the_token(
    issuer: Issuer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    token = issuer.token()
    async with httpx.AsyncClient(transport=httpx.MockTransport(_unreachable)) as client:
        verifier = make_verifier(issuer, client, clock)
        assert await verifier.verify_token(token) is None
    assert "could not fetch the issuer's signing keys" in caplog.text
    assert "ConnectError" in caplog.text
    assert token not in caplog.text


async def test_an_issuer_answering_errors_refuses_tokens_and_is_not_hammered(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    issuer.down = True
    verifier = make_verifier(issuer, http_client, clock)
    for _ in range(20):
        assert await verifier.verify_token(issuer.token()) is None
    assert issuer.jwks_fetches == 1
    issuer.down = False
    clock.advance(PAST_WINDOW)
    assert await verifier.verify_token(issuer.token()) is not None
    assert issuer.jwks_fetches == 2


async def test_fresh_keys_keep_working_while_the_issuer_is_down(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    verifier = make_verifier(issuer, http_client, clock)
    assert await verifier.verify_token(issuer.token()) is not None
    issuer.down = True
    clock.advance(PAST_WINDOW)
    assert await verifier.verify_token(issuer.token(SigningKey.rsa("unknown"))) is None  # refetch fails
    assert await verifier.verify_token(issuer.token()) is not None  # the cached key still verifies


@pytest.mark.parametrize(
    "document",
    [b"not json", b"[]", b'{"keys": "nope"}', b'{"keys": []}', b'{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'],
)
async def test_a_malformed_jwks_refuses_the_token(issuer: Issuer, clock: FakeClock, document: bytes) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=document))
    async with httpx.AsyncClient(transport=transport) as client:
        assert await make_verifier(issuer, client, clock).verify_token(issuer.token()) is None


# --- over real HTTP -----------------------------------------------------------------------------------------------


async def test_the_real_fetch_path_over_loopback_http(loopback_issuer: Issuer) -> None:
    """No injected client: the verifier's own httpx client discovers and fetches from a real server."""
    async with JwtTokenVerifier(loopback_issuer.config(discover=True)) as verifier:
        access = await verifier.verify_token(loopback_issuer.token(loopback_issuer.ec_key))
        assert access is not None
        assert access.subject == "user-42"
        assert await verifier.verify_token(loopback_issuer.token(aud="https://other.example.test")) is None
    assert loopback_issuer.requests == [OAUTH_METADATA, JWKS_PATH]


async def test_a_closed_port_refuses_the_token(closed_port: int, issuer: Issuer) -> None:
    config = AuthConfig(issuer=issuer.url, audience=AUDIENCE, jwks_url=f"http://127.0.0.1:{closed_port}/jwks.json")
    async with JwtTokenVerifier(config, fetch_timeout=2) as verifier:
        assert await verifier.verify_token(issuer.token()) is None


# --- in the SDK's HTTP app ----------------------------------------------------------------------------------------


async def test_the_sdk_answers_401_and_403_with_this_verifier(
    issuer: Issuer, http_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    config = issuer.config()
    verifier = JwtTokenVerifier(config, http_client=http_client, clock=clock)
    server = MCPServer("auth-test", auth=config.auth_settings(), token_verifier=verifier)
    app = server.streamable_http_app(host="mcp.example.test")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://mcp.example.test") as web:
        metadata = await web.get("/.well-known/oauth-protected-resource/mcp")
        assert metadata.status_code == 200
        assert metadata.json()["resource"] == AUDIENCE
        assert metadata.json()["authorization_servers"] == [issuer.url]
        assert metadata.json()["scopes_supported"] == ["ledgerbee.read"]

        anonymous = await web.post("/mcp", json={})
        assert anonymous.status_code == 401
        assert "resource_metadata=" in anonymous.headers["www-authenticate"]

        refused = await web.post("/mcp", json={}, headers={"Authorization": f"Bearer {issuer.token(aud='x:y')}"})
        assert refused.status_code == 401

        no_read = issuer.token(scope="ledgerbee.write")
        forbidden = await web.post("/mcp", json={}, headers={"Authorization": f"Bearer {no_read}"})
        assert forbidden.status_code == 403
        assert 'error="insufficient_scope"' in forbidden.headers["www-authenticate"]


async def test_an_unexpected_failure_refuses_the_token_without_quoting_it(
    issuer: Issuer,
    http_client: httpx.AsyncClient,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = issuer.token()

    def broken(*args: object, **kwargs: object) -> dict[str, Any]:
        raise RuntimeError(f"could not handle {token}")

    monkeypatch.setattr(jwt, "decode", broken)
    assert await make_verifier(issuer, http_client, clock).verify_token(token) is None
    assert "unexpected RuntimeError" in caplog.text
    assert token not in caplog.text


def test_outside_a_request_there_is_no_caller() -> None:
    assert current_access() is None
    assert current_subject() is None
    assert current_scopes() is None
