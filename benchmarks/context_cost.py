"""Context cost: what the tool list and a list page take out of an agent's context window.

Bytes are counted as they go over stdio: the answer's JSON-RPC line, compact JSON, UTF-8. Tokens are
estimated as bytes / 4 (a rule of thumb for English and JSON; a real tokenizer differs by model).

- `tools/list`: the whole answer, and each tool's share split into description, input schema, output schema
  and the rest (name, title, annotations...), so it shows what compacting would win; and how many `type` arrays
  (`["string", "null"]`) the schemas carry, which MCP Inspector counts as schema-portability warnings.
- `list_quotes` with limit 25 against a sandbox holding 30 quotes (half of them sent, so numbered): the whole
  tool result (text content plus structuredContent) per item, and each part per item.

    uv run python -m benchmarks.context_cost [--quick]

Targets: the whole tool list <= 24 KB (24,576 bytes); a list page <= 400 bytes per item.
This prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks._documents import FULL_KEY, create_quotes, direct_client, ledgerbee_env
from benchmarks._processes import SERVER_ARGV, RawStdioSession, sandbox_server, server_env
from benchmarks._stats import Row, Section, print_section

__all__ = ["main", "run"]

TARGET_TOOLS_BYTES = 24 * 1024
TARGET_ITEM_BYTES = 400
PAGE = 25
QUOTES = 30


def compact_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON, the way the server writes it."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def tokens(size: int) -> int:
    return round(size / 4)


@dataclass(frozen=True)
class ToolSize:
    name: str
    total: int
    description: int
    input_schema: int
    output_schema: int

    @property
    def rest(self) -> int:
        return self.total - self.description - self.input_schema - self.output_schema


def type_arrays(schema: Any) -> int:
    """How many `type` arrays a schema carries, at any depth (a property called "type" is counted only when its
    value is a list of strings, as a keyword's would be)."""
    if isinstance(schema, list):
        return sum(type_arrays(item) for item in schema)  # pyright: ignore[reportUnknownVariableType]
    if not isinstance(schema, dict):
        return 0
    kind = schema.get("type")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    own = int(isinstance(kind, list) and all(isinstance(t, str) for t in kind))  # pyright: ignore[reportUnknownVariableType]
    return own + sum(type_arrays(v) for v in schema.values())  # pyright: ignore[reportUnknownVariableType, reportUnknownMemberType]


def _tool_size(tool: Mapping[str, Any]) -> ToolSize:
    return ToolSize(
        name=str(tool.get("name")),
        total=compact_size(tool),
        description=compact_size(tool["description"]) if "description" in tool else 0,
        input_schema=compact_size(tool["inputSchema"]) if "inputSchema" in tool else 0,
        output_schema=compact_size(tool["outputSchema"]) if "outputSchema" in tool else 0,
    )


@dataclass(frozen=True)
class PageSize:
    items: int
    wire: int
    """The whole JSON-RPC answer line."""
    result: int
    """The CallToolResult: content plus structuredContent."""
    text: int
    """The text content blocks."""
    structured: int
    api_page: int
    """The sandbox API's own answer for the same page, for comparison."""


async def _seed(url: str) -> None:
    async with direct_client(url) as client:
        await create_quotes(client, QUOTES)


def _api_page_size(url: str) -> int:
    response = httpx.get(f"{url}/v1/quotes", params={"limit": PAGE}, headers={"x-api-key": FULL_KEY}, timeout=30)
    response.raise_for_status()
    return len(response.content)


def _measure() -> tuple[int, int, list[ToolSize], PageSize, int]:
    with sandbox_server() as url, tempfile.TemporaryDirectory(prefix="ledgerbee-bench-") as state:
        asyncio.run(_seed(url))
        with RawStdioSession(SERVER_ARGV, server_env(ledgerbee_env(url, state))) as session:
            session.initialize()
            listed = session.request("tools/list")
            called = session.request("tools/call", {"name": "list_quotes", "arguments": {"limit": PAGE}})
        tools: list[dict[str, Any]] = listed.message["result"]["tools"]
        result: dict[str, Any] = called.message["result"]
        if result.get("isError"):
            raise RuntimeError(f"list_quotes failed: {called.raw[:300]!r}")
        structured: dict[str, Any] = result.get("structuredContent") or {}
        listed_items: list[Any] = structured.get("items", [])
        items = len(listed_items)
        if items != PAGE:
            raise RuntimeError(f"list_quotes gave {items} items, expected {PAGE}")
        text = sum(compact_size(block) for block in result.get("content", []) if block.get("type") == "text")
        page = PageSize(
            items=items,
            wire=len(called.raw),
            result=compact_size(result),
            text=text,
            structured=compact_size(structured),
            api_page=_api_page_size(url),
        )
        arrays = sum(type_arrays(t.get("inputSchema")) + type_arrays(t.get("outputSchema")) for t in tools)
        return len(listed.raw), compact_size(listed.message["result"]), [_tool_size(t) for t in tools], page, arrays


def _details(wire: int, result: int, tools: Sequence[ToolSize], page: PageSize) -> str:
    lines = [
        f"tools/list: {len(tools)} tools, answer {wire:,} bytes on the wire (~{tokens(wire):,} tokens);",
        f"the result alone {result:,} bytes. Per tool, compact JSON (bytes):",
        f"  {'tool':<28} {'total':>7} {'~tokens':>8} {'descr.':>7} {'input':>7} {'output':>7} {'rest':>6}",
    ]
    for t in sorted(tools, key=lambda t: t.total, reverse=True):
        lines.append(
            f"  {t.name:<28} {t.total:>7,} {tokens(t.total):>8,} {t.description:>7,} {t.input_schema:>7,}"
            f" {t.output_schema:>7,} {t.rest:>6,}"
        )
    sums = ToolSize(
        "all tools",
        sum(t.total for t in tools),
        sum(t.description for t in tools),
        sum(t.input_schema for t in tools),
        sum(t.output_schema for t in tools),
    )
    lines.append(
        f"  {sums.name:<28} {sums.total:>7,} {tokens(sums.total):>8,} {sums.description:>7,}"
        f" {sums.input_schema:>7,} {sums.output_schema:>7,} {sums.rest:>6,}"
    )
    lines.append(
        f"  target {TARGET_TOOLS_BYTES:,} bytes for the whole answer: {wire - TARGET_TOOLS_BYTES:+,} bytes "
        f"({wire / TARGET_TOOLS_BYTES:.0%} of it); per part: descriptions {sums.description / sums.total:.0%}, "
        f"input schemas {sums.input_schema / sums.total:.0%}, output schemas {sums.output_schema / sums.total:.0%}, "
        f"the rest {sums.rest / sums.total:.0%}"
    )
    n = page.items
    lines += [
        "",
        f"list_quotes, a page of {n} (bytes; per item = / {n}):",
        f"  {'part':<40} {'bytes':>8} {'per item':>9} {'~tokens/item':>13}",
    ]
    for label, size in (
        ("whole answer on the wire", page.wire),
        ("CallToolResult (content + structured)", page.result),
        ("  text content", page.text),
        ("  structuredContent", page.structured),
        ("sandbox API page, same query (reference)", page.api_page),
    ):
        lines.append(f"  {label:<40} {size:>8,} {size / n:>9.0f} {size / n / 4:>13.0f}")
    return "\n".join(lines)


def run(quick: bool = False) -> Section:
    # Sizes do not vary between runs, so quick settings change nothing here.
    del quick
    wire, result, tools, page, arrays = _measure()
    per_item = page.result / page.items
    rows = [
        Row(
            "context: tools/list answer",
            f"{wire:,} B (~{tokens(wire):,} tok)",
            f"{len(tools)} tools",
            f"{wire / len(tools):,.0f} B/tool",
            f"<= {TARGET_TOOLS_BYTES:,} B",
            wire <= TARGET_TOOLS_BYTES,
        ),
        Row(
            "context: type arrays in tool schemas",
            f"{arrays}",
            "Inspector: 1 warning each",
            "",
            "0",
            arrays == 0,
        ),
        Row(
            f"context: list_quotes page of {page.items}, per item",
            f"{per_item:.0f} B (~{per_item / 4:.0f} tok)",
            f"{page.structured / page.items:.0f} B structured only",
            f"x{page.result / page.structured:.2f} whole / structured",
            f"<= {TARGET_ITEM_BYTES} B/item",
            per_item <= TARGET_ITEM_BYTES,
        ),
    ]
    tools_row, _, page_row = rows
    notes: list[str] = []
    if not tools_row.met:
        parts = {
            "input schemas": sum(t.input_schema for t in tools),
            "output schemas": sum(t.output_schema for t in tools),
            "descriptions": sum(t.description for t in tools),
        }
        biggest = max(parts, key=lambda k: parts[k])
        notes.append(
            f"tools/list is {wire:,} bytes (target {TARGET_TOOLS_BYTES:,}); the largest share is the {biggest} "
            f"({parts[biggest]:,} bytes over {len(tools)} tools)."
        )
    if not page_row.met:
        notes.append(
            f"A list page costs {per_item:.0f} bytes per item (target {TARGET_ITEM_BYTES}): the result carries the "
            f"page twice, as structuredContent ({page.structured / page.items:.0f} B/item) and as its JSON in a text "
            f"block ({page.text / page.items:.0f} B/item), as the MCP specification recommends for clients that do "
            "not read structured content; either copy alone is under the target."
        )
    return Section("Context cost", rows, _details(wire, result, tools, page), notes)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.context_cost",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="accepted for symmetry; sizes do not need repeats")
    args = parser.parse_args(argv)
    section = run(quick=args.quick)
    print_section(section)


if __name__ == "__main__":
    main()
