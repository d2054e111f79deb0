"""Fixtures of the adversarial suites, and a guard that runs around every one of their tests: neither the API
key (the sandbox's, or a distinctive production-style one) nor the confirmation secret may show up in a tool
result, an elicitation, a log line of the server, the client or httpx, or the audit log."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from mcp.server import MCPServer
from starlette.applications import Starlette

from ledgerbee_mcp.config import Secret, Settings
from ledgerbee_mcp.server import build_server

from . import _support
from ._support import CONFIRM_SECRET, GATEWAY_URL, LIVE_KEY, SECRETS, FaultTransport

# Profiles are applied per test (`settings(FUZZ)`), never loaded globally, so other suites keep their own.
# HYPOTHESIS_PROFILE=long runs the input fuzzing ten times longer.
settings.register_profile(
    "adversarial",
    max_examples=25,
    deadline=None,
    database=None,  # nothing written outside the test tree; failures print their example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("long", parent=settings.get_profile("adversarial"), max_examples=250)
FUZZ = settings.get_profile("long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "adversarial")

_WATCHED_LOGGERS = ("ledgerbee_mcp", "httpx", "httpcore", "mcp", "stamina")


@pytest.fixture
def faults(sandbox_app: Starlette) -> FaultTransport:
    return FaultTransport(sandbox_app, keys={LIVE_KEY: "lb_sandbox_full"})


@pytest.fixture
def make_server(audit_path: Path, faults: FaultTransport) -> Callable[..., MCPServer]:
    """A server in sandbox mode behind the test's fault transport; keyword arguments override settings."""

    def make(**overrides: Any) -> MCPServer:
        options: dict[str, Any] = {"sandbox": True, "audit_log": audit_path, "confirm_secret": Secret(CONFIRM_SECRET)}
        return build_server(Settings(**(options | overrides)), transport=faults)

    return make


@pytest.fixture
def make_live_server(audit_path: Path, faults: FaultTransport) -> Callable[..., MCPServer]:
    """A server configured as in production (a real-looking key, a base URL, no sandbox flag), reaching the
    sandbox through the gateway mapping of the fault transport."""

    def make(*, transport: httpx.AsyncBaseTransport | None = None, **overrides: Any) -> MCPServer:
        options: dict[str, Any] = {
            "base_url": GATEWAY_URL,
            "api_key": Secret(LIVE_KEY),
            "audit_log": audit_path,
            "confirm_secret": Secret(CONFIRM_SECRET),
        }
        return build_server(Settings(**(options | overrides)), transport=transport or faults)

    return make


@pytest.fixture
def sandbox(sandbox_app: Starlette) -> httpx.AsyncClient:
    return _support.sandbox_http(sandbox_app)


def _formatted(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    return formatter.format(record) + repr(record.args) + repr(record.__dict__.get("extra", ""))


@pytest.fixture(autouse=True)
def _secrets_never_leak(caplog: pytest.LogCaptureFixture, audit_path: Path) -> Iterator[None]:
    _support.SEEN.clear()
    for name in _WATCHED_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = list(_support.SEEN)
    texts.extend(_formatted(record, formatter) for record in caplog.records)
    if audit_path.exists():
        texts.append(audit_path.read_text(encoding="utf-8"))
    leaks = [(secret, text[:300]) for text in texts for secret in SECRETS if secret in text]
    assert leaks == [], f"a secret leaked: {leaks}"
