"""What the tools put on the wire, made lean: every byte of `tools/list` and of a result is paid for in the
agent's context window, on every turn.

- Input schemas keep every constraint of pydantic's schema, shorter: no generated `title`s, no `default: null`,
  descriptions on one line, a `$defs` entry used once inlined where it is used. An optional argument is
  advertised with its plain type and left out of `required`, without a `null` branch: leaving it out is what
  null means for every tool here (each such argument defaults to None; `tests/server/test_compact.py` checks
  it), so the advertised schema accepts less, never more, and nothing an agent needs. The server itself still
  accepts an explicit null.
- What the argument types choose not to advertise is chosen there, once: bounds that only guard the server
  (`inputs.UNADVERTISED_BOUND`: a token's length, a note's 2,000 characters, page 100,000), an id's UUID format
  (`inputs.DocumentId`), a decimal's number branch (`inputs.Money`), and `additionalProperties: false` (an unknown
  argument is refused by name instead, `tools._refusing_unknown_arguments`). Each is checked all the same.
- Output schemas are shallow: the top-level properties that are not plain strings, with their types (an enum's
  values kept), nested objects and arrays of objects only as `object` / `array`; the plain strings only named in
  `required`; the result itself shows the rest. The schema still validates every result
  (`tests/server/test_compact.py` checks real ones).
- No `type` array anywhere (`["string", "null"]`): clients that map tool schemas onto a single-`type` dialect
  (Gemini's OpenAPI subset) reject it, and MCP Inspector flags it. No `const` either (that subset has none): a
  one-value `enum` says the same.
- A result leaves out what is null, at every depth (a draft's number, a row's missing validity), in its
  structured content and in its text copy, which is the same as compact JSON; so no output property needs a
  `null` branch, and the schema is shorter for it.
"""

from __future__ import annotations

import json
from typing import Any, cast

from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, InputRequiredResult, TextContent

from ledgerbee_mcp.server._sdk import FuncMetadata

__all__ = ["compact_input", "compact_output", "compact_schema", "compact_text", "compact_tool", "without_nulls"]

Schema = dict[str, Any]

_NULL: Schema = {"type": "null"}
_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
_SCALARS = frozenset({"string", "integer", "number", "boolean"})
_STRING: Schema = {"type": "string"}


def compact_schema(schema: Any) -> Any:
    """The same schema, shorter: no generated `title`s, no `default: null`, descriptions on one line, integral
    bounds as integers. Exact: it accepts what it accepted."""
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
        if key == "const" and "enum" not in cast(Schema, schema):
            # The same one value, in the keyword every schema dialect has: OpenAPI 3.0 (Gemini's function
            # declarations) has no `const`. pydantic writes it for a one-value Literal (a single document type).
            out["enum"] = [value]
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            # Keys here are names, not keywords: a property may well be called "title".
            out[key] = {name: compact_schema(sub) for name, sub in cast(Schema, value).items()}
        elif key == "description" and isinstance(value, str):
            out[key] = " ".join(value.split())  # a docstring's line breaks mean nothing
        elif key in _BOUNDS and isinstance(value, float) and value.is_integer():
            out[key] = int(value)  # 1000000.0 is 1000000 to a validator
        else:
            out[key] = compact_schema(value)
    return out


def _refs(schema: Any, counts: dict[str, int]) -> None:
    if isinstance(schema, list):
        for item in cast(list[Any], schema):
            _refs(item, counts)
    elif isinstance(schema, dict):
        for key, value in cast(Schema, schema).items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                name = value.removeprefix("#/$defs/")
                counts[name] = counts.get(name, 0) + 1
            else:
                _refs(value, counts)


def _inline(schema: Any, defs: Schema, once: set[str]) -> Any:
    if isinstance(schema, list):
        return [_inline(item, defs, once) for item in cast(list[Any], schema)]
    if not isinstance(schema, dict):
        return schema
    node = cast(Schema, schema)
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.removeprefix("#/$defs/") in once:
        target = cast(Schema, defs[ref.removeprefix("#/$defs/")])
        rest = {k: v for k, v in node.items() if k != "$ref"}
        # The use site's own keywords (its description) win over the definition's.
        return _inline({**target, **rest}, defs, once)
    return {k: _inline(v, defs, once) for k, v in node.items()}


def inline_single_use_defs(schema: Schema) -> Schema:
    """`$defs` entries referenced once moved to where they are used (exact; saves the `$ref` and the name)."""
    defs = cast(Schema, schema.get("$defs") or {})
    if not defs:
        return schema
    counts: dict[str, int] = {}
    _refs(schema, counts)
    once = {name for name in defs if counts.get(name, 0) == 1 and not _refers_to_itself(name, defs[name])}
    out = _inline({k: v for k, v in schema.items() if k != "$defs"}, defs, once)
    kept = {name: _inline(d, defs, once) for name, d in defs.items() if name not in once}
    return {**out, "$defs": kept} if kept else out


def _refers_to_itself(name: str, definition: Any) -> bool:
    counts: dict[str, int] = {}
    _refs(definition, counts)
    return name in counts


def _without_null_branch(schema: Schema) -> Schema:
    """The schema with `null` no longer allowed (the key is left out instead)."""
    out = dict(schema)
    branches = out.get("anyOf")
    if isinstance(branches, list):
        rest = [b for b in cast(list[Any], branches) if b != _NULL]
        del out["anyOf"]
        if len(rest) == 1 and isinstance(rest[0], dict) and not set(cast(Schema, rest[0])) & set(out):
            out.update(cast(Schema, rest[0]))
        else:
            out["anyOf"] = rest
    kind = out.get("type")
    if isinstance(kind, list):
        types = [t for t in cast(list[Any], kind) if t != "null"]
        out["type"] = types[0] if len(types) == 1 else types
    enum = out.get("enum")
    if isinstance(enum, list):
        out["enum"] = [v for v in cast(list[Any], enum) if v is not None]
    return out


def _optional_without_null(schema: Any) -> Any:
    """Every optional property of every object schema without its `null` branch."""
    if isinstance(schema, list):
        return [_optional_without_null(item) for item in cast(list[Any], schema)]
    if not isinstance(schema, dict):
        return schema
    out = {
        key: (
            {name: _optional_without_null(sub) for name, sub in cast(Schema, value).items()}
            if key in ("properties", "$defs") and isinstance(value, dict)
            else _optional_without_null(value)
        )
        for key, value in cast(Schema, schema).items()
    }
    properties = out.get("properties")
    if isinstance(properties, dict):
        required = set(cast(list[str], out.get("required", [])))
        out["properties"] = {
            name: sub if name in required or not isinstance(sub, dict) else _without_null_branch(cast(Schema, sub))
            for name, sub in cast(Schema, properties).items()
        }
    return out


def compact_input(schema: Schema) -> Schema:
    """A tool's input schema as advertised: shorter, and optional arguments without `null` (see the module)."""
    return cast(Schema, _optional_without_null(inline_single_use_defs(cast(Schema, compact_schema(schema)))))


def _resolve(schema: Any, defs: Schema) -> Schema:
    node = cast(Schema, schema) if isinstance(schema, dict) else {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(defs.get(ref.removeprefix("#/$defs/"), {}), defs)
    return node


def _types(schema: Schema, defs: Schema) -> list[Schema]:
    """The non-null alternatives of a property schema, each resolved."""
    node = _resolve(schema, defs)
    branches = node.get("anyOf")
    if isinstance(branches, list):
        return [t for b in cast(list[Any], branches) for t in _types(cast(Schema, b), defs)]
    kind = node.get("type")
    if isinstance(kind, list):
        return [{**node, "type": t} for t in cast(list[str], kind) if t != "null"]
    if kind == "null":
        return []
    if kind is None and "properties" in node:
        return [{**node, "type": "object"}]
    return [node]


def _shallow(node: Schema, defs: Schema, *, top: bool) -> Schema:
    kind = node.get("type")
    if kind in _SCALARS:
        enum = [v for v in cast(list[Any], node.get("enum", [])) if v is not None]
        return {"type": kind, "enum": enum} if top and enum else {"type": kind}
    if kind == "array" and top:
        # An array of scalars says of what (`differences`: strings); an array of objects is only an array, the
        # result shows its rows.
        items = _types(cast(Schema, node.get("items", {})), defs)
        if len(items) == 1 and items[0].get("type") in _SCALARS:
            return {"type": "array", "items": _shallow(items[0], defs, top=False)}
    if kind in ("array", "object"):
        return {"type": kind}
    raise ValueError(f"no shallow form for {node!r}")


def compact_output(schema: Schema) -> Schema:
    """A tool's output schema as advertised: its top-level properties and their types; nested objects only as
    `object`. The plain-string properties, most of them (ids, dates, amounts as decimal strings, texts), are only
    named in `required` when always there: every tool's result shows them, and typing each would cost bytes on every
    turn for what an agent sees anyway. A result leaves out what is null (`compact_tool`), so a nullable property is
    neither `required` nor typed with a `null` branch."""
    defs = cast(Schema, schema.get("$defs") or {})
    root = _resolve(schema, defs)
    properties: Schema = {}
    nullable: set[str] = set()
    for name, prop in cast(Schema, root.get("properties", {})).items():
        types = _types(cast(Schema, prop), defs)
        if len(types) != 1:
            raise ValueError(f"{name}: no shallow form for {prop!r}")
        shallow = _shallow(types[0], defs, top=True)
        if "null" in _alternatives(cast(Schema, prop), defs):
            nullable.add(name)
        if shallow != _STRING:
            properties[name] = shallow
    out: Schema = {"type": "object", "properties": properties}
    required = [name for name in cast(list[str], root.get("required") or []) if name not in nullable]
    return {**out, "required": required} if required else out


def _alternatives(schema: Schema, defs: Schema) -> list[Any]:
    node = _resolve(schema, defs)
    branches = node.get("anyOf")
    if isinstance(branches, list):
        return [a for b in cast(list[Any], branches) for a in _alternatives(cast(Schema, b), defs)]
    kind = node.get("type")
    return list(cast(list[Any], kind)) if isinstance(kind, list) else [kind]


def without_nulls(value: Any) -> Any:
    """The value with every null-valued key left out, at every depth."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in cast(Schema, value).items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in cast(list[Any], value)]
    return value


def compact_text(structured: Schema) -> str:
    """The text copy of a structured result (already without nulls): compact JSON."""
    return json.dumps(structured, ensure_ascii=False, separators=(",", ":"))


class _CompactResults(FuncMetadata):
    """The SDK's result conversion, with the structured result leaving out what is null and its text copy as
    compact JSON instead of indented JSON (about half the bytes, the same data)."""

    def convert_result(self, result: Any) -> CallToolResult | InputRequiredResult:
        converted = super().convert_result(result)
        if isinstance(result, CallToolResult):
            return converted  # built by the tool itself (e.g. an embedded PDF): its content is left as made
        if isinstance(converted, CallToolResult) and converted.structured_content is not None:
            converted.structured_content = without_nulls(converted.structured_content)
            converted.content = [TextContent(type="text", text=compact_text(converted.structured_content))]
        return converted


def compact_tool(tool: Tool) -> Tool:
    """The tool with compact schemas and compact results."""
    meta = tool.fn_metadata
    tool.parameters = compact_input(tool.parameters)
    tool.fn_metadata = _CompactResults(
        arg_model=meta.arg_model,
        output_schema=compact_output(meta.output_schema) if meta.output_schema is not None else None,
        output_model=meta.output_model,
        wrap_output=meta.wrap_output,
    )
    return tool
