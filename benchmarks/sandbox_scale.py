"""How one quote list page scales with the number of documents in the sandbox.

Measures the median (p50) time of `GET /v1/quotes?status=expired&sortBy=amount&sortOrder=DESC` (the first
page, default limit) against the in-process sandbox app at 1,000, 10,000 and 100,000 quotes, and prints the
ratio of the largest to the smallest. All sizes are loaded first and then timed in rotating turns, so the
noise of a busy machine falls on every size alike. The derived `expired` status and the amount order are the expensive
combination: `expired` depends on the sandbox clock, so no stored column holds it.

    uv run python -m benchmarks.sandbox_scale [--quick] [--sizes 1000 10000 100000] [--repeat 50] [--on-disk]

Target: a 100k/1k ratio of at most 2. This prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks._stats import Row, Section, fmt_ms, text_table
from ledgerbee_mcp.sandbox import FULL_KEY, create_app
from ledgerbee_mcp.sandbox.bulk import bulk_insert_documents

__all__ = ["Measurement", "main", "run"]

# A fixed "today", set on the sandbox clock and used to date the synthetic quotes, so the share of expired
# quotes (about a third of the sent ones) does not depend on when the benchmark runs.
TODAY = dt.date(2026, 6, 1)
QUERY = {"status": "expired", "sortBy": "amount", "sortOrder": "DESC"}
TARGET_RATIO = 2.0
SIZES = (1_000, 10_000, 100_000)
FULL_REPEAT = 100
QUICK_REPEAT = 30
_WARMUP = 5


@dataclass(frozen=True)
class Measurement:
    documents: int
    matching: int  # `total` of the answer: how many quotes are expired
    load_seconds: float
    median_ms: float
    p90_ms: float


@dataclass
class _Sandbox:
    documents: int
    client: httpx.AsyncClient
    load_seconds: float
    matching: int
    timings: list[float]


async def _load(documents: int, db: str, stack: AsyncExitStack) -> _Sandbox:
    """A fresh sandbox at `db` holding `documents` quotes, its clock set, warmed up."""
    app = create_app(db)
    started = time.perf_counter()
    bulk_insert_documents(app, documents, today=TODAY, kind="quote")
    load_seconds = time.perf_counter() - started
    client = await stack.enter_async_context(
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
        )
    )
    clock = await client.put("/_sandbox/clock", json={"today": TODAY.isoformat()})
    clock.raise_for_status()
    matching = 0
    for _ in range(_WARMUP):
        warm = await client.get("/v1/quotes", params=QUERY)
        warm.raise_for_status()
        matching = int(warm.json()["total"])
        if not warm.json()["data"]:
            raise RuntimeError("no expired quotes: the benchmark would time an empty page")
    return _Sandbox(documents, client, load_seconds, matching, [])


async def _run(sizes: Sequence[int], repeat: int, on_disk: bool) -> list[Measurement]:
    """Load every size first, then time the sizes in rotating turns, so machine noise hits them alike."""
    async with AsyncExitStack() as stack:
        sandboxes: list[_Sandbox] = []
        for size in sizes:
            db = ":memory:"
            if on_disk:
                # A file database is what `ledgerbee-mcp sandbox` serves; memory isolates the query cost.
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="ledgerbee-bench-"))
                db = str(Path(tmp) / "sandbox.sqlite3")
            sandboxes.append(await _load(size, db, stack))
        for turn in range(repeat):
            shift = turn % len(sandboxes)
            for sandbox in sandboxes[shift:] + sandboxes[:shift]:
                t0 = time.perf_counter()
                response = await sandbox.client.get("/v1/quotes", params=QUERY)
                sandbox.timings.append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
    return [
        Measurement(s.documents, s.matching, s.load_seconds, statistics.median(s.timings), _p90(s.timings))
        for s in sandboxes
    ]


def _p90(timings: Sequence[float]) -> float:
    return statistics.quantiles(timings, n=10)[-1] if len(timings) >= 2 else timings[0]


def _report(results: Sequence[Measurement]) -> str:
    query = "&".join(f"{k}={v}" for k, v in QUERY.items())
    rows = [
        f"GET /v1/quotes?{query}  (first page, limit 25; today = {TODAY.isoformat()})",
        "",
        f"{'documents':>10}  {'expired':>8}  {'load s':>7}  {'p50 ms':>8}  {'p90 ms':>8}",
    ]
    rows += [
        f"{m.documents:>10,}  {m.matching:>8,}  {m.load_seconds:>7.2f}  {m.median_ms:>8.2f}  {m.p90_ms:>8.2f}"
        for m in results
    ]
    if len(results) >= 2:
        small, large = results[0], results[-1]
        ratio = large.median_ms / small.median_ms
        verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
        rows += [
            "",
            f"p50 ratio {large.documents:,} / {small.documents:,}: {ratio:.2f}"
            f"  ({verdict} the target of {TARGET_RATIO:g})",
        ]
    return "\n".join(rows)


def run(quick: bool = False, sizes: Sequence[int] = SIZES, repeat: int | None = None, on_disk: bool = False) -> Section:
    """The suite's entry: quick settings time fewer requests, at the same sizes (the ratio is the point)."""
    repeat = repeat or (QUICK_REPEAT if quick else FULL_REPEAT)
    results = asyncio.run(_run(sorted(sizes), repeat, on_disk))
    rows: list[Row] = []
    small, large = results[0], results[-1]
    if len(results) >= 2:
        ratio = large.median_ms / small.median_ms
        rows.append(
            Row(
                f"sandbox scale: list page p50 at {large.documents:,} docs",
                fmt_ms(large.median_ms),
                f"{fmt_ms(small.median_ms)} at {small.documents:,}",
                f"x{ratio:.2f}",
                f"ratio <= {TARGET_RATIO:g}",
                ratio <= TARGET_RATIO,
            )
        )
    notes: list[str] = []
    if rows and not rows[0].met:
        notes.append(
            f"The list page slows with the sandbox's size (x{large.median_ms / small.median_ms:.2f} from "
            f"{small.documents:,} to {large.documents:,} quotes; target {TARGET_RATIO:g}). The place to look is the "
            "plan of the list query (derived `expired` filter plus amount order, and the count behind `total`) at "
            "the largest size; as each request takes a few ms, re-run first to rule out noise."
        )
    details = f"{repeat} timed requests per size, {'SQLite file' if on_disk else 'in-memory SQLite'}:\n" + _report(
        results
    )
    return Section("Sandbox scale", rows, details, notes)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sandbox_scale", description="Time one quote list page at growing sandbox sizes."
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_REPEAT} timed requests per size")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="document counts")
    parser.add_argument("--repeat", type=int, default=None, help=f"timed requests per size (default {FULL_REPEAT})")
    parser.add_argument("--on-disk", action="store_true", help="use a temporary SQLite file instead of memory")
    args = parser.parse_args(argv)
    if min(args.sizes) < 1 or (args.repeat is not None and args.repeat < 1):
        parser.error("sizes and --repeat must be positive")
    section = run(quick=args.quick, sizes=args.sizes, repeat=args.repeat, on_disk=args.on_disk)
    print(section.details)
    if section.rows:
        print()
        print(text_table(section.rows))


if __name__ == "__main__":
    main()
