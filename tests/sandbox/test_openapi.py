"""The sandbox's OpenAPI description: structurally sound, and it describes exactly what the app serves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, cast

import httpx
import jsonschema
import pytest

from ledgerbee_mcp.sandbox.openapi import build_openapi

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

# A minimal meta-schema for the parts of OpenAPI 3.1 this document uses: enough to catch a misspelt key, a
# missing `responses` or a parameter without a location; not a substitute for the full official schema.
_PARAMETER = {
    "type": "object",
    "required": ["name", "in", "schema"],
    "properties": {
        "name": {"type": "string"},
        "in": {"enum": ["query", "header", "path", "cookie"]},
        "required": {"type": "boolean"},
        "schema": {"type": "object"},
    },
}
_RESPONSE = {
    "type": "object",
    "oneOf": [
        {"required": ["$ref"], "properties": {"$ref": {"type": "string"}}},
        {
            "required": ["description"],
            "properties": {"description": {"type": "string"}, "content": {"type": "object"}},
        },
    ],
}
_OPERATION = {
    "type": "object",
    "required": ["operationId", "responses"],
    "properties": {
        "operationId": {"type": "string"},
        "parameters": {"type": "array", "items": _PARAMETER},
        "requestBody": {"type": "object", "required": ["content"]},
        "responses": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[1-5][0-9][0-9]$"},
            "additionalProperties": _RESPONSE,
        },
        "security": {"type": "array", "items": {"type": "object"}},
    },
}
META_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["openapi", "info", "paths", "components"],
    "properties": {
        "openapi": {"const": "3.1.0"},
        "info": {"type": "object", "required": ["title", "version"]},
        "paths": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^/"},
            "additionalProperties": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"enum": sorted(HTTP_METHODS)},
                "additionalProperties": _OPERATION,
            },
        },
        "components": {
            "type": "object",
            "properties": {
                "schemas": {"type": "object", "additionalProperties": {"type": "object"}},
                "securitySchemes": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["type"],
                        "properties": {"type": {"enum": ["apiKey", "http", "oauth2", "openIdConnect"]}},
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return build_openapi()


def _walk(node: object) -> Iterator[object]:
    yield node
    if isinstance(node, dict):
        for value in node.values():  # pyright: ignore[reportUnknownVariableType] -- arbitrary JSON
            yield from _walk(value)  # pyright: ignore[reportUnknownArgumentType] -- arbitrary JSON
    elif isinstance(node, list):
        for value in node:  # pyright: ignore[reportUnknownVariableType] -- arbitrary JSON
            yield from _walk(value)  # pyright: ignore[reportUnknownArgumentType] -- arbitrary JSON


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        assert isinstance(node, dict), f"unresolved $ref {ref}"
        mapping = cast("dict[str, Any]", node)
        assert part in mapping, f"unresolved $ref {ref}"
        node = mapping[part]
    return node


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_matches_the_minimal_openapi_31_meta_schema(spec: dict[str, Any]) -> None:
    jsonschema.validate(spec, META_SCHEMA)


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    refs = [cast("str", node["$ref"]) for node in _walk(spec) if isinstance(node, dict) and "$ref" in node]

    assert refs
    for ref in refs:
        _resolve(spec, ref)


def test_every_component_schema_is_itself_a_valid_json_schema(spec: dict[str, Any]) -> None:
    for name, schema in spec["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:  # pragma: no cover - only reached on a broken schema
            pytest.fail(f"{name}: {exc.message}")


def test_operation_ids_are_unique_and_path_parameters_declared(spec: dict[str, Any]) -> None:
    seen: set[str] = set()
    for path, method, op in _operations(spec):
        assert op["operationId"] not in seen, op["operationId"]
        seen.add(op["operationId"])
        templated = set(re.findall(r"\{(\w+)\}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert templated == declared, f"{method.upper()} {path}"


def test_security_schemes_are_api_key_header_and_bearer(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]

    assert schemes["apiKey"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    assert schemes["bearer"]["type"] == "http"
    assert schemes["bearer"]["scheme"] == "bearer"
    for _, _, op in _operations(spec):
        for requirement in op.get("security", spec["security"]):
            assert set(requirement) <= set(schemes)


def test_documents_cover_the_published_operations(spec: dict[str, Any]) -> None:
    for base, stem in (("/v1/quotes", "Quote"), ("/v1/order-confirmations", "OrderConfirmation")):
        paths = spec["paths"]
        assert set(paths[base]) == {"get", "post"}
        assert "201" in paths[base]["post"]["responses"]
        assert set(paths[f"{base}/{{id}}"]) == {"get", "patch"}
        for action in ("send", "convert"):
            assert "post" in paths[f"{base}/{{id}}/{action}"]
        pdf = paths[f"{base}/{{id}}/pdf"]["get"]
        assert "application/pdf" in pdf["responses"]["200"]["content"]
        assert any(p["name"] == "draft" and p["in"] == "query" for p in pdf["parameters"])
        for name in (
            f"Public{stem}",
            f"Public{stem}ListItem",
            f"PublicCreate{stem}",
            f"PublicUpdate{stem}",
            f"PublicSend{stem}",
            f"PublicConvert{stem}",
            f"PublicConvert{stem}Result",
        ):
            assert name in spec["components"]["schemas"], name


def test_invoices_are_described_with_their_send_and_delivery_status(spec: dict[str, Any]) -> None:
    paths, schemas = spec["paths"], spec["components"]["schemas"]

    assert set(paths["/v1/invoices"]) == {"get"}
    assert set(paths["/v1/invoices/{id}"]) == {"get"}
    assert "/v1/invoices/{id}/convert" not in paths
    send = paths["/v1/invoices/{id}/send"]["post"]
    assert send["security"][0]["apiKey"] == ["invoices-write"]
    assert send["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SendInvoice"}
    assert send["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Invoice"
    }
    status = paths["/v1/invoices/{id}/delivery-status"]["get"]
    assert status["security"][0]["apiKey"] == ["invoices-read"]
    assert "/v1/quotes/{id}/delivery-status" not in paths
    delivery = schemas["InvoiceDeliveryStatus"]
    assert list(delivery["properties"]) == ["invoiceId", "status", "deliveryType", "recipientEmail", "sentAt"]
    assert set(delivery["required"]) == set(delivery["properties"])
    assert delivery["properties"]["status"]["enum"] == ["not_sent", "sent_manually", "emailed"]
    assert delivery["properties"]["deliveryType"]["enum"] == ["Email", "Manual", None]
    assert schemas["SendInvoice"]["properties"]["deliveryType"]["enum"] == ["Email", "Manual", None]
    assert "PublicSendInvoice" not in schemas
    params = {p["name"]: p["schema"] for p in paths["/v1/invoices"]["get"]["parameters"]}
    assert params["status"]["enum"] == ["draft", "sent"]
    assert params["sortBy"]["enum"] == ["date", "documentNumber", "amount", "status"]


def test_list_parameters_carry_enums_and_bounds(spec: dict[str, Any]) -> None:
    params = {p["name"]: p["schema"] for p in spec["paths"]["/v1/quotes"]["get"]["parameters"]}

    assert params["page"] == {"type": "integer", "minimum": 1, "default": 1}
    assert params["limit"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}
    assert set(params["status"]["enum"]) == {"draft", "sent", "accepted", "rejected", "expired", "converted"}
    assert "validUntil" in params["sortBy"]["enum"]
    assert params["sortOrder"]["enum"] == ["ASC", "DESC"]
    assert params["customerId"]["format"] == "uuid"
    oc_params = {p["name"]: p["schema"] for p in spec["paths"]["/v1/order-confirmations"]["get"]["parameters"]}
    assert set(oc_params["status"]["enum"]) == {"draft", "sent", "converted"}
    assert "validUntil" not in oc_params["sortBy"]["enum"]


def test_field_formats_follow_the_contract(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    quote = schemas["PublicQuote"]["properties"]

    assert quote["id"]["format"] == "uuid"
    assert quote["date"]["format"] == "date"
    assert quote["amount"]["type"] == "string"
    assert re.fullmatch(quote["amount"]["pattern"], "1234.50")
    assert not re.fullmatch(quote["amount"]["pattern"], "1234.5")
    # Every key is always present; the ones empty until later are nullable.
    assert quote["documentNumber"]["type"] == ["string", "null"]
    assert "validUntil" not in schemas["PublicOrderConfirmation"]["properties"]
    assert "convertedToDocumentId" not in schemas["PublicOrderConfirmation"]["properties"]
    assert schemas["PublicConvertOrderConfirmation"]["properties"]["target"]["enum"] == ["invoice"]
    assert "status" in schemas["PublicUpdateOrderConfirmation"]["properties"]
    assert "status" not in schemas["PublicUpdateQuote"]["properties"]
    for name in ("Customer", "Contact", "Product", "Price", "Invoice", "Error"):
        assert name in schemas


def test_error_schema_and_status_codes(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"statusCode", "code", "message", "errors"}
    assert set(error["properties"]["errors"]["items"]["required"]) == {"field", "message"}

    for path, method, op in _operations(spec):
        where = f"{method.upper()} {path}"
        codes = set(op["responses"])
        if path == "/openapi.json":
            assert op["security"] == []
            continue
        assert "401" in codes, where
        if path.startswith("/v1/"):
            assert "403" in codes, where
            assert op["security"][0]["apiKey"], where
        if "parameters" in op or "requestBody" in op:
            assert "400" in codes, where
        if "{id}" in path:
            assert "404" in codes, where


def test_control_endpoints_are_described(spec: dict[str, Any]) -> None:
    paths = spec["paths"]

    assert "post" in paths["/_sandbox/reset"]
    assert "post" in paths["/_sandbox/quotes/{id}/accept"]
    assert "post" in paths["/_sandbox/quotes/{id}/reject"]
    assert "put" in paths["/_sandbox/clock"]
    assert "get" in paths["/_sandbox/outbox"]
    assert "get" in paths["/_sandbox/events"]
    assert "get" in paths["/openapi.json"]
    assert set(paths["/_sandbox/clock"]) == {"get", "put"}
    set_clock = spec["components"]["schemas"]["SandboxSetClock"]
    jsonschema.validate({"today": "2026-06-11"}, set_clock)
    jsonschema.validate({"today": None}, set_clock)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({}, set_clock)


# -- against the served app --------------------------------------------------------------------------------


def _route_templates(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, frozenset[str]]]:
    """(OpenAPI path, lower-case methods) for every Starlette route, descending into mounts."""
    from starlette.routing import Mount, Route

    for route in routes:
        if isinstance(route, Mount):
            yield from _route_templates(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            # Starlette writes converters into the template (`{id:uuid}`); OpenAPI names the bare parameter.
            path = re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", prefix + route.path)
            methods = frozenset(m.lower() for m in (route.methods or ()) if m.lower() in HTTP_METHODS)
            yield path, methods - {"head"}


def _app() -> Any:
    sandbox = pytest.importorskip("ledgerbee_mcp.sandbox")
    if not hasattr(sandbox, "create_app"):
        pytest.skip("ledgerbee_mcp.sandbox.create_app has not landed yet")
    return sandbox.create_app()


def _answer_schema(spec: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    response: Any = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = _resolve(spec, response["$ref"])
    schema = response["content"]["application/json"]["schema"]
    # Root-relative `#/components/...` refs resolve against this document, so carry the components along.
    return {**schema, "components": spec["components"]}


def _check(spec: dict[str, Any], path: str, method: str, response: httpx.Response) -> Any:
    body = response.json()
    schema = _answer_schema(spec, path, method, response.status_code)
    try:
        jsonschema.validate(body, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    except jsonschema.ValidationError as exc:  # pragma: no cover - only reached when the two disagree
        pytest.fail(f"{method.upper()} {path} {response.status_code} at {list(exc.path)}: {exc.message}")
    assert "x-request-id" in response.headers
    return body


@pytest.mark.anyio
async def test_served_document_is_build_openapi(spec: dict[str, Any]) -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        response = await client.get("/openapi.json", headers={"x-api-key": "lb_sandbox_full"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == spec


@pytest.mark.anyio
async def test_served_answers_match_their_described_schemas(spec: dict[str, Any]) -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sandbox", headers={"x-api-key": "lb_sandbox_full"}
    ) as client:
        customers = _check(spec, "/v1/customers", "get", await client.get("/v1/customers"))
        customer_id = customers["data"][0]["id"]
        _check(spec, "/v1/customers/{id}", "get", await client.get(f"/v1/customers/{customer_id}"))
        _check(spec, "/v1/customers/{id}/contacts", "get", await client.get(f"/v1/customers/{customer_id}/contacts"))
        products = _check(spec, "/v1/products", "get", await client.get("/v1/products"))
        price_id = products["data"][0]["prices"][0]["id"]
        _check(spec, "/v1/product-prices/{id}", "get", await client.get(f"/v1/product-prices/{price_id}"))

        body = {
            "customerId": customer_id,
            "date": "2026-06-11",
            "validUntil": "2026-07-11",
            "reference": "PO-1",
            "lines": [
                {"priceId": price_id, "quantity": 2},
                {"description": "Levering", "lineType": "text"},
                {"description": "Timer", "quantity": 1.5, "unitPrice": "33.335"},
            ],
        }
        created = await client.post("/v1/quotes", json=body)
        quote = _check(spec, "/v1/quotes", "post", created)
        qid = quote["id"]
        _check(spec, "/v1/quotes/{id}", "patch", await client.patch(f"/v1/quotes/{qid}", json=body))
        _check(spec, "/v1/quotes/{id}/send", "post", await client.post(f"/v1/quotes/{qid}/send", json={}))
        _check(spec, "/_sandbox/quotes/{id}/accept", "post", await client.post(f"/_sandbox/quotes/{qid}/accept"))
        _check(spec, "/v1/quotes", "get", await client.get("/v1/quotes", params={"sortBy": "amount"}))
        converted = await client.post(f"/v1/quotes/{qid}/convert", json={"target": "orderConfirmation"})
        oc_id = _check(spec, "/v1/quotes/{id}/convert", "post", converted)["targetId"]
        _check(spec, "/v1/quotes/{id}", "get", await client.get(f"/v1/quotes/{qid}"))
        oc_body = {"customerId": customer_id, "date": "2026-06-12", "status": "draft", "lines": body["lines"]}
        _check(
            spec,
            "/v1/order-confirmations/{id}",
            "patch",
            await client.patch(f"/v1/order-confirmations/{oc_id}", json=oc_body),
        )
        _check(
            spec,
            "/v1/order-confirmations/{id}/send",
            "post",
            await client.post(
                f"/v1/order-confirmations/{oc_id}/send", json={"deliveryType": "Email", "recipientEmail": "a@b.dk"}
            ),
        )
        invoice = await client.post(f"/v1/order-confirmations/{oc_id}/convert", json={"target": "invoice"})
        invoice_id = _check(spec, "/v1/order-confirmations/{id}/convert", "post", invoice)["targetId"]
        _check(spec, "/v1/order-confirmations", "get", await client.get("/v1/order-confirmations"))
        _check(spec, "/v1/order-confirmations/{id}", "get", await client.get(f"/v1/order-confirmations/{oc_id}"))
        _check(spec, "/v1/invoices", "get", await client.get("/v1/invoices"))
        _check(spec, "/v1/invoices/{id}", "get", await client.get(f"/v1/invoices/{invoice_id}"))
        status_path = "/v1/invoices/{id}/delivery-status"
        _check(spec, status_path, "get", await client.get(f"/v1/invoices/{invoice_id}/delivery-status"))
        invoice_send = await client.post(
            f"/v1/invoices/{invoice_id}/send", json={"deliveryType": "Email", "recipientEmail": "ap@b.dk"}
        )
        _check(spec, "/v1/invoices/{id}/send", "post", invoice_send)
        _check(spec, status_path, "get", await client.get(f"/v1/invoices/{invoice_id}/delivery-status"))
        for segment, doc_id in (("quotes", qid), ("order-confirmations", oc_id), ("invoices", invoice_id)):
            stored = await client.get(f"/_sandbox/documents/{segment}/{doc_id}")
            _check(spec, "/_sandbox/documents/{kind}/{id}", "get", stored)
        pdf = await client.get(f"/v1/invoices/{invoice_id}/pdf", params={"draft": "true"})
        assert pdf.headers["content-type"] == "application/pdf"

        _check(spec, "/_sandbox/outbox", "get", await client.get("/_sandbox/outbox"))
        _check(spec, "/_sandbox/events", "get", await client.get("/_sandbox/events"))
        _check(spec, "/_sandbox/clock", "put", await client.put("/_sandbox/clock", json={"today": "2027-01-01"}))
        _check(spec, "/_sandbox/clock", "get", await client.get("/_sandbox/clock"))
        _check(spec, "/_sandbox/reset", "post", await client.post("/_sandbox/reset"))

        bad = await client.post("/v1/quotes", json={"customerId": "nope", "lines": [], "extra": 1})
        assert bad.status_code == 400
        _check(spec, "/v1/quotes", "post", bad)
        _check(spec, "/v1/quotes/{id}", "get", await client.get("/v1/quotes/5eed0fff-0000-4000-8000-000000000fff"))
        _check(spec, "/v1/quotes", "get", await client.get("/v1/quotes", headers={"x-api-key": "wrong"}))
        readonly = await client.post("/v1/quotes", json=body, headers={"x-api-key": "lb_sandbox_readonly"})
        assert readonly.status_code == 403
        _check(spec, "/v1/quotes", "post", readonly)


def test_every_route_of_the_app_is_described(spec: dict[str, Any]) -> None:
    app = _app()
    served = list(_route_templates(list(app.routes)))

    assert served
    for path, methods in served:
        assert path in spec["paths"], f"{path} is served but not described"
        assert methods <= set(spec["paths"][path]), f"{path}: {sorted(methods)} not all described"
    described = {(path, method) for path, method, _ in _operations(spec)}
    served_pairs = {(path, method) for path, methods in served for method in methods}
    assert described <= served_pairs, f"described but not served: {sorted(described - served_pairs)}"
