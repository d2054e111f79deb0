"""Medians, percentiles and the result rows every benchmark reports, as a text table and as Markdown."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Row", "Section", "fmt_ms", "markdown_table", "median", "p90", "print_section", "text_table", "verdict"]


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no samples")
    return statistics.median(values)


def p90(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no samples")
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def fmt_ms(value: float) -> str:
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


@dataclass(frozen=True)
class Row:
    """One line of the summary table: a figure, what it is compared with, and whether the target holds."""

    benchmark: str
    measured: str
    baseline: str
    comparison: str
    target: str
    met: bool | None
    """None when the row has no target of its own (context for another row) or could not be measured."""


@dataclass
class Section:
    """What one benchmark hands back: its summary rows and the detail the reader needs to judge them."""

    title: str
    rows: list[Row]
    details: str
    notes: list[str] = field(default_factory=list[str])
    """Short remarks on targets not met, or on what a figure does and does not include."""


def verdict(met: bool | None) -> str:
    if met is None:
        return "-"
    return "yes" if met else "NO"


_HEADERS = ("benchmark", "measured", "baseline", "ratio / diff", "target", "met?")


def _cells(row: Row) -> tuple[str, str, str, str, str, str]:
    return (row.benchmark, row.measured, row.baseline, row.comparison, row.target, verdict(row.met))


def text_table(rows: Sequence[Row]) -> str:
    cells = [_HEADERS, *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_HEADERS))]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip() for line in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    out = [line(_HEADERS), line(["---"] * len(_HEADERS))]
    out += [line(_cells(r)) for r in rows]
    return "\n".join(out)


def print_section(section: Section) -> None:
    """What a benchmark run on its own prints: its details, its table and its notes."""
    print(section.details, end="\n\n")
    print(text_table(section.rows))
    for note in section.notes:
        print(f"\nnote: {note}")
