"""The compact schemas mean exactly what pydantic's originals mean, and the text copy of a result is its data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import Client
from mcp.server import MCPServer
from mcp.server.mcpserver.tools import Tool

from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.server.compact import compact_schema
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools import all_tools

pytestmark = pytest.mark.anyio

SAMPLES: list[Any] = [
    None, True, 0, 1, -1, 1.5, 0.0, -1e12, 1e12, 101, "", "x", "a" * 3000, "2026-11-21", "21/11/2026",
    "3fa85f64-5717-4562-b3fc-2c963f66afa6", "not-a-uuid", "DKK", "dkk", "Email", "draft", "expired", "ASC",
    "1250.00", [], [{}], {}, {"price_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}, {"quantity": -1},
    {"description": "free line", "unit_price": "100"}, {"line_type": "text", "extra": 1},
]  # fmt: skip


def original_schemas() -> list[tuple[str, dict[str, Any]]]:
    rt = Runtime.from_settings(Settings(sandbox=True))
    out: list[tuple[str, dict[str, Any]]] = []
    for spec in all_tools(rt):
        tool = Tool.from_function(spec.fn, name=spec.name)
        out.append((f"{spec.name} input", tool.parameters))
        if tool.fn_metadata.output_schema is not None:
            out.append((f"{spec.name} output", tool.fn_metadata.output_schema))
    return out


def subschemas(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each property schema, resolved against the root so `$ref`s still work."""
    found: list[tuple[str, dict[str, Any]]] = []
    roots = [("", schema), *((f"$defs/{n}/", d) for n, d in schema.get("$defs", {}).items())]
    for prefix, node in roots:
        for name, prop in node.get("properties", {}).items():
            found.append((prefix + name, {**prop, "$defs": schema.get("$defs", {})}))
    return found


@pytest.mark.parametrize(("where", "schema"), original_schemas(), ids=lambda v: v if isinstance(v, str) else "")
def test_compact_schema_accepts_exactly_what_the_original_accepts(where: str, schema: dict[str, Any]) -> None:
    compact = compact_schema(schema)
    assert len(json.dumps(compact)) < len(json.dumps(schema))
    for prop, original in subschemas(schema):
        before = Draft202012Validator(original, format_checker=Draft202012Validator.FORMAT_CHECKER)
        after = Draft202012Validator(compact_schema(original), format_checker=Draft202012Validator.FORMAT_CHECKER)
        for sample in SAMPLES:
            assert before.is_valid(sample) == after.is_valid(sample), (where, prop, sample)


def test_compact_schema_rewrites() -> None:
    nullable = {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "default": None, "title": "Note"}
    assert compact_schema(nullable) == {"type": ["string", "null"], "maxLength": 5}
    choice = {"anyOf": [{"enum": ["a", "b"], "type": "string"}, {"type": "null"}]}
    assert compact_schema(choice) == {"type": ["string", "null"], "enum": ["a", "b", None]}
    # A property called "title" is a name, not pydantic's label.
    assert compact_schema({"properties": {"title": {"type": "string", "title": "Title"}}}) == {
        "properties": {"title": {"type": "string"}}
    }


@pytest.mark.parametrize(
    "schema",
    [
        {"anyOf": [{"$ref": "#/$defs/X"}, {"type": "null"}]},  # a reference is not a type
        {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "number", "maximum": 5}]},  # bounds would mix
        {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "integer"}]},  # enum would bind the integer
        {"anyOf": [{"type": "string", "minLength": 2}, {"type": "string", "maxLength": 1}]},  # one type twice
        {"anyOf": [{"type": "object", "properties": {}}, {"type": "null"}]},  # not a type this merges
    ],
)
def test_compact_schema_keeps_anyof_that_would_change_meaning(schema: dict[str, Any]) -> None:
    assert compact_schema(schema) == schema


async def test_result_text_is_the_structured_content_as_compact_json(make_server: Callable[..., MCPServer]) -> None:
    async with Client(make_server()) as c:
        result = await c.call_tool("list_quotes", {"limit": 5})
    assert not result.is_error
    assert result.structured_content is not None
    (block,) = result.content
    text = getattr(block, "text", "")
    data = result.structured_content
    assert "\n" not in text
    assert len(text) < len(json.dumps(data, separators=(",", ":")))  # nulls are left out
    assert json.loads(text) == {k: v for k, v in data.items() if v is not None}
