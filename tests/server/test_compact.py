"""What the tools advertise is lean and still true.

- `compact_schema` is exact: it accepts what pydantic's schema accepts.
- An advertised input schema accepts less than pydantic's, never more, and only in one way: it has no explicit
  `null` for an optional argument (or line field), and leaving the argument out means what null meant.
- An advertised output schema is shallow but validates real results of every tool, as pydantic's full one does.
- A result's text copy is its structured content, as compact JSON without nulls.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp import Client
from mcp.server import MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult

from ledgerbee_mcp.config import ConfirmMode, Settings
from ledgerbee_mcp.sandbox import seed
from ledgerbee_mcp.server.compact import compact_input, compact_output, compact_schema, without_nulls
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools import all_tools

pytestmark = pytest.mark.anyio

UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
SAMPLES: list[Any] = [
    None, True, 0, 1, -1, 1.5, 0.0, -1e12, 1e12, 101, "", "x", "a" * 3000, "2026-11-21", "21/11/2026",
    UUID, "not-a-uuid", "DKK", "dkk", "Email", "draft", "expired", "ASC",
    "1250.00", [], [{}], {}, {"price_id": UUID}, {"quantity": -1},
    {"description": "free line", "unit_price": "100"}, {"line_type": "text", "extra": 1},
    [{"price_id": UUID}], [{"price_id": None, "description": "free line", "unit_price": "100"}],
    [{"description": "free line", "unit_price": None}], [{"line_type": "text", "description": "note"}],
    ["valid_until"], ["valid_until", None], [UUID], {UUID: "a@example.com"}, {UUID: None},
]  # fmt: skip


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def original_tools() -> list[Tool]:
    rt = Runtime.from_settings(Settings(sandbox=True))
    return [Tool.from_function(spec.fn, name=spec.name) for spec in all_tools(rt)]


def original_schemas() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for tool in original_tools():
        out.append((f"{tool.name} input", tool.parameters))
        if tool.fn_metadata.output_schema is not None:
            out.append((f"{tool.name} output", tool.fn_metadata.output_schema))
    return out


def objects(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The root and every `$defs` object, each with its properties."""
    return [("", schema), *((f"$defs/{n}/", d) for n, d in schema.get("$defs", {}).items())]


def subschemas(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each property schema, resolved against the root so `$ref`s still work."""
    return [
        (prefix + name, {**prop, "$defs": schema.get("$defs", {})})
        for prefix, node in objects(schema)
        for name, prop in node.get("properties", {}).items()
    ]


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return any(_has_null(v) for v in value)  # pyright: ignore[reportUnknownVariableType]
    return False


@pytest.mark.parametrize(("where", "schema"), original_schemas(), ids=lambda v: v if isinstance(v, str) else "")
def test_compact_schema_accepts_exactly_what_the_original_accepts(where: str, schema: dict[str, Any]) -> None:
    compact = compact_schema(schema)
    assert len(json.dumps(compact)) < len(json.dumps(schema))
    for prop, original in subschemas(schema):
        before, after = _validator(original), _validator(compact_schema(original))
        for sample in SAMPLES:
            assert before.is_valid(sample) == after.is_valid(sample), (where, prop, sample)


INPUTS = [(tool.name, tool.parameters) for tool in original_tools()]


@pytest.mark.parametrize(("name", "schema"), INPUTS, ids=[name for name, _ in INPUTS])
def test_the_advertised_input_schema_differs_only_by_refusing_explicit_nulls(name: str, schema: dict[str, Any]) -> None:
    """Per argument: the advertised schema never accepts what pydantic's refuses; what pydantic accepts, it
    accepts once the nulls are left out; and a value without any null is judged alike."""
    defs = schema.get("$defs", {})
    for prop, sub in schema["properties"].items():
        required = prop in schema.get("required", [])
        wrapper = {"type": "object", "properties": {prop: sub}, "required": [prop] if required else [], "$defs": defs}
        before, after = _validator(wrapper), _validator(compact_input(wrapper))
        for sample in SAMPLES:
            arguments = {prop: sample}
            if after.is_valid(arguments):
                assert before.is_valid(arguments), (name, prop, sample)
            if before.is_valid(arguments):
                assert after.is_valid(without_nulls(arguments)), (name, prop, sample)
            if not _has_null(sample):
                assert before.is_valid(arguments) == after.is_valid(arguments), (name, prop, sample)


@pytest.mark.parametrize(("name", "schema"), INPUTS, ids=[name for name, _ in INPUTS])
def test_leaving_out_an_argument_is_what_null_meant(name: str, schema: dict[str, Any]) -> None:
    """Every argument (and line field) that takes null is optional with the default null, so the tool gets the
    same value whether the agent leaves it out or sends null: the advertised schema may drop the null."""
    for where, prop in subschemas(schema):
        node = {k: v for k, v in prop.items() if k != "default"}
        if not _validator(node).is_valid(None):
            continue
        parent = where.rpartition("/")[0]
        owner = schema if not parent else schema["$defs"][parent.removeprefix("$defs/")]
        assert where.rpartition("/")[2] not in owner.get("required", []), (name, where)
        assert "default" in prop, (name, where)
        assert prop["default"] is None, (name, where)


def test_compact_schema_rewrites() -> None:
    nullable = {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "default": None, "title": "Note"}
    assert compact_schema(nullable) == {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]}
    assert compact_schema({"maximum": 100.0, "minimum": 0.5, "description": "Two\n  lines."}) == {
        "maximum": 100,
        "minimum": 0.5,
        "description": "Two lines.",
    }
    # A property called "title" is a name, not pydantic's label.
    assert compact_schema({"properties": {"title": {"type": "string", "title": "Title"}}}) == {
        "properties": {"title": {"type": "string"}}
    }


def test_compact_input_drops_null_only_where_the_argument_may_be_left_out() -> None:
    schema = {
        "type": "object",
        "properties": {
            "note": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "default": None},
            "kind": {"anyOf": [{"enum": ["a", "b"], "type": "string"}, {"type": "null"}], "default": None},
            "price": {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}], "default": None},
            "must": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "line": {"$ref": "#/$defs/Line"},
        },
        "required": ["must"],
        "$defs": {"Line": {"type": "object", "properties": {"q": {"type": "integer"}}}},
    }
    assert compact_input(schema) == {
        "type": "object",
        "properties": {
            "note": {"type": "string", "maxLength": 5},
            "kind": {"enum": ["a", "b"], "type": "string"},
            "price": {"anyOf": [{"type": "number"}, {"type": "string"}]},
            "must": {"anyOf": [{"type": "string"}, {"type": "null"}]},  # required: null stays
            "line": {"type": "object", "properties": {"q": {"type": "integer"}}},  # used once: inlined
        },
        "required": ["must"],
    }


def test_compact_output_is_shallow_and_types_every_property() -> None:
    schema = {
        "$defs": {"Row": {"type": "object", "properties": {"x": {"type": "string"}}}},
        "type": "object",
        "properties": {
            "outcome": {"enum": ["done", "declined"], "type": "string"},
            "id": {"type": "string"},
            "number": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "rows": {"type": "array", "items": {"$ref": "#/$defs/Row"}},
            "row": {"anyOf": [{"$ref": "#/$defs/Row"}, {"type": "null"}]},
            "page": {"type": "integer"},
        },
        "required": ["outcome", "id", "number", "rows"],
    }
    assert compact_output(schema) == {
        "type": "object",
        "properties": {
            "outcome": {"type": "string", "enum": ["done", "declined"]},
            "rows": {"type": "array"},  # of objects: the result shows them
            "row": {"type": "object"},  # a result leaves a null out, so no null branch
            "page": {"type": "integer"},
        },
        # "id", a plain string, is only named; "number" may be null, so it is left out
        "required": ["outcome", "id", "rows"],
    }


def _ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def _results_of_every_tool(client: Client, token_client: Client) -> dict[str, list[dict[str, Any]]]:
    """A run through every tool against the sandbox: drafts, sends (one and a batch), converts, lookups, the
    PDF, the activity, and a token-path answer (confirmation_required with its preview)."""
    results: dict[str, list[dict[str, Any]]] = {}

    async def call(name: str, arguments: dict[str, Any], on: Client = client) -> dict[str, Any]:
        data = _ok(await on.call_tool(name, arguments))
        results.setdefault(name, []).append(data)
        return data

    line = {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 2}
    free = {"description": "Travel", "unit_price": "450.00"}
    await call("list_customers", {"include_contacts": True})
    await call("list_customers", {"search": "fjord"})
    await call("list_products", {})
    base = {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [line, free]}
    quotes = [(await call("create_quote", base | {"valid_until": "2099-01-31"}))["id"] for _ in range(3)]
    await call("update_quote", {"quote_id": quotes[0], "reference": "PO-1"})
    await call("get_quote", {"quote_id": quotes[0]})
    await call("get_document_pdf", {"document_type": "quote", "document_id": quotes[0], "draft": True})
    await call("send_quote", {"quote_id": quotes[0], "delivery_type": "Manual"}, token_client)  # asks for a token
    await call("send_quote", {"quote_id": quotes[0], "delivery_type": "Manual"})
    await call("send_documents", {"document_type": "quote", "document_ids": quotes[1:], "delivery_type": "Manual"})
    await call("list_quotes", {})
    await call("list_quotes", {"customer": "fjord", "date_from": "2000-01-01"})
    invoice = (await call("convert_quote", {"quote_id": quotes[0], "target": "invoice"}))["produced_document_id"]
    converted = await call("convert_quote", {"quote_id": quotes[1], "target": "orderConfirmation"})
    ocs = [(await call("create_order_confirmation", base))["id"] for _ in range(2)]
    await call("update_order_confirmation", {"order_confirmation_id": ocs[0], "notes": "Thanks"})
    await call("get_order_confirmation", {"order_confirmation_id": converted["produced_document_id"]})
    await call("send_order_confirmation", {"order_confirmation_id": ocs[0], "delivery_type": "Manual"})
    batch = {"document_type": "order_confirmation", "document_ids": ocs[1:], "delivery_type": "Manual"}
    await call("send_documents", batch)
    await call("list_order_confirmations", {})
    second = (await call("convert_order_confirmation", {"order_confirmation_id": ocs[0]}))["produced_document_id"]
    await call("get_invoice", {"invoice_id": invoice})
    await call("send_invoice", {"invoice_id": invoice, "delivery_type": "Manual"})
    await call("send_documents", {"document_type": "invoice", "document_ids": [second], "delivery_type": "Manual"})
    await call("list_invoices", {})
    await call("get_document_pdf", {"document_type": "invoice", "document_id": invoice})
    await call("list_activity", {})
    await call("list_activity", {"include_refused": True})
    return results


async def test_real_results_of_every_tool_validate_against_the_advertised_schema(
    make_server: Callable[..., MCPServer],
) -> None:
    async def approve(context: Any, params: Any) -> Any:
        from mcp_types import ElicitResult

        return ElicitResult(action="accept", content={"confirm": True})

    async with (
        Client(make_server(), elicitation_callback=approve) as client,
        Client(make_server(confirm=ConfirmMode.TOKEN)) as token_client,
    ):
        listed = {t.name: t for t in (await client.list_tools()).tools}
        results = await _results_of_every_tool(client, token_client)
    assert set(results) == set(listed), "every tool is exercised"
    assert any(r["outcome"] == "confirmation_required" for r in results["send_quote"])
    full = {tool.name: tool.fn_metadata.output_schema for tool in original_tools()}
    for name, answers in results.items():
        advertised = listed[name].output_schema
        assert advertised is not None, name
        Draft202012Validator.check_schema(advertised)
        for answer in answers:
            errors = [e.message for e in _validator(advertised).iter_errors(answer)]
            assert errors == [], (name, errors)
            original = full[name]
            assert original is not None, name
            assert _validator(original).is_valid(answer), name


async def test_result_text_is_the_structured_content_as_compact_json(make_server: Callable[..., MCPServer]) -> None:
    async with Client(make_server()) as c:
        line = {"price_id": seed.PRICE_WORKSHOP_ID}
        _ok(await c.call_tool("create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [line]}))
        result = await c.call_tool("list_quotes", {"limit": 5})
    assert not result.is_error
    assert result.structured_content is not None
    (block,) = result.content
    text = getattr(block, "text", "")
    data = result.structured_content
    assert "\n" not in text
    assert json.loads(text) == data
    # a draft has no number, no sent_at: its row leaves them out, in both copies
    assert data == without_nulls(data)
    assert any("number" not in row for row in data["items"])
