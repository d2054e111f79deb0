"""Cold start: spawn of the stdio server to the answer of `tools/list`, against a bare MCPServer started the same way.

Both are `python -m <module>` children spoken to in raw newline-delimited JSON-RPC (initialize,
notifications/initialized, tools/list), so the client side costs the same and next to nothing. Runs are
interleaved (bare, ours, ours --sandbox, rotated each round) so drift on a noisy machine hits all alike.

`ledgerbee-mcp` runs in its real-API mode with a dummy credential and an unreachable base URL (listing tools
calls no API); `--sandbox` mode is reported as an extra row. Then each is run once more under
`python -X importtime`, and the modules ours loads that the bare server does not are summed by package,
which is what deferring imports can win back.

    uv run python -m benchmarks.cold_start [--quick] [--runs N]

Target: median(ours) / median(bare) <= 1.15. This prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks._machine import REPO_ROOT
from benchmarks._processes import SERVER_ARGV, RawStdioSession, server_env
from benchmarks._stats import Row, Section, fmt_ms, median, p90, print_section

__all__ = ["ImportEntry", "main", "parse_importtime", "run"]

TARGET_RATIO = 1.15
FULL_RUNS = 20
QUICK_RUNS = 5


@dataclass(frozen=True)
class Variant:
    label: str
    argv: tuple[str, ...]
    env: Mapping[str, str]


def _variants(state: Path) -> tuple[Variant, Variant, Variant]:
    bare = Variant("bare MCPServer (1 tool)", (sys.executable, "-m", "benchmarks.bare_server"), server_env({}))
    ours = Variant(
        "ledgerbee-mcp (API mode)",
        SERVER_ARGV,
        server_env(
            {
                "LEDGERBEE_API_KEY": "benchmark-dummy-key",
                # Nothing listens on the discard port; listing tools must not need the API at all.
                "LEDGERBEE_BASE_URL": "http://127.0.0.1:9",
                "LEDGERBEE_STATE_DIR": str(state),
            }
        ),
    )
    sandbox = Variant(
        "ledgerbee-mcp --sandbox",
        (*SERVER_ARGV, "--sandbox"),
        server_env({"LEDGERBEE_STATE_DIR": str(state), "LEDGERBEE_SANDBOX_DB": str(state / "sandbox.sqlite3")}),
    )
    return bare, ours, sandbox


def _time_one(variant: Variant) -> float:
    """Milliseconds from the spawn to the last byte of the tools/list answer."""
    with RawStdioSession(variant.argv, variant.env) as session:
        session.initialize()
        reply = session.request("tools/list")
        if not reply.message.get("result", {}).get("tools"):
            raise RuntimeError(f"{variant.label}: tools/list came back empty")
        return (reply.received_at - session.started_at) * 1000


# --- phases inside the process ---------------------------------------------------------------------------------


def _phases(which: str, env: Mapping[str, str]) -> dict[str, float]:
    done = subprocess.run(  # noqa: S603 -- a fixed argv: this interpreter running a module of this package
        [sys.executable, "-m", "benchmarks._startup_phases", which],
        env=dict(env),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"startup phases of {which} failed: {done.stderr.strip()[-500:]}")
    values: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return values


def _phases_text(bare: Variant, ours: Variant, runs: int) -> str:
    samples: dict[str, dict[str, list[float]]] = {"bare": defaultdict(list), "ledgerbee": defaultdict(list)}
    for _ in range(runs):
        for which, variant in (("bare", bare), ("ledgerbee", ours)):
            for phase, value in _phases(which, variant.env).items():
                samples[which][phase].append(value)
    b = {k: median(v) for k, v in samples["bare"].items()}
    o = {k: median(v) for k, v in samples["ledgerbee"].items()}
    lines = [
        f"Where the difference comes from: two phases timed inside fresh interpreters (median of {runs} each,",
        "alternating, without importtime; a separate measurement, so it need not add up to the one above;",
        "mcp.server is imported first in both, so the bare server's import is 0 by construction):",
        f"  {'phase (ms)':<56} {'bare':>8} {'ledgerbee':>10} {'diff':>8}",
    ]
    for key, label in (
        ("import_ms", "import the server's modules (beyond mcp.server)"),
        ("build_ms", "build the server (register tools, resources, prompts)"),
        ("list_ms", "first list of tools, in process, as JSON"),
    ):
        lines.append(f"  {label:<56} {b[key]:>8.0f} {o[key]:>10.0f} {o[key] - b[key]:>+8.0f}")
    return "\n".join(lines)


# --- import-time breakdown -------------------------------------------------------------------------------------

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s*\|\s*(\d+)\s*\|( *)(\S+)\s*$")


@dataclass
class ImportEntry:
    name: str
    self_us: int
    cumulative_us: int
    level: int
    parent: int | None = None
    """Index of the module whose import triggered this one (None at the top)."""


def parse_importtime(text: str) -> list[ImportEntry]:
    """The `-X importtime` lines as a tree: a module's children are printed before it, one level deeper."""
    entries: list[ImportEntry] = []
    pending: list[int] = []
    for line in text.splitlines():
        match = _IMPORTTIME.match(line)
        if match is None:
            continue
        level = (len(match.group(3)) - 1) // 2
        index = len(entries)
        entries.append(ImportEntry(match.group(4), int(match.group(1)), int(match.group(2)), level))
        while pending and entries[pending[-1]].level > level:
            entries[pending.pop()].parent = index
        pending.append(index)
    return entries


def _importtime_of(variant: Variant) -> list[ImportEntry]:
    with tempfile.TemporaryFile() as err:
        argv = (variant.argv[0], "-X", "importtime", *variant.argv[1:])
        with RawStdioSession(argv, variant.env, stderr=err) as session:
            session.initialize()
            session.request("tools/list")
        err.seek(0)
        return parse_importtime(err.read().decode(errors="replace"))


def _group(module: str) -> str:
    parts = module.split(".")
    # Our own package is split one level further, so the breakdown points at a subpackage to change.
    return ".".join(parts[:2]) if parts[0] == "ledgerbee_mcp" else parts[0]


def _import_chain(entries: Sequence[ImportEntry], index: int) -> str:
    """How entries[index] got imported: from the nearest module of ours down to it, shortened in the middle."""
    chain = [entries[index].name]
    current = entries[index].parent
    while current is not None:
        chain.append(entries[current].name)
        if entries[current].name.startswith("ledgerbee_mcp"):
            break
        current = entries[current].parent
    chain.reverse()
    if len(chain) > 4:
        chain = [*chain[:2], "...", chain[-1]]
    path = " > ".join(chain)
    # A chain with no module of ours above it was imported by a call, not by an import statement.
    return path if chain[0].startswith("ledgerbee_mcp") else f"(at run time) {path}"


@dataclass(frozen=True)
class ImportBreakdown:
    runs: int
    ours_total_ms: float
    bare_total_ms: float
    extra_total_ms: float
    groups: list[tuple[str, int, float, str]]
    """(package, modules not loaded by the bare server, their summed self time in ms, import chain)."""
    heaviest_own: list[tuple[str, float]]
    """Our modules by cumulative import time, ms."""


def import_breakdown(bare: Variant, ours: Variant, runs: int) -> ImportBreakdown:
    bare_runs = [_importtime_of(bare) for _ in range(runs)]
    ours_runs = [_importtime_of(ours) for _ in range(runs)]
    bare_names = {e.name for run in bare_runs for e in run}

    group_ms: dict[str, list[float]] = defaultdict(list)
    own_cumulative: dict[str, list[float]] = defaultdict(list)
    extra_totals: list[float] = []
    for run in ours_runs:
        sums: dict[str, float] = defaultdict(float)
        for entry in run:
            if entry.name not in bare_names:
                sums[_group(entry.name)] += entry.self_us / 1000
            if entry.name.startswith("ledgerbee_mcp"):
                own_cumulative[entry.name].append(entry.cumulative_us / 1000)
        for name, value in sums.items():
            group_ms[name].append(value)
        extra_totals.append(sum(sums.values()))

    first = ours_runs[0]
    modules: dict[str, int] = defaultdict(int)
    origin: dict[str, str] = {}
    for index, entry in enumerate(first):
        if entry.name in bare_names:
            continue
        group = _group(entry.name)
        modules[group] += 1
        parent = entry.parent
        # The group's outermost module (its parent lies outside the group) says who pulled the package in.
        if parent is None or _group(first[parent].name) != group:
            origin.setdefault(group, _import_chain(first, index))
    groups = sorted(
        (
            (name, modules.get(name, 0), statistics.median(values), origin.get(name, "-"))
            for name, values in group_ms.items()
        ),
        key=lambda g: g[2],
        reverse=True,
    )
    heaviest = sorted(((n, statistics.median(v)) for n, v in own_cumulative.items()), key=lambda h: h[1], reverse=True)
    return ImportBreakdown(
        runs=runs,
        ours_total_ms=statistics.median(sum(e.self_us for e in run) / 1000 for run in ours_runs),
        bare_total_ms=statistics.median(sum(e.self_us for e in run) / 1000 for run in bare_runs),
        extra_total_ms=statistics.median(extra_totals),
        groups=groups,
        heaviest_own=heaviest,
    )


def _breakdown_text(b: ImportBreakdown, top: int = 15) -> str:
    lines = [
        f"Import time under -X importtime (median of {b.runs} run(s) each; importtime itself slows imports, so read",
        "these as shares, not as wall time):",
        f"  all modules, bare MCPServer:    {b.bare_total_ms:8.1f} ms",
        f"  all modules, ledgerbee-mcp:     {b.ours_total_ms:8.1f} ms",
        f"  modules the bare one never loads: {b.extra_total_ms:6.1f} ms",
        "",
        "Modules loaded only by ledgerbee-mcp, by package (summed self time):",
        f"  {'package':<32} {'modules':>7} {'self ms':>8}  imported via",
    ]
    lines += [f"  {name:<32} {count:>7} {ms:>8.1f}  {src}" for name, count, ms, src in b.groups[:top]]
    if len(b.groups) > top:
        rest = b.groups[top:]
        lines.append(
            f"  {'(' + str(len(rest)) + ' more)':<32} {sum(g[1] for g in rest):>7} {sum(g[2] for g in rest):>8.1f}"
        )
    lines += ["", "Our heaviest modules by cumulative import time (includes what they import):"]
    lines += [f"  {name:<48} {ms:>8.1f} ms" for name, ms in b.heaviest_own[:12]]
    return "\n".join(lines)


# --- the benchmark -----------------------------------------------------------------------------------------------


def _rotate(items: Sequence[Variant], by: int) -> Iterable[Variant]:
    shift = by % len(items)
    return [*items[shift:], *items[:shift]]


def run(quick: bool = False, runs: int | None = None) -> Section:
    runs = runs or (QUICK_RUNS if quick else FULL_RUNS)
    with tempfile.TemporaryDirectory(prefix="ledgerbee-bench-") as tmp:
        bare, ours, sandbox = variants = _variants(Path(tmp))
        # One unrecorded start each: bytecode caches written, the sandbox database created and seeded.
        for variant in variants:
            _time_one(variant)
        timings: dict[str, list[float]] = {v.label: [] for v in variants}
        paired: list[float] = []
        for round_ in range(runs):
            this_round: dict[str, float] = {}
            for variant in _rotate(variants, round_):
                this_round[variant.label] = _time_one(variant)
                timings[variant.label].append(this_round[variant.label])
            paired.append(this_round[ours.label] / this_round[bare.label])
        phases = _phases_text(bare, ours, 3 if quick else 7)
        breakdown = import_breakdown(bare, ours, 1 if quick else 3)

    base = median(timings[bare.label])
    rows = [
        Row(
            "cold start: ledgerbee-mcp -> tools/list",
            fmt_ms(median(timings[ours.label])),
            f"{fmt_ms(base)} (bare MCPServer)",
            f"x{median(timings[ours.label]) / base:.2f}",
            f"ratio <= {TARGET_RATIO:g}",
            median(timings[ours.label]) / base <= TARGET_RATIO,
        ),
        Row(
            "cold start: ledgerbee-mcp --sandbox -> tools/list",
            fmt_ms(median(timings[sandbox.label])),
            f"{fmt_ms(base)} (bare MCPServer)",
            f"x{median(timings[sandbox.label]) / base:.2f}",
            "(context only)",
            None,
        ),
    ]
    table = [
        f"Spawn -> tools/list answer, {runs} interleaved runs each (after one unrecorded start each):",
        f"  {'server':<28} {'median':>10} {'p90':>10} {'min':>10}",
    ]
    for variant in variants:
        values = timings[variant.label]
        table.append(
            f"  {variant.label:<28} {fmt_ms(median(values)):>10} {fmt_ms(p90(values)):>10} {fmt_ms(min(values)):>10}"
        )
    table.append(f"  median of the per-round ratios ledgerbee-mcp / bare: x{median(paired):.2f}")
    # The fastest run is the least disturbed by other load; its ratio is a cross-check of the medians'.
    fastest = min(timings[ours.label]) / min(timings[bare.label])
    table.append(f"  ratio of the fastest runs ledgerbee-mcp / bare:     x{fastest:.2f}")
    details = "\n".join(table) + "\n\n" + phases + "\n\n" + _breakdown_text(breakdown)
    notes: list[str] = []
    if not rows[0].met:
        top = ", ".join(f"{name} ({ms:.0f} ms)" for name, _, ms, _ in breakdown.groups[:5])
        notes.append(
            f"Cold start is x{median(timings[ours.label]) / base:.2f} the bare server's (target {TARGET_RATIO:g}): "
            f"it imports about {breakdown.extra_total_ms:.0f} ms (under importtime) of modules the bare server never "
            f"loads; the largest: {top}."
        )
    return Section("Cold start", rows, details, notes)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cold_start",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs each instead of {FULL_RUNS}")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per server")
    args = parser.parse_args(argv)
    section = run(quick=args.quick, runs=args.runs)
    print_section(section)


if __name__ == "__main__":
    main()
