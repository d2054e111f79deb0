"""`python -m benchmarks`: every benchmark in one run, one summary table, and benchmarks/RESULTS.md.

    uv run python -m benchmarks                 # full settings (a few minutes on 2 cores)
    uv run python -m benchmarks --quick         # fewer repeats (about a minute)
    uv run python -m benchmarks --only cold_start per_call

RESULTS.md is rewritten after a run of every benchmark; a run of a subset writes only where --output says,
so a partial run never replaces the full record. Nothing here asserts a timing: targets are reported as met
or not.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import cold_start, context_cost, http, per_call, sandbox_scale, throughput
from benchmarks._machine import describe_machine, load_average
from benchmarks._stats import Row, Section, markdown_table, text_table

# Cold start first: it is the most sensitive to leftovers of the others (page cache aside, nothing else of
# ours runs while it does).
BENCHMARKS: dict[str, tuple[str, Callable[[bool], Section]]] = {
    "cold_start": ("Cold start", lambda quick: cold_start.run(quick=quick)),
    "per_call": ("Per-call overhead", lambda quick: per_call.run(quick=quick)),
    "context_cost": ("Context cost", lambda quick: context_cost.run(quick=quick)),
    "sandbox_scale": ("Sandbox scale", lambda quick: sandbox_scale.run(quick=quick)),
    "throughput": ("Throughput", lambda quick: throughput.run(quick=quick)),
    "http": ("Remote server (HTTP)", lambda quick: http.run(quick=quick)),
}
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "RESULTS.md"


def _run_one(name: str, quick: bool) -> tuple[Section, float]:
    title, run = BENCHMARKS[name]
    started = time.perf_counter()
    try:
        section = run(quick)
    except Exception as error:
        # One broken benchmark (say, a server mid-edit) must not cost the figures of the others.
        traceback.print_exc(file=sys.stderr)
        reason = f"{type(error).__name__}: {error}".splitlines()[0][:200]
        section = Section(
            title,
            [Row(f"{title.lower()}: failed", "-", "-", "-", "-", None)],
            f"failed: {reason}",
            [f"{title} could not be measured: {reason}"],
        )
    return section, time.perf_counter() - started


def _markdown(sections: Sequence[tuple[Section, float]], quick: bool, machine: list[tuple[str, str]]) -> str:
    rows = [row for section, _ in sections for row in section.rows]
    notes = [note for section, _ in sections for note in section.notes]
    settings = "quick settings: fewer repeats" if quick else "full settings"
    out = [
        "# Benchmark results",
        "",
        f"Written by `uv run python -m benchmarks{' --quick' if quick else ''}` ({settings}). Every figure is",
        "measured side by side with its baseline in the same run, with runs interleaved; the machine is shared",
        "and noisy, so read medians and ratios, never one absolute time. Re-run to compare.",
        "",
        "## Machine",
        "",
    ]
    out += [f"- {label}: {value}" for label, value in machine]
    out += ["", "## Summary", "", markdown_table(rows), ""]
    out += ["## Notes on targets not met", ""]
    out += [f"- {note}" for note in notes] if notes else ["- Every target was met in this run."]
    out += ["", "## Details", ""]
    for section, seconds in sections:
        out += [f"### {section.title}", "", f"({seconds:.0f} s)", "", "```text", section.details, "```", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller rounds")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these benchmarks")
    parser.add_argument(
        "--output", type=Path, default=None, help=f"where to write the results (default {DEFAULT_OUTPUT.name})"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    names: list[str] = args.only or list(BENCHMARKS)
    names = [n for n in BENCHMARKS if n in names]

    # Taken before the first benchmark: the load average it records is the one the run started under.
    machine = describe_machine()
    print("Machine:")
    for label, value in machine:
        print(f"  {label}: {value}")
    sections: list[tuple[Section, float]] = []
    for name in names:
        print(f"\n== {BENCHMARKS[name][0]} ==", flush=True)
        section, seconds = _run_one(name, args.quick)
        sections.append((section, seconds))
        print(section.details)
        print(f"({seconds:.0f} s)", flush=True)

    machine.append(("load average at the end", load_average()))
    rows = [row for section, _ in sections for row in section.rows]
    print("\n== Summary ==\n")
    print(text_table(rows))
    for section, _ in sections:
        for note in section.notes:
            print(f"\nnote: {note}")

    output: Path | None = args.output
    if output is None and len(names) == len(BENCHMARKS):
        output = DEFAULT_OUTPUT
    if output is not None and not args.no_write:
        output.write_text(_markdown(sections, args.quick, machine) + "\n", encoding="utf-8")
        print(f"\nWritten: {output.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
