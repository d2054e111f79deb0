from __future__ import annotations

import anyio
import pytest

from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.server.runtime import Runtime

pytestmark = pytest.mark.anyio


async def test_a_document_lock_serialises_and_is_dropped_when_free() -> None:
    rt = Runtime.from_settings(Settings(sandbox=True))
    order: list[str] = []

    async def act(name: str, document_id: str) -> None:
        async with rt.locked(document_id):
            order.append(f"{name} in")
            await anyio.sleep(0.01)
            order.append(f"{name} out")

    async with anyio.create_task_group() as tg:
        tg.start_soon(act, "a", "doc-1")
        tg.start_soon(act, "b", "doc-1")
        tg.start_soon(act, "c", "doc-2")
    # The two holders of doc-1 never overlap; doc-2 did not wait for them.
    one = [step for step in order if step[0] in "ab"]
    assert one in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    assert order.index("c in") < order.index(one[2])
    # Nothing is kept for documents nobody holds: a long-lived server does not grow a lock per document.
    assert rt._locks == {}  # pyright: ignore[reportPrivateUsage]  # the point of the test


async def test_a_lock_is_dropped_even_when_the_holder_fails() -> None:
    rt = Runtime.from_settings(Settings(sandbox=True))
    with pytest.raises(RuntimeError):
        async with rt.locked("doc-1"):
            raise RuntimeError("boom")
    assert rt._locks == {}  # pyright: ignore[reportPrivateUsage]  # the point of the test
