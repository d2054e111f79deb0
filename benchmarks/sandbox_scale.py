"""How one quote list page scales with the number of documents in the sandbox.

Measures the median (p50) time of `GET /v1/quotes?status=expired&sortBy=amount&sortOrder=DESC` (the first
page, default limit) against the in-process sandbox app at 1,000, 10,000 and 100,000 quotes, and prints the
ratio of the largest to the smallest. The derived `expired` status and the amount order are the expensive
combination: `expired` depends on the sandbox clock, so no stored column holds it.

    uv run python -m benchmarks.sandbox_scale [--sizes 1000 10000 100000] [--repeat 50] [--on-disk]

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
from dataclasses import dataclass
from pathlib import Path

import httpx

from ledgerbee_mcp.sandbox import FULL_KEY, create_app
from ledgerbee_mcp.sandbox.bulk import bulk_insert_documents

__all__ = ["Measurement", "main", "measure"]

# A fixed "today", set on the sandbox clock and used to date the synthetic quotes, so the share of expired
# quotes (about a third of the sent ones) does not depend on when the benchmark runs.
TODAY = dt.date(2026, 6, 1)
QUERY = {"status": "expired", "sortBy": "amount", "sortOrder": "DESC"}
TARGET_RATIO = 2.0
_WARMUP = 5


@dataclass(frozen=True)
class Measurement:
    documents: int
    matching: int  # `total` of the answer: how many quotes are expired
    load_seconds: float
    median_ms: float
    p90_ms: float


async def measure(documents: int, repeat: int, db: str) -> Measurement:
    """Load `documents` quotes into a fresh sandbox at `db` and time `repeat` requests of the list page."""
    app = create_app(db)
    started = time.perf_counter()
    bulk_insert_documents(app, documents, today=TODAY, kind="quote")
    load_seconds = time.perf_counter() - started

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
    ) as client:
        clock = await client.put("/_sandbox/clock", json={"today": TODAY.isoformat()})
        clock.raise_for_status()
        matching = 0
        for _ in range(_WARMUP):
            warm = await client.get("/v1/quotes", params=QUERY)
            warm.raise_for_status()
            matching = int(warm.json()["total"])
            if not warm.json()["data"]:
                raise RuntimeError("no expired quotes: the benchmark would time an empty page")
        timings: list[float] = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = await client.get("/v1/quotes", params=QUERY)
            timings.append((time.perf_counter() - t0) * 1000)
            response.raise_for_status()
    p90 = statistics.quantiles(timings, n=10)[-1] if len(timings) >= 2 else timings[0]
    return Measurement(documents, matching, load_seconds, statistics.median(timings), p90)


async def _run(sizes: Sequence[int], repeat: int, on_disk: bool) -> list[Measurement]:
    results: list[Measurement] = []
    for size in sizes:
        if on_disk:
            # A file database is what `ledgerbee-mcp sandbox` serves; memory isolates the query cost.
            with tempfile.TemporaryDirectory(prefix="ledgerbee-bench-") as tmp:
                results.append(await measure(size, repeat, str(Path(tmp) / "sandbox.sqlite3")))
        else:
            results.append(await measure(size, repeat, ":memory:"))
    return results


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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sandbox_scale", description="Time one quote list page at growing sandbox sizes."
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="document counts")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per size (default 50)")
    parser.add_argument("--on-disk", action="store_true", help="use a temporary SQLite file instead of memory")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    if min(sizes) < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be positive")
    results = asyncio.run(_run(sizes, args.repeat, args.on_disk))
    print(_report(results))


if __name__ == "__main__":
    main()
