"""Bearer access tokens as JWTs, checked against the issuer's published keys: the SDK's `TokenVerifier`.

    verifier = JwtTokenVerifier(config)          # config: AuthConfig
    access = await verifier.verify_token(token)  # the SDK's AccessToken, or None: refused
    ...
    await verifier.aclose()                      # only closes an HTTP client it made itself

What is checked, in this order, and any failure refuses the token (None, never an exception):

- the token is a compact JWS of reasonable size whose header `alg` is one of `algorithms` (asymmetric only:
  `none` and the HMAC family are refused when the verifier is made, so a public key can never be used as an
  HMAC secret);
- its `kid` names a signing key in the issuer's JWKS whose type (and curve) fits `alg`, and whose own `alg`,
  when the JWKS says one, is the same (a token without `kid` is accepted only while the JWKS holds one key);
- the signature, `iss` (exactly `config.issuer`), `aud` (contains `config.audience`), `exp` (required), `nbf`
  and `iat` (when present), all with `config.leeway` seconds of clock skew;
- `sub` is a non-empty string; `scope` (space-separated) or else `scp` (a list, or a space-separated string)
  holds only strings.

The JWKS comes from `config.jwks_url` or, when that is None, from the `jwks_uri` of the issuer's metadata (RFC
8414 `/.well-known/oauth-authorization-server`, then OpenID `/.well-known/openid-configuration`; the metadata's
`issuer` must be `config.issuer`). It is cached for `cache_ttl` seconds. A `kid` not in the cache triggers one
refetch, at most one fetch per `refetch_interval` seconds whatever the tokens say, so made-up `kid`s cannot make
this server hammer the issuer. A failed fetch fails closed: the token is refused and the failure logged (the URL
and the error, never a token). Keys still fresh in the cache keep working while the issuer is unreachable.

The verifier never logs a token and never returns one: `AccessToken.token` holds `sha256:<hex>`, a
fingerprint that correlates log lines without being a credential. `AccessToken.subject` is the `sub` claim (what
the audit records as the caller), `claims` the verified claims, `resource` the configured audience, and
`client_id` the `azp` or `client_id` claim, else `sub`.

Library: PyJWT (`pyjwt[crypto]`). The MCP SDK already depends on it (and on `cryptography`), so it adds no new
code to the install; it is maintained, typed, verifies RS/PS/ES signatures through `cryptography`, and takes an
explicit algorithm allow-list and a key bound to one algorithm (`PyJWK`). Its own `PyJWKClient` is not used: it
fetches with blocking `urllib`; the keys here are fetched with `httpx.AsyncClient`, which tests can replace.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, cast
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx
import jwt

from ledgerbee_mcp.server._sdk import AccessToken, TokenVerifier
from ledgerbee_mcp.server.auth._urls import is_secure_url
from ledgerbee_mcp.server.auth.scopes import AuthConfig

__all__ = [
    "ACCEPTED_ALGORITHMS",
    "DEFAULT_ALGORITHMS",
    "DEFAULT_CACHE_TTL",
    "DEFAULT_REFETCH_INTERVAL",
    "JwtTokenVerifier",
    "token_fingerprint",
]

logger = logging.getLogger("ledgerbee_mcp.server.auth")

ACCEPTED_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
"""The only algorithms a verifier can be told to accept: asymmetric signatures. Never `none`, never HS*."""

DEFAULT_ALGORITHMS: Final = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
DEFAULT_CACHE_TTL: Final = 300.0
DEFAULT_REFETCH_INTERVAL: Final = 30.0
DEFAULT_FETCH_TIMEOUT: Final = 5.0

_MAX_TOKEN_CHARS: Final = 16 * 1024
_MAX_DOCUMENT_BYTES: Final = 512 * 1024
_MAX_KID_SHOWN: Final = 64

_KEY_TYPE: Final = {"RS": "RSA", "PS": "RSA", "ES": "EC"}
_CURVE: Final = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


def token_fingerprint(token: str) -> str:
    """`sha256:<hex>` of the token: stable, safe to log and compare, useless as a credential."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class _Refused(Exception):
    """The token is refused; the reason is safe to log (it never quotes the token)."""


class _KeysUnavailable(Exception):
    """The issuer's keys could not be had; the message is safe to log."""


def _discovery_urls(issuer: str) -> list[str]:
    """RFC 8414 §3.1 (the well-known segment before the issuer's path), then OpenID Connect Discovery 1.0 §4
    (after it); for an issuer with a path, the RFC 8414-style OpenID form in between, as the MCP spec lists."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")

    def at(new_path: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))

    if not path:
        return [at("/.well-known/oauth-authorization-server"), at("/.well-known/openid-configuration")]
    return [
        at(f"/.well-known/oauth-authorization-server{path}"),
        at(f"/.well-known/openid-configuration{path}"),
        at(f"{path}/.well-known/openid-configuration"),
    ]


def _signing_keys(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The JWKS entries that may verify a signature: RSA or EC keys not restricted to another use."""
    raw = document.get("keys")
    if not isinstance(raw, list):
        raise _KeysUnavailable("the JWKS has no `keys` list")
    usable: list[dict[str, Any]] = []
    for entry in cast(list[object], raw):
        if not isinstance(entry, dict):
            continue
        jwk = cast(dict[str, Any], entry)
        if jwk.get("kty") not in ("RSA", "EC"):
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        ops = jwk.get("key_ops")
        if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
            continue
        if "kid" in jwk and not isinstance(jwk["kid"], str):
            continue
        usable.append(jwk)
    if not usable:
        raise _KeysUnavailable("the JWKS holds no RSA or EC signing key")
    return usable


class _KeyCache:
    """The issuer's signing keys: fetched, cached for `ttl`, refetched at most once per `interval`."""

    def __init__(
        self,
        config: AuthConfig,
        client: Callable[[], httpx.AsyncClient],
        *,
        ttl: float,
        interval: float,
        clock: Callable[[], float],
    ) -> None:
        self._config = config
        self._client = client
        self._ttl = ttl
        self._interval = interval
        self._clock = clock
        self._lock: anyio.Lock | None = None
        self._jwks: list[dict[str, Any]] = []
        self._built: dict[tuple[int, str], jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._discovered_url: str | None = None
        self.fetches = 0
        """JWKS fetches attempted so far (for tests and metrics)."""

    async def key_for(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        """The key to check a token signed with `alg` under `kid`, None when the issuer has no such key.

        Raises `_KeysUnavailable` when the keys are needed and cannot be fetched (fail closed)."""
        if self._fresh(self._clock()) and (key := self._select(kid, alg)) is not None:
            return key
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            now = self._clock()
            fresh = self._fresh(now)
            if fresh and (key := self._select(kid, alg)) is not None:
                return key  # another request refetched while this one waited
            if self._attempted_at is not None and now - self._attempted_at < self._interval:
                if fresh:
                    return None  # an unknown kid, and the keys were fetched moments ago: not asking again
                raise _KeysUnavailable(f"the last fetch failed under {self._interval:g} s ago; not retrying yet")
            self._attempted_at = now
            await self._refresh()
            return self._select(kid, alg)

    def _fresh(self, now: float) -> bool:
        return self._fetched_at is not None and now - self._fetched_at < self._ttl

    def _select(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        if kid is None:
            candidates = list(enumerate(self._jwks)) if len(self._jwks) == 1 else []
        else:
            candidates = [(i, jwk) for i, jwk in enumerate(self._jwks) if jwk.get("kid") == kid]
        for index, jwk in candidates:
            if jwk.get("kty") != _KEY_TYPE.get(alg[:2]):
                continue
            if "alg" in jwk and jwk["alg"] != alg:
                continue
            if alg in _CURVE and jwk.get("crv") != _CURVE[alg]:
                continue
            built = self._built.get((index, alg))
            if built is None:
                try:
                    built = jwt.PyJWK(jwk, algorithm=alg)
                except jwt.PyJWTError:
                    logger.warning("the issuer's JWKS key %r is unusable for %s", _shown(kid), alg)
                    continue
                self._built[(index, alg)] = built
            return built
        return None

    async def _refresh(self) -> None:
        self.fetches += 1
        try:
            url = self._config.jwks_url or self._discovered_url or await self._discover()
            jwks = _signing_keys(await self._get_json(url))
        except _KeysUnavailable as failure:
            self._discovered_url = None  # discover again next time: the issuer may have moved its keys
            logger.warning("could not fetch the issuer's signing keys (%s): tokens are refused until it works", failure)
            raise
        self._jwks, self._built, self._fetched_at = jwks, {}, self._clock()
        logger.info("fetched %d signing key(s) from %s", len(jwks), url)

    async def _discover(self) -> str:
        issuer = self._config.issuer
        failures: list[str] = []
        for url in _discovery_urls(issuer):
            try:
                metadata = await self._get_json(url)
            except _KeysUnavailable as failure:
                failures.append(str(failure))
                continue
            if metadata.get("issuer") != issuer:
                failures.append(f"{url} is the metadata of another issuer")
                continue
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not is_secure_url(jwks_uri):
                failures.append(f"{url} gives no usable https jwks_uri")
                continue
            self._discovered_url = jwks_uri
            return jwks_uri
        raise _KeysUnavailable("no issuer metadata: " + "; ".join(failures))

    async def _get_json(self, url: str) -> Mapping[str, Any]:
        body = bytearray()
        try:
            async with self._client().stream("GET", url, headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    raise _KeysUnavailable(f"{url} answered HTTP {response.status_code}")
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > _MAX_DOCUMENT_BYTES:
                        raise _KeysUnavailable(f"{url} answered more than {_MAX_DOCUMENT_BYTES} bytes")
        except httpx.HTTPError as error:
            raise _KeysUnavailable(f"{url}: {type(error).__name__}: {error}") from None
        try:
            document: object = json.loads(bytes(body))
        except ValueError:
            raise _KeysUnavailable(f"{url} answered something that is not JSON") from None
        if not isinstance(document, dict):
            raise _KeysUnavailable(f"{url} answered JSON that is not an object")
        return cast(dict[str, Any], document)


def _short(token: str) -> str:
    """The start of the token's fingerprint: enough to tell log lines of one token from another's."""
    return token_fingerprint(token)[:19]


def _shown(value: object) -> str:
    """A header value fit for a log line: cut short (it is the caller's text, not the issuer's)."""
    text = str(value)
    return text if len(text) <= _MAX_KID_SHOWN else text[:_MAX_KID_SHOWN] + "..."


def _scopes(claims: Mapping[str, Any]) -> list[str]:
    raw = claims["scope"] if "scope" in claims else claims.get("scp", [])
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list) and all(isinstance(s, str) for s in cast(list[object], raw)):
        return [s for s in cast(list[str], raw) if s]
    raise _Refused("the scope claim is neither a string nor a list of strings")


def _text_claim(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value if isinstance(value, str) and value else None


class JwtTokenVerifier:
    """The SDK's `TokenVerifier` for JWT access tokens from one issuer, for one audience (see the module).

    `http_client` is used for every fetch when given (and left open by `aclose`); otherwise the verifier makes
    its own `httpx.AsyncClient` (no redirects followed, `fetch_timeout` seconds) on first use. `algorithms`
    must be a non-empty subset of `ACCEPTED_ALGORITHMS`. `clock` is the monotonic clock of the cache (tests
    move it); the token's times are checked against the wall clock."""

    def __init__(
        self,
        config: AuthConfig,
        *,
        http_client: httpx.AsyncClient | None = None,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        cache_ttl: float = DEFAULT_CACHE_TTL,
        refetch_interval: float = DEFAULT_REFETCH_INTERVAL,
        fetch_timeout: float = DEFAULT_FETCH_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        allowed = tuple(dict.fromkeys(algorithms))
        refused = [alg for alg in allowed if alg not in ACCEPTED_ALGORITHMS]
        if not allowed or refused:
            raise ValueError(
                f"algorithms must be a non-empty subset of {sorted(ACCEPTED_ALGORITHMS)}; refused: {refused}"
            )
        if not (math.isfinite(refetch_interval) and refetch_interval >= 0):
            raise ValueError(f"refetch_interval must be zero or more seconds, not {refetch_interval!r}")
        if not (math.isfinite(cache_ttl) and cache_ttl >= max(refetch_interval, 1.0)):
            raise ValueError(f"cache_ttl ({cache_ttl!r}) must be at least refetch_interval and 1 s")
        self._config = config
        self._algorithms = allowed
        self._given_client = http_client
        self._own_client: httpx.AsyncClient | None = None
        self._fetch_timeout = fetch_timeout
        self._keys = _KeyCache(config, self._client, ttl=cache_ttl, interval=refetch_interval, clock=clock)

    @property
    def config(self) -> AuthConfig:
        return self._config

    @property
    def jwks_fetches(self) -> int:
        """How many times the JWKS has been fetched (successfully or not)."""
        return self._keys.fetches

    async def verify_token(self, token: str) -> AccessToken | None:
        """The verified token's access, or None when the token is refused for any reason."""
        try:
            return await self._verify(token)
        except _Refused as refused:
            logger.info("bearer token %s refused: %s", _short(token), refused)
        except _KeysUnavailable:
            logger.warning("bearer token %s refused: the issuer's keys are unavailable", _short(token))
        except Exception as error:  # fail closed
            # No traceback: the exception's text might quote the token.
            logger.error("bearer token %s refused: unexpected %s", _short(token), type(error).__name__)  # noqa: TRY400
        return None

    async def aclose(self) -> None:
        """Close the HTTP client the verifier made (an injected one is the caller's to close)."""
        if self._own_client is not None:
            await self._own_client.aclose()
            self._own_client = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def _client(self) -> httpx.AsyncClient:
        if self._given_client is not None:
            return self._given_client
        if self._own_client is None:
            self._own_client = httpx.AsyncClient(timeout=self._fetch_timeout, follow_redirects=False)
        return self._own_client

    async def _verify(self, token: str) -> AccessToken:
        if not token or len(token) > _MAX_TOKEN_CHARS or token.count(".") != 2:
            raise _Refused("not a compact JWS of acceptable size")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise _Refused(f"unreadable header ({type(error).__name__})") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._algorithms:
            raise _Refused(f"algorithm {_shown(alg)!r} is not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise _Refused("kid is not a string")
        key = await self._keys.key_for(kid, alg)
        if key is None:
            raise _Refused(f"the issuer has no {alg} key with kid {_shown(kid)!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self._config.audience,
                issuer=self._config.issuer,
                leeway=self._config.leeway,
                options={
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_nbf": True,
                    "verify_iat": True,
                    "verify_iss": True,
                    "verify_aud": True,
                    "require": ["exp", "iss", "aud", "sub"],
                },
            )
        except jwt.PyJWTError as error:
            raise _Refused(type(error).__name__) from None
        return self._access(token, claims)

    def _access(self, token: str, claims: dict[str, Any]) -> AccessToken:
        if claims.get("iss") != self._config.issuer:  # PyJWT checks this; the exact comparison is the contract
            raise _Refused("InvalidIssuerError")
        subject = _text_claim(claims, "sub")
        if subject is None:
            raise _Refused("no subject")
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float) or not math.isfinite(exp):
            raise _Refused("exp is not a number")
        return AccessToken(
            token=token_fingerprint(token),
            client_id=_text_claim(claims, "azp") or _text_claim(claims, "client_id") or subject,
            scopes=_scopes(claims),
            expires_at=int(exp),
            resource=self._config.audience,
            subject=subject,
            claims=claims,
        )


if TYPE_CHECKING:
    # pyright holds the class to the SDK's protocol here.
    _IS_A_TOKEN_VERIFIER: type[TokenVerifier] = JwtTokenVerifier
