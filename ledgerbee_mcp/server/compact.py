"""What the tools put on the wire, made lean: every byte of `tools/list` and of a result is paid for in the
agent's context window, on every turn.

Schemas are rewritten into equivalent, shorter JSON Schema; results carry their text copy as compact JSON.
Both rewrites are exact: a client validating against the schema, or parsing the text, sees the same data.
"""

from __future__ import annotations

import json
from typing import Any, cast

from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, InputRequiredResult, TextContent

from ledgerbee_mcp.server._sdk import FuncMetadata

__all__ = ["compact_schema", "compact_text", "compact_tool"]

# Keywords that constrain only instances of one JSON type: on an instance of another type they are ignored, so
# `anyOf` branches that use them can merge into one schema with a list of types without changing its meaning.
_TYPE_KEYWORDS: dict[str, frozenset[str]] = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "number": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}),
    "integer": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}),
    "boolean": frozenset(),
    "null": frozenset(),
}

Schema = dict[str, Any]


def _merge_branches(branches: list[Any]) -> Schema | None:
    """One schema equal to `anyOf: branches`, or None when they do not merge exactly."""
    types: list[str] = []
    merged: Schema = {}
    enum: list[Any] | None = None
    for branch in branches:
        if not isinstance(branch, dict):
            return None
        branch = cast(Schema, branch)
        kind = branch.get("type")
        if not isinstance(kind, str) or kind not in _TYPE_KEYWORDS or kind in types:
            return None
        rest = {k: v for k, v in branch.items() if k != "type"}
        if "enum" in rest:
            # `enum` binds every type, so it merges only as the union of what each branch allows.
            if enum is not None or set(rest) != {"enum"}:
                return None
            enum = list(cast(list[Any], rest.pop("enum")))
        if not set(rest) <= _TYPE_KEYWORDS[kind] or set(rest) & set(merged):
            return None
        types.append(kind)
        merged.update(rest)
    if {"number", "integer"} <= set(types) and merged.keys() & _TYPE_KEYWORDS["number"]:
        return None  # every integer is a number: one branch's bound would leak onto the other
    if enum is not None:
        if set(types) - {_kind_of(enum), "null"}:
            return None
        merged["enum"] = [*enum, None] if "null" in types else enum
    return {"type": types, **merged}


def _kind_of(values: list[Any]) -> str | None:
    """The JSON type shared by every value of an enum, or None."""
    kinds = {"string" if isinstance(v, str) else "other" for v in values}
    return "string" if kinds == {"string"} else None


def compact_schema(schema: Any) -> Any:
    """The same schema, shorter: no generated `title`s, no `default: null`, and type unions spelled as a list
    of types instead of `anyOf` where that is exact."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in cast(list[Any], schema)]
    if not isinstance(schema, dict):
        return schema
    out: Schema = {}
    for key, value in cast(Schema, schema).items():
        if key == "title" and isinstance(value, str):
            continue  # pydantic's generated labels ("Customer Id"); descriptions carry the meaning
        if key == "default" and value is None:
            continue  # not in `required` already says it may be left out
        if key in ("properties", "$defs") and isinstance(value, dict):
            # Keys here are names, not keywords: a property may well be called "title".
            out[key] = {name: compact_schema(sub) for name, sub in cast(Schema, value).items()}
        else:
            out[key] = compact_schema(value)
    branches = out.get("anyOf")
    if isinstance(branches, list) and (merged := _merge_branches(cast(list[Any], branches))) is not None:
        del out["anyOf"]
        out.update(merged)
    return out


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in cast(Schema, value).items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in cast(list[Any], value)]
    return value


def compact_text(structured: Schema) -> str:
    """The text copy of a structured result: compact JSON, leaving out what is null."""
    return json.dumps(_without_nulls(structured), ensure_ascii=False, separators=(",", ":"))


class _CompactResults(FuncMetadata):
    """The SDK's result conversion, with the text copy of a structured result as compact JSON instead of
    indented JSON (about half the bytes, the same data)."""

    def convert_result(self, result: Any) -> CallToolResult | InputRequiredResult:
        converted = super().convert_result(result)
        if isinstance(result, CallToolResult):
            return converted  # built by the tool itself (e.g. an embedded PDF): its content is left as made
        if isinstance(converted, CallToolResult) and converted.structured_content is not None:
            converted.content = [TextContent(type="text", text=compact_text(converted.structured_content))]
        return converted


def compact_tool(tool: Tool) -> Tool:
    """The tool with compact schemas and compact result text."""
    meta = tool.fn_metadata
    tool.parameters = compact_schema(tool.parameters)
    tool.fn_metadata = _CompactResults(
        arg_model=meta.arg_model,
        output_schema=compact_schema(meta.output_schema) if meta.output_schema is not None else None,
        output_model=meta.output_model,
        wrap_output=meta.wrap_output,
    )
    return tool
