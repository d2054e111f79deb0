from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina
from starlette.applications import Starlette

from ledgerbee_mcp.sandbox import create_app


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_backoff_sleep() -> Iterator[None]:
    # stamina's test mode turns every backoff (Retry-After included) into 0 s; cap=True keeps the client's own
    # read_attempts as the attempt limit, so the number of attempts a fault costs under test is the real one.
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


@pytest.fixture(autouse=True)
def _no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test opens a real browser: in `auto` mode a client without elicitation gets the approval page, opened
    only where there is a display to open it on. The approval page's own tests inject their opener."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    # macOS and Windows always have a desktop: only the setting rules the browser out there.
    monkeypatch.setenv("LEDGERBEE_OPEN_BROWSER", "off")


@pytest.fixture
def sandbox_app() -> Starlette:
    """A fresh in-memory sandbox, seeded."""
    return create_app(":memory:")


@pytest.fixture
def audit_path(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"
