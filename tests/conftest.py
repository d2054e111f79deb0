from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_backoff_sleep() -> Iterator[None]:
    # stamina's test mode turns every backoff (Retry-After included) into 0 s; cap=True keeps the client's own
    # read_attempts as the attempt limit, so the number of attempts a fault costs under test is the real one.
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield
