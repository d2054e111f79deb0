"""Throughput: N concurrent MCP clients, each with its own `ledgerbee-mcp` over stdio, against one sandbox.

Each client runs K chains of create_quote -> send_quote (Manual; the confirmation is asked by elicitation and
accepted, as a person would in the client) -> convert_quote (to an order confirmation). The servers are
started and connected before the clock starts, so the figure is chains per second of work, not of spawning.
Afterwards every quote and order confirmation is read back from the sandbox: no number may repeat, no quote
may have been converted twice, and every chain's order confirmation must point back at its quote.

    uv run python -m benchmarks.throughput [--quick] [--clients 1 2 4] [--chains K]

Target: every chain completes and no number is duplicated. This prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from mcp import Client
from mcp_types import ElicitRequestParams, ElicitResult

from benchmarks._documents import direct_client, ledgerbee_env
from benchmarks._processes import ledgerbee_params, sandbox_server
from benchmarks._stats import Row, Section, fmt_ms, median, p90, print_section
from ledgerbee_mcp.sandbox.seed import CUSTOMER_FJORD_ID, PRICE_SUBSCRIPTION_ID, PRICE_WORKSHOP_ID

__all__ = ["main", "run"]

FULL_CLIENTS = (1, 2, 4)
QUICK_CLIENTS = (1, 2)
FULL_CHAINS = 20
QUICK_CHAINS = 3


async def _accept(context: Any, params: ElicitRequestParams) -> ElicitResult:
    return ElicitResult(action="accept", content={"confirm": True})


@dataclass
class Round:
    clients: int
    seconds: float = 0.0
    chain_ms: list[float] = field(default_factory=list[float])
    pairs: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    """(quote id, order confirmation id) of each completed chain."""
    failures: list[str] = field(default_factory=list[str])

    @property
    def rate(self) -> float:
        return len(self.pairs) / self.seconds if self.seconds else 0.0


async def _call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        text = " ".join(getattr(c, "text", "") for c in result.content)
        raise RuntimeError(f"{tool}: {text[:300]}")
    return dict(result.structured_content or {})


async def _chain(client: Client, n: int) -> tuple[str, str]:
    created = await _call(
        client,
        "create_quote",
        {
            "customer_id": CUSTOMER_FJORD_ID,
            "lines": [{"price_id": PRICE_WORKSHOP_ID, "quantity": 1 + n % 3}, {"price_id": PRICE_SUBSCRIPTION_ID}],
            "reference": f"PO-{n}",
        },
    )
    quote_id = str(created["id"])
    sent = await _call(client, "send_quote", {"quote_id": quote_id, "delivery_type": "Manual"})
    if sent.get("outcome") != "done":
        raise RuntimeError(f"send_quote: {sent.get('outcome')}: {sent.get('message')}")
    converted = await _call(client, "convert_quote", {"quote_id": quote_id, "target": "orderConfirmation"})
    if converted.get("outcome") != "done" or not converted.get("produced_document_id"):
        raise RuntimeError(f"convert_quote: {converted.get('outcome')}: {converted.get('message')}")
    return quote_id, str(converted["produced_document_id"])


async def _worker(client: Client, first: int, chains: int, into: Round) -> None:
    for n in range(first, first + chains):
        t0 = time.perf_counter()
        try:
            pair = await _chain(client, n)
        except Exception as error:
            # A failed chain is a result to report, not a reason to stop the others.
            into.failures.append(f"{type(error).__name__}: {error}")
            continue
        into.chain_ms.append((time.perf_counter() - t0) * 1000)
        into.pairs.append(pair)


async def _round(url: str, state: str, clients: int, chains: int, first: int) -> Round:
    params = ledgerbee_params(ledgerbee_env(url, state, LEDGERBEE_CONFIRM="elicit"))
    result = Round(clients)
    async with AsyncExitStack() as stack:
        connected = [
            await stack.enter_async_context(Client(params, elicitation_callback=_accept, cache=None))
            for _ in range(clients)
        ]
        # One read each first: the servers' lazy imports and HTTP connections are not what is measured.
        for client in connected:
            await _call(client, "list_products", {})
        t0 = time.perf_counter()
        await asyncio.gather(
            *(_worker(client, first + i * chains, chains, result) for i, client in enumerate(connected))
        )
        result.seconds = time.perf_counter() - t0
    return result


@dataclass(frozen=True)
class Audit:
    quotes: int
    numbered_quotes: int
    order_confirmations: int
    duplicates: list[str]
    """Human-readable findings; empty when every number and link is unique and right."""


async def _audit(url: str, rounds: Sequence[Round]) -> Audit:
    async with direct_client(url) as client:
        quotes = [q async for q in client.quotes.iter(max_items=1_000_000)]
        ocs = [o async for o in client.order_confirmations.iter(max_items=1_000_000)]
    findings: list[str] = []
    for kind, numbers in (
        ("quote number", [q.document_number for q in quotes if q.document_number]),
        ("order confirmation number", [o.document_number for o in ocs if o.document_number]),
        ("order confirmation id", [o.id for o in ocs]),
        ("quote converted more than once", [o.source_document_id for o in ocs if o.source_document_id]),
    ):
        findings += [f"{kind} {value!r} x{count}" for value, count in Counter(numbers).items() if count > 1]
    source_of = {o.id: o.source_document_id for o in ocs}
    for r in rounds:
        for quote_id, oc_id in r.pairs:
            if source_of.get(oc_id) != quote_id:
                findings.append(f"order confirmation {oc_id} does not point back at quote {quote_id}")
    return Audit(len(quotes), sum(1 for q in quotes if q.document_number), len(ocs), findings)


async def _measure(clients: Sequence[int], chains: int) -> tuple[list[Round], Audit]:
    with sandbox_server() as url, tempfile.TemporaryDirectory(prefix="ledgerbee-bench-") as state:
        rounds: list[Round] = []
        first = 0
        for n in clients:
            rounds.append(await _round(url, state, n, chains, first))
            first += n * chains
        return rounds, await _audit(url, rounds)


def run(quick: bool = False, clients: Sequence[int] | None = None, chains: int | None = None) -> Section:
    clients = list(clients or (QUICK_CLIENTS if quick else FULL_CLIENTS))
    chains = chains or (QUICK_CHAINS if quick else FULL_CHAINS)
    rounds, audit = asyncio.run(_measure(clients, chains))
    single = rounds[0]
    lines = [
        f"create_quote -> send_quote (Manual, elicitation accepted) -> convert_quote, {chains} chains per client,",
        "one ledgerbee-mcp process per client, one sandbox over HTTP:",
        f"  {'clients':>7} {'chains':>7} {'failed':>7} {'seconds':>8} {'chains/s':>9}"
        f" {'chain p50':>10} {'chain p90':>10}",
    ]
    for r in rounds:
        p50_text = fmt_ms(median(r.chain_ms)) if r.chain_ms else "-"
        p90_text = fmt_ms(p90(r.chain_ms)) if r.chain_ms else "-"
        lines.append(
            f"  {r.clients:>7} {len(r.pairs):>7} {len(r.failures):>7} {r.seconds:>8.2f} {r.rate:>9.2f}"
            f" {p50_text:>10} {p90_text:>10}"
        )
    lines += [
        "",
        f"Read back: {audit.quotes} quotes ({audit.numbered_quotes} numbered), "
        f"{audit.order_confirmations} order confirmations; duplicates: {len(audit.duplicates)}",
    ]
    lines += [f"  {finding}" for finding in audit.duplicates[:20]]
    for r in rounds:
        lines += [f"  failed chain ({r.clients} clients): {failure}" for failure in r.failures[:5]]

    rows: list[Row] = []
    for r in rounds:
        rows.append(
            Row(
                f"throughput: {r.clients} client(s) x {chains} chains",
                f"{r.rate:.2f} chains/s",
                "-" if r is single else f"{single.rate:.2f} chains/s (1 client)",
                "-" if r is single or not single.rate else f"x{r.rate / single.rate:.2f}",
                "all chains complete",
                not r.failures,
            )
        )
    rows.append(
        Row(
            "throughput: duplicate numbers",
            f"{len(audit.duplicates)}",
            f"{audit.numbered_quotes} quote numbers",
            "-",
            "0",
            not audit.duplicates,
        )
    )
    notes: list[str] = []
    failed = sum(len(r.failures) for r in rounds)
    if failed:
        notes.append(f"{failed} chain(s) failed; the first: {next(f for r in rounds for f in r.failures)}")
    if audit.duplicates:
        notes.append(f"Duplicates or broken links after the concurrent chains: {'; '.join(audit.duplicates[:5])}")
    return Section("Throughput", rows, "\n".join(lines), notes)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.throughput",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help=f"clients {QUICK_CLIENTS}, {QUICK_CHAINS} chains each")
    parser.add_argument("--clients", type=int, nargs="+", default=None, help="concurrent clients per round")
    parser.add_argument("--chains", type=int, default=None, help="chains per client")
    args = parser.parse_args(argv)
    section = run(quick=args.quick, clients=args.clients, chains=args.chains)
    print_section(section)


if __name__ == "__main__":
    main()
