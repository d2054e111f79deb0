"""`RedisLocks` against a real redis-server: one holder at a time within a process and across processes, a killed
holder's lock expires, fencing numbers only grow, a lost lock is reported, release and cancellation leave nobody
else's lock touched and no lock behind."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from ledgerbee_mcp.server.shared import Fence, LockLost, LockUnavailable, RedisLocks

from .conftest import connected

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[2]

# A tiny holder run as a separate process: `loop` takes the lock `rounds` times after a two-process barrier and
# prints the intervals it held it; `hold` takes it once, says so, and holds it until killed.
HOLDER = """
import asyncio, json, sys, time
from ledgerbee_mcp.server.shared import RedisLocks, open_redis

async def main(url, prefix, document, mode, rounds, ttl):
    client = open_redis(url)
    locks = RedisLocks(client, prefix=prefix, ttl_seconds=ttl, acquire_timeout_seconds=20)
    if mode == "hold":
        async with locks.locked(document) as fence:
            print(json.dumps({"fence": fence.number}), flush=True)
            await asyncio.sleep(3600)
    await client.incr(prefix + "ready")
    while int(await client.get(prefix + "ready") or 0) < 2:
        await asyncio.sleep(0.002)
    held = []
    for _ in range(rounds):
        async with locks.locked(document) as fence:
            start = time.monotonic()
            inside = await client.incr(prefix + "inside")
            await asyncio.sleep(0.001)
            await client.decr(prefix + "inside")
            held.append([start, time.monotonic(), fence.number, inside])
    print(json.dumps(held), flush=True)
    await client.aclose()

url, prefix, document, mode, rounds, ttl = sys.argv[1:]
asyncio.run(main(url, prefix, document, mode, int(rounds), float(ttl)))
"""


def _holder_command(url: str, prefix: str, mode: str, *, rounds: int = 0, ttl: float = 5.0) -> list[str]:
    return [sys.executable, "-c", HOLDER, url, prefix, "Q-1", mode, str(rounds), str(ttl)]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _assert_disjoint(intervals: list[list[float]]) -> None:
    ordered = sorted(intervals, key=lambda row: row[0])
    for before, after in itertools.pairwise(ordered):
        assert before[1] <= after[0], f"{before} overlaps {after}"
    fences = [int(row[2]) for row in ordered]
    assert fences == sorted(set(fences)), "fencing numbers must strictly increase in the order the lock was held"


async def test_two_holders_in_one_process_never_overlap(redis_server: str, prefix: str) -> None:
    held: list[list[float]] = []
    inside = 0

    async with connected(redis_server) as client:
        locks = RedisLocks(client, prefix=prefix, ttl_seconds=5, acquire_timeout_seconds=10, retry_min_seconds=0.001)

        async def worker() -> None:
            nonlocal inside
            for _ in range(25):
                async with locks.locked("Q-1") as fence:
                    inside += 1
                    start = time.monotonic()
                    assert inside == 1
                    await anyio.sleep(0.001)
                    held.append([start, time.monotonic(), fence.number])
                    inside -= 1

        async with anyio.create_task_group() as group:
            group.start_soon(worker)
            group.start_soon(worker)
        assert not await locks.is_held("Q-1")
    assert len(held) == 50
    _assert_disjoint(held)


def test_two_holders_in_separate_processes_never_overlap(redis_server: str, prefix: str) -> None:
    command = _holder_command(redis_server, prefix, "loop", rounds=25)
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_environment(), text=True)  # noqa: S603
        for _ in range(2)
    ]
    rows: list[list[float]] = []
    for process in processes:
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        rows.extend(json.loads(out))
    assert len(rows) == 50
    assert all(row[3] == 1 for row in rows), "two holders were inside at once"
    _assert_disjoint(rows)


async def test_a_killed_holder_blocks_others_no_longer_than_the_ttl(redis_server: str, prefix: str) -> None:
    ttl = 1.0
    command = _holder_command(redis_server, prefix, "hold", ttl=ttl)
    async with connected(redis_server) as client, await anyio.open_process(command, env=_environment()) as process:
        assert process.stdout is not None
        try:
            with anyio.fail_after(15):
                first = json.loads((await process.stdout.receive()).decode())
            locks = RedisLocks(client, prefix=prefix, ttl_seconds=ttl, acquire_timeout_seconds=1.2 * ttl)
            # While the holder lives it renews: waiting longer than the ttl does not get the lock.
            with pytest.raises(LockUnavailable, match="another call"):
                async with locks.locked("Q-1"):
                    pass
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        waiter = RedisLocks(client, prefix=prefix, ttl_seconds=ttl, acquire_timeout_seconds=10)
        started = time.monotonic()
        async with waiter.locked("Q-1") as fence:
            waited = time.monotonic() - started
            await fence.check()
        assert fence.number > first["fence"]
        assert waited < 10


async def test_fencing_numbers_strictly_increase(redis_server: str, prefix: str) -> None:
    async with connected(redis_server) as client:
        locks = RedisLocks(client, prefix=prefix)
        other = RedisLocks(client, prefix=prefix)  # another replica, same Redis and prefix
        numbers: list[int] = []
        for round_ in range(6):
            async with (locks if round_ % 2 else other).locked("Q-1") as fence:
                numbers.append(fence.number)
        async with locks.locked("Q-2") as elsewhere:
            assert elsewhere.number == 1  # each document counts its own acquisitions
    assert numbers == sorted(set(numbers))
    assert len(numbers) == 6


async def test_a_long_holder_keeps_its_lock_past_the_ttl(redis_server: str, prefix: str) -> None:
    async with connected(redis_server) as client:
        locks = RedisLocks(client, prefix=prefix, ttl_seconds=0.3, acquire_timeout_seconds=0.2)
        async with locks.locked("Q-1") as fence:
            await anyio.sleep(0.8)
            await fence.check()
            assert fence.lost is None
            with pytest.raises(LockUnavailable):
                async with locks.locked("Q-1"):
                    pass


@pytest.mark.parametrize("behind_its_back", ["deleted", "overwritten"])
async def test_check_raises_lock_lost_when_the_key_changed_behind_the_holder(
    redis_server: str, prefix: str, behind_its_back: str
) -> None:
    async with connected(redis_server) as client:
        locks = RedisLocks(client, prefix=prefix, ttl_seconds=5)
        async with locks.locked("Q-1") as fence:
            await fence.check()
            if behind_its_back == "deleted":
                await client.delete(locks.lock_key("Q-1"))
            else:
                await client.set(locks.lock_key("Q-1"), "someone-else")
            with pytest.raises(LockLost, match="Q-1"):
                await fence.check()
            assert fence.lost is not None
            with pytest.raises(LockLost):  # stays lost
                await fence.check()
        if behind_its_back == "overwritten":
            # Release never deletes someone else's lock.
            assert await client.get(locks.lock_key("Q-1")) == b"someone-else"


async def test_the_renewal_notices_a_lost_lock_without_a_check(redis_server: str, prefix: str) -> None:
    async with connected(redis_server) as client:
        locks = RedisLocks(client, prefix=prefix, ttl_seconds=0.3)
        async with locks.locked("Q-1") as fence:
            await client.set(locks.lock_key("Q-1"), "someone-else")
            with anyio.fail_after(2):
                while fence.lost is None:  # noqa: ASYNC110 -- the renewal task sets a flag, not an event
                    await anyio.sleep(0.02)
            with pytest.raises(LockLost):
                await fence.check()


async def test_an_old_holder_leaving_never_deletes_the_new_holders_lock(redis_server: str, prefix: str) -> None:
    async with connected(redis_server) as client:
        locks = RedisLocks(client, prefix=prefix, ttl_seconds=5, acquire_timeout_seconds=1)
        old_entered, old_may_leave, old_left = anyio.Event(), anyio.Event(), anyio.Event()

        async def old_holder() -> None:
            async with locks.locked("Q-1"):
                old_entered.set()
                await old_may_leave.wait()
            old_left.set()

        async with anyio.create_task_group() as group:
            group.start_soon(old_holder)
            await old_entered.wait()
            await client.delete(locks.lock_key("Q-1"))  # as if it had expired while its holder was stopped
            async with locks.locked("Q-1") as new:
                assert new.number > 1
                old_may_leave.set()
                await old_left.wait()
                assert await locks.is_held("Q-1")
                await new.check()
        assert not await locks.is_held("Q-1")


async def test_cancelling_a_waiter_leaves_no_lock_behind(redis_server: str, prefix: str) -> None:
    async with connected(redis_server) as client:
        locks = RedisLocks(client, prefix=prefix, ttl_seconds=5, acquire_timeout_seconds=10)
        entered: list[Fence] = []

        async def waiter() -> None:
            async with locks.locked("Q-1") as fence:
                entered.append(fence)

        async with locks.locked("Q-1"):
            with anyio.move_on_after(0.2):
                await waiter()
        assert entered == []
        assert not await locks.is_held("Q-1")
        quick = RedisLocks(client, prefix=prefix, ttl_seconds=5, acquire_timeout_seconds=0.1)
        async with quick.locked("Q-1") as fence:
            await fence.check()


async def test_cancelling_at_any_moment_leaves_no_lock_behind(redis_server: str, prefix: str) -> None:
    rng = random.Random(7)  # noqa: S311 -- cancellation moments, not secrets
    async with connected(redis_server) as client:
        locks = RedisLocks(client, prefix=prefix, ttl_seconds=5, acquire_timeout_seconds=1)

        async def hold_forever() -> None:
            async with locks.locked("Q-1"):
                await anyio.sleep_forever()

        for _ in range(40):
            with anyio.move_on_after(rng.uniform(0, 0.004)):
                await hold_forever()
            assert not await locks.is_held("Q-1")


async def test_an_unreachable_redis_refuses_the_lock(unreachable_url: str, prefix: str) -> None:
    async with connected(unreachable_url, timeout_seconds=0.5) as client:
        locks = RedisLocks(client, prefix=prefix)
        with pytest.raises(LockUnavailable, match="Redis did not answer"):
            async with locks.locked("Q-1"):
                pytest.fail("acted without the lock")
