"""A local OAuth authorisation server, made in the test: fresh RSA and EC keys each run, a JWKS and the issuer's
metadata served by a small Starlette app (in process through `httpx.ASGITransport`, or on a loopback port by
uvicorn), and every request it answers counted."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerbee_mcp.server.auth import AuthConfig

ISSUER = "https://auth.example.test"
AUDIENCE = "https://mcp.example.test/mcp"
JWKS_PATH = "/jwks.json"
OAUTH_METADATA = "/.well-known/oauth-authorization-server"
OPENID_METADATA = "/.well-known/openid-configuration"


@dataclass
class SigningKey:
    kid: str
    alg: str
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def rsa(cls, kid: str) -> SigningKey:
        return cls(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def ec(cls, kid: str) -> SigningKey:
        return cls(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    def public_jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Issuer:
    """The fake authorisation server. `published` is its JWKS; `metadata_paths` the discovery documents it
    serves; `down` makes it answer 503 to everything; `requests` lists the paths asked for, in order."""

    url: str = ISSUER
    rsa_key: SigningKey = field(default_factory=lambda: SigningKey.rsa("rsa-1"))
    ec_key: SigningKey = field(default_factory=lambda: SigningKey.ec("ec-1"))
    published: list[SigningKey] = field(default_factory=list[SigningKey])
    metadata_paths: set[str] = field(default_factory=lambda: {OAUTH_METADATA, OPENID_METADATA})
    metadata_issuer: str | None = None
    down: bool = False
    requests: list[str] = field(default_factory=list[str])
    _rotations: int = 0

    def __post_init__(self) -> None:
        if not self.published:
            self.published = [self.rsa_key, self.ec_key]
        self.app = Starlette(routes=[Route("/{path:path}", self._handle)])

    @property
    def jwks_url(self) -> str:
        origin = urlsplit(self.url)
        return f"{origin.scheme}://{origin.netloc}{JWKS_PATH}"

    @property
    def jwks_fetches(self) -> int:
        return self.requests.count(JWKS_PATH)

    async def _handle(self, request: Request) -> Response:
        path = request.url.path
        self.requests.append(path)
        if self.down:
            return JSONResponse({"error": "temporarily_unavailable"}, status_code=503)
        if path == JWKS_PATH:
            return JSONResponse({"keys": [key.public_jwk() for key in self.published]})
        if path in self.metadata_paths:
            return JSONResponse(
                {
                    "issuer": self.metadata_issuer or self.url,
                    "authorization_endpoint": self.url + "/authorize",
                    "token_endpoint": self.url + "/token",
                    "jwks_uri": self.jwks_url,
                }
            )
        return JSONResponse({"error": "not_found"}, status_code=404)

    def rotate(self, *, retire_old: bool = False) -> SigningKey:
        """Publish a new RSA key (and, with `retire_old`, stop publishing the others)."""
        self._rotations += 1
        new = SigningKey.rsa(f"rsa-rotated-{self._rotations}")
        self.published = [new] if retire_old else [*self.published, new]
        return new

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": "user-42",
            "azp": "client-7",
            "scope": "ledgerbee.read ledgerbee.write",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": "token-1",
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not DROP}

    def token(self, key: SigningKey | None = None, *, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        key = key or self.rsa_key
        return jwt.encode(
            self.claims(**claims), key.private, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})}
        )

    def unsigned(self, header: dict[str, Any], **claims: Any) -> str:
        """A token with any header and no signature checks: the parts an attacker controls."""
        head = b64url(json.dumps(header).encode())
        body = b64url(json.dumps(self.claims(**claims)).encode())
        return f"{head}.{body}."

    def config(self, *, discover: bool = False, **changes: Any) -> AuthConfig:
        """The verifier's settings for this issuer: the JWKS URL given, or (`discover`) left to the metadata."""
        return AuthConfig(issuer=self.url, audience=AUDIENCE, jwks_url=None if discover else self.jwks_url, **changes)


DROP: Any = object()
"""A claim value meaning: leave this claim out."""


class FakeClock:
    """The verifier's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http_client(issuer: Issuer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=issuer.app)) as client:
        yield client


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def loopback_issuer() -> Iterator[Issuer]:
    """The fake issuer on a real loopback port, served by uvicorn in a thread."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    issuer = Issuer(url=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(issuer.app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the loopback issuer did not start")
        time.sleep(0.01)
    try:
        yield issuer
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    sock = _free_socket()
    port: int = sock.getsockname()[1]
    sock.close()
    return port
