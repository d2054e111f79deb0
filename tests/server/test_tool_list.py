"""The tool list is the product's interface: every tool described and annotated, and every change reviewed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server import MCPServer

pytestmark = pytest.mark.anyio

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools.json"

EXPECTED = {
    "list_quotes", "get_quote", "create_quote", "update_quote", "send_quote", "convert_quote",
    "list_order_confirmations", "get_order_confirmation", "create_order_confirmation",
    "update_order_confirmation", "send_order_confirmation", "convert_order_confirmation",
    "list_invoices", "get_invoice", "send_invoice", "send_documents",
    "list_customers", "list_products", "list_activity", "get_document_pdf",
}  # fmt: skip
WRITES = {"create_quote", "update_quote", "create_order_confirmation", "update_order_confirmation"}
ACTIONS = {
    "send_quote", "convert_quote", "send_order_confirmation", "convert_order_confirmation", "send_invoice",
    "send_documents",
}  # fmt: skip


async def tool_dump(server: MCPServer) -> list[dict[str, Any]]:
    async with Client(server) as c:
        tools = (await c.list_tools()).tools
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


async def test_every_tool_is_described_and_fully_annotated(make_server: Callable[..., MCPServer]) -> None:
    tools = await tool_dump(make_server())
    assert {t["name"] for t in tools} == EXPECTED
    for tool in tools:
        name = tool["name"]
        assert len(tool.get("description", "")) >= 40, name
        assert tool.get("title"), name
        assert "outputSchema" in tool, name
        hints = tool["annotations"]
        assert set(hints) >= {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}, name
        if name in ACTIONS:
            assert (hints["readOnlyHint"], hints["destructiveHint"], hints["idempotentHint"]) == (False, True, False)
        elif name in WRITES:
            assert (hints["readOnlyHint"], hints["destructiveHint"]) == (False, False), name
            assert hints["idempotentHint"] is name.startswith("update_"), name
        else:
            assert hints["readOnlyHint"] is True, name
        # Arguments are described where their name and schema do not say it all (the description budget of
        # tools/list is spent once, on the tool); every one is typed.
        for prop, schema in tool["inputSchema"].get("properties", {}).items():
            assert {"type", "anyOf", "enum", "$ref"} & set(schema), (name, prop)


async def test_read_only_mode_registers_no_write_tool(make_server: Callable[..., MCPServer]) -> None:
    tools = await tool_dump(make_server(read_only=True))
    assert {t["name"] for t in tools} == EXPECTED - WRITES - ACTIONS
    assert all(t["annotations"]["readOnlyHint"] for t in tools)


async def test_tool_list_matches_the_snapshot(make_server: Callable[..., MCPServer]) -> None:
    """A change to any name, description, schema or annotation shows up here, and in review.
    After an intended change: UPDATE_SNAPSHOTS=1 uv run pytest tests/server/test_tool_list.py"""
    current = json.dumps(await tool_dump(make_server()), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8")


# The keywords of JSON Schema 2020-12 (and draft-07's `definitions`). A client validates arguments by these; any
# other key is ignored by it, so a bound written under another name (pydantic's `ge`, `le`, `decimal_places`) is a
# bound the client never sees.
_JSON_SCHEMA_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$ref", "$defs", "$comment", "$anchor", "$dynamicRef", "$dynamicAnchor", "definitions",
        "type", "enum", "const", "title", "description", "default", "examples", "deprecated", "readOnly",
        "writeOnly", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains",
        "minContains", "maxContains", "properties", "patternProperties", "additionalProperties", "propertyNames",
        "required", "minProperties", "maxProperties", "dependentRequired", "dependentSchemas", "anyOf", "oneOf",
        "allOf", "not", "if", "then", "else", "unevaluatedItems", "unevaluatedProperties", "contentEncoding",
        "contentMediaType", "contentSchema",
    }
)  # fmt: skip
_NAME_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def _unknown_keywords(schema: Any, where: str) -> list[str]:
    if isinstance(schema, list):
        return [bad for i, sub in enumerate(schema) for bad in _unknown_keywords(sub, f"{where}[{i}]")]
    if not isinstance(schema, dict):
        return []
    found = [f"{where}.{key}" for key in schema if key not in _JSON_SCHEMA_KEYWORDS]
    for key, value in schema.items():
        if key in _NAME_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                found += _unknown_keywords(sub, f"{where}.{key}.{name}")
        elif key in ("enum", "const", "default", "examples", "required"):
            continue  # values, not schemas
        elif isinstance(value, dict | list):
            found += _unknown_keywords(value, f"{where}.{key}")
    return found


async def test_input_schemas_use_only_json_schema_keywords(make_server: Callable[..., MCPServer]) -> None:
    tools = await tool_dump(make_server())
    unknown = [bad for tool in tools for bad in _unknown_keywords(tool["inputSchema"], tool["name"])]
    assert unknown == []


# MCP Inspector's schema-portability rules (its CLI's `--method tools/list` counts them, `--strict` lists them):
# a `type` array, a subschema that constrains nothing (`{}` or only a description), a bare boolean schema.
_CONSTRAINING = frozenset(
    {
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "format", "contentMediaType", "contentEncoding", "contentSchema",
        "maxItems", "minItems", "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
        "required", "dependentRequired", "allOf", "anyOf", "oneOf", "not", "items", "prefixItems", "contains",
        "additionalItems", "unevaluatedItems", "properties", "patternProperties", "additionalProperties",
        "unevaluatedProperties", "propertyNames", "dependentSchemas", "dependencies", "$ref",
    }
)  # fmt: skip
_SUBSCHEMA = ("items", "contains", "not", "propertyNames", "additionalProperties", "unevaluatedProperties")
_BOOLEAN_ALLOWED = ("additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems")


def _portability_findings(schema: Any, where: str, keyword: str = "") -> list[str]:
    if isinstance(schema, bool):
        return [] if keyword in _BOOLEAN_ALLOWED else [f"{where}: bare boolean schema"]
    if not isinstance(schema, dict):
        return []
    found: list[str] = []
    if isinstance(schema.get("type"), list):
        found.append(f"{where}: type array {schema['type']}")
    if not _CONSTRAINING & set(schema) and keyword != "not":
        found.append(f"{where}: constrains nothing")
    for key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"):
        for name, sub in (schema.get(key) or {}).items():
            found += _portability_findings(sub, f"{where}.{key}.{name}", key)
    for key in ("anyOf", "allOf", "oneOf", "prefixItems"):
        for i, sub in enumerate(schema.get(key) or []):
            found += _portability_findings(sub, f"{where}.{key}[{i}]", key)
    for key in _SUBSCHEMA:
        if key in schema:
            found += _portability_findings(schema[key], f"{where}.{key}", key)
    return found


async def test_schemas_are_portable(make_server: Callable[..., MCPServer]) -> None:
    """No `["string", "null"]`: a client that maps tool schemas onto a single-`type` dialect (Gemini's OpenAPI
    subset) rejects the tool or drops the constraint."""
    tools = await tool_dump(make_server())
    found = [
        finding
        for tool in tools
        for part in ("inputSchema", "outputSchema")
        for finding in _portability_findings(tool.get(part, {}), f"{tool['name']}.{part}")
    ]
    assert found == []


def _consts(schema: Any, where: str) -> list[str]:
    if isinstance(schema, list):
        return [c for i, sub in enumerate(schema) for c in _consts(sub, f"{where}[{i}]")]
    if not isinstance(schema, dict):
        return []
    found = [where] if "const" in schema else []
    for key, value in schema.items():
        if key not in ("enum", "default", "examples", "required") and isinstance(value, dict | list):
            found += _consts(value, f"{where}.{key}")
    return found


@pytest.mark.parametrize("toolsets", [None, frozenset({"quotes"}), frozenset({"order_confirmations", "lookups"})])
async def test_no_schema_uses_const(make_server: Callable[..., MCPServer], toolsets: frozenset[str] | None) -> None:
    """OpenAPI 3.0, the dialect of Gemini's function declarations, has no `const`: a one-value choice (the only
    convert target, the only document type of a single toolset) is a one-value `enum`."""
    server = make_server() if toolsets is None else make_server(toolsets=toolsets)
    tools = await tool_dump(server)
    assert [c for tool in tools for c in _consts(tool["inputSchema"], tool["name"])] == []
