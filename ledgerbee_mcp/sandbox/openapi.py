"""The OpenAPI 3.1 description of everything the sandbox serves, answered at `GET /openapi.json`.

The document schemas (quotes, order confirmations, invoices: bodies, answers, stored records) are generated
from the models in models.py, the same ones the routes check bodies against and build answers through, so
the schema cannot drift from what is served. Paths are built once per `kinds.DocumentKind`, so the statuses,
sort fields, scopes and conversion targets printed here are the ones the routes enforce. Schema names follow
LedgerBee's published reference (`PublicQuote`, `PublicCreateQuote`, ...); the supporting reads and the
sandbox controls are this project's shapes (docs/api-contract.md; the sandbox's shapes.py), written here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from ledgerbee_mcp.sandbox import models
from ledgerbee_mcp.sandbox.kinds import INVOICE, KINDS, ORDER_CONFIRMATION, QUOTE, DocumentKind

__all__ = ["build_openapi"]

Json = dict[str, Any]

_REF_TEMPLATE = "#/components/schemas/{model}"
_MONEY = r"^-?\d+\.\d{2}$"
_PERCENT = r"^\d+(\.\d+)?$"
_LINE_TYPES = ("product", "subscription", "text")
_KIND_NAMES = ("quote", "orderConfirmation", "invoice")
_RULE_CODES = (
    "VALIDATION_ERROR, SALES_DOCUMENT_MISSING_RECIPIENT, SALES_DOCUMENT_LOCKED_CONVERTED, "
    "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT, SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE, "
    "SALES_DOCUMENT_CONVERT_REQUIRES_SENT, SANDBOX_INVALID_TRANSITION, SANDBOX_CONCURRENT_MODIFICATION"
)


# -- schema atoms ------------------------------------------------------------------------------------------


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Json) -> Json:
    return {**schema, "type": [schema["type"], "null"]}


def _str(description: str, **extra: Any) -> Json:
    return {"type": "string", "description": description, **extra}


def _uuid(description: str) -> Json:
    return _str(description, format="uuid")


def _date(description: str) -> Json:
    return _str(description, format="date", examples=["2026-06-11"])


def _timestamp(description: str) -> Json:
    return _str(description, format="date-time")


def _money(description: str) -> Json:
    return _str(description, pattern=_MONEY, examples=["1000.00"])


def _enum(description: str, values: tuple[str, ...]) -> Json:
    return _str(description, enum=list(values))


def _currency() -> Json:
    return _str("ISO 4217 currency code", pattern="^[A-Z]{3}$", examples=["DKK"])


def _array(items: Json, description: str = "") -> Json:
    return {"type": "array", "items": items} | ({"description": description} if description else {})


def _object(properties: Json, required: tuple[str, ...] = (), *, closed: bool = False) -> Json:
    schema: Json = {"type": "object", "properties": properties, "required": list(required)}
    if closed:
        # The sandbox answers 400 VALIDATION_ERROR naming each unknown request field.
        schema["additionalProperties"] = False
    return schema


def _paged(item: str, description: str) -> Json:
    count = {"type": "integer", "minimum": 0}
    return _object(
        {
            "data": _array(_ref(item), description),
            "total": {**count, "description": "Items matching the query"},
            "page": {"type": "integer", "minimum": 1, "description": "Current page (1-indexed)"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Items per page"},
            "totalPages": {**count, "description": "Number of pages"},
        },
        ("data", "total", "page", "limit", "totalPages"),
    )


# -- document schemas: generated from the models the routes build answers with and check bodies against ------


class _SchemaGenerator(GenerateJsonSchema):
    """pydantic's generator, with `null` written into `type`, as the rest of this document writes it."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        kind = inner.get("type")
        if isinstance(kind, str) and "$ref" not in inner:
            nullable: JsonSchemaValue = {**inner, "type": [kind, "null"]}
            if "enum" in inner:
                nullable["enum"] = [*inner["enum"], None]
            return nullable
        return super().nullable_schema(schema)


def _document_models(kind: DocumentKind) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    answers: list[type[BaseModel]] = [
        models.document_answer(kind, lines=True),
        models.document_page(kind),
        models.document_record(kind),
    ]
    bodies: list[type[BaseModel]] = [models.send_body(kind)]
    if kind.editable:
        bodies += [models.document_body(kind, "create"), models.document_body(kind, "update")]
    if kind.convert_targets:
        answers.append(models.convert_result(kind))
        bodies.append(models.convert_body(kind))
    if kind.has_delivery_status:
        answers.append(models.delivery_status(kind))

    def pair(model: type[BaseModel], mode: JsonSchemaMode) -> tuple[type[BaseModel], JsonSchemaMode]:
        return model, mode

    return [pair(m, "serialization") for m in answers] + [pair(m, "validation") for m in bodies]


def _document_schemas() -> Json:
    pairs = [pair for kind in (QUOTE, ORDER_CONFIRMATION, INVOICE) for pair in _document_models(kind)]
    _, top = models_json_schema(pairs, ref_template=_REF_TEMPLATE, schema_generator=_SchemaGenerator)
    schemas: Json = top["$defs"]
    for schema in schemas.values():
        for field in schema.get("properties", {}).values():
            field.pop("title", None)  # the field's name already is its title
    return schemas


def _name(model: type[BaseModel]) -> str:
    return model.__name__


# -- operations --------------------------------------------------------------------------------------------

_REQUEST_ID = {"x-request-id": {"$ref": "#/components/headers/RequestId"}}


def _answer(description: str, schema: Json, media_type: str = "application/json") -> Json:
    return {"description": description, "headers": _REQUEST_ID, "content": {media_type: {"schema": schema}}}


def _error(name: str) -> Json:
    return {"$ref": f"#/components/responses/{name}"}


def _operation(
    op_id: str,
    summary: str,
    tag: str,
    scope: str | None,
    answers: Json,
    *,
    params: tuple[Json, ...] = (),
    body: str | None = None,
    public: bool = False,
) -> Json:
    """One operation; its error answers follow from what it takes (input -> 400, path id -> 404, ...)."""
    responses = dict(answers)
    if params or body:
        responses["400"] = _error("BadRequest")
    if not public:
        responses["401"] = _error("Unauthorized")
    if scope is not None:
        responses["403"] = _error("Forbidden")
    if any(p["in"] == "path" for p in params):
        responses["404"] = _error("NotFound")
    op: Json = {"operationId": op_id, "summary": summary, "tags": [tag], "responses": responses}
    if public:
        op["security"] = []
    elif scope is not None:
        op["description"] = f"Requires the `{scope}` scope."
        # OpenAPI 3.1 lets non-OAuth schemes list the roles (here: scopes) an operation needs.
        op["security"] = [{"apiKey": [scope]}, {"bearer": [scope]}]
    if params:
        op["parameters"] = list(params)
    if body is not None:
        # Send and convert bodies may be empty (send defaults to Manual); the schema says what is required.
        op["requestBody"] = {"required": False, "content": {"application/json": {"schema": _ref(body)}}}
    return op


def _path_id(what: str) -> Json:
    schema = {"type": "string", "format": "uuid"}
    return {"name": "id", "in": "path", "required": True, "description": f"The {what} id", "schema": schema}


def _query(name: str, description: str, schema: Json) -> Json:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _paging() -> tuple[Json, ...]:
    return (
        _query("page", "Page number (1-indexed)", {"type": "integer", "minimum": 1, "default": 1}),
        _query("limit", "Items per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}),
    )


def _list_params(kind: DocumentKind) -> tuple[Json, ...]:
    return (
        *_paging(),
        _query("status", "Display status", {"type": "string", "enum": list(kind.display_statuses)}),
        _query("customerId", "Only this customer's documents", {"type": "string", "format": "uuid"}),
        _query(
            "sortBy",
            "Sort field (ties: createdAt, then id); without it, newest first: date, then createdAt",
            {"type": "string", "enum": list(kind.sort_fields)},
        ),
        _query(
            "sortOrder",
            "Direction, also of the default order (ASC without sortBy: oldest first)",
            {"type": "string", "enum": ["ASC", "DESC"], "default": "DESC"},
        ),
    )


def _stem(kind: DocumentKind) -> str:
    return kind.name[0].upper() + kind.name[1:]


def _read_paths(kind: DocumentKind) -> Json:
    """List, get and PDF: what every document kind serves."""
    stem, noun, base = _stem(kind), kind.label.lower(), f"/v1/{kind.path}"
    full, page = _name(models.document_answer(kind, lines=True)), _name(models.document_page(kind))
    idp = _path_id(noun)
    draft = _query("draft", 'Render with a "DRAFT" watermark (a draft always has one)', {"type": "boolean"})
    pdf = _answer(f"The {noun} as PDF", {"type": "string", "contentMediaType": "application/pdf"}, "application/pdf")
    return {
        base: {
            "get": _operation(
                f"list{stem}s",
                f"List {noun}s",
                kind.label,
                kind.read_scope,
                {"200": _answer("One page", _ref(page))},
                params=_list_params(kind),
            ),
        },
        f"{base}/{{id}}": {
            "get": _operation(
                f"get{stem}",
                f"Get a {noun} with its lines",
                kind.label,
                kind.read_scope,
                {"200": _answer(kind.label, _ref(full))},
                params=(idp,),
            ),
        },
        f"{base}/{{id}}/pdf": {
            "get": _operation(
                f"download{stem}Pdf",
                f"Download a {noun} as PDF",
                kind.label,
                kind.read_scope,
                {"200": pdf},
                params=(idp, draft),
            ),
        },
    }


def _document_paths(kind: DocumentKind) -> Json:
    """The reads and the send, plus what the kind has: create and update, convert, the delivery status."""
    stem, noun, base, scope = _stem(kind), kind.label.lower(), f"/v1/{kind.path}", kind.write_scope
    one = _ref(_name(models.document_answer(kind, lines=True)))
    idp = (_path_id(noun),)
    paths = _read_paths(kind)
    if kind.editable:
        paths[base]["post"] = _operation(
            f"create{stem}",
            f"Create a draft {noun}",
            kind.label,
            scope,
            {"201": _answer("Created", one)},
            body=_name(models.document_body(kind, "create")),
        )
        paths[f"{base}/{{id}}"]["patch"] = _operation(
            f"update{stem}",
            f"Replace a {noun}'s fields and lines",
            kind.label,
            scope,
            {"200": _answer("Updated", one)},
            params=idp,
            body=_name(models.document_body(kind, "update")),
        )
    paths[f"{base}/{{id}}/send"] = {
        "post": _operation(
            f"send{stem}",
            f"Send a {noun} (allocates its number)",
            kind.label,
            scope,
            {"200": _answer("Sent", one), "409": _error("Conflict")},
            params=idp,
            body=_name(models.send_body(kind)),
        )
    }
    if kind.convert_targets:
        paths[f"{base}/{{id}}/convert"] = {
            "post": _operation(
                f"convert{stem}",
                f"Convert a {noun}",
                kind.label,
                scope,
                {"200": _answer("The produced document", _ref(_name(models.convert_result(kind))))},
                params=idp,
                body=_name(models.convert_body(kind)),
            )
        }
    if kind.has_delivery_status:
        status = _ref(_name(models.delivery_status(kind)))
        paths[f"{base}/{{id}}/delivery-status"] = {
            "get": _operation(
                f"get{stem}DeliveryStatus",
                f"Get the delivery status of a {noun} (its last send)",
                kind.label,
                kind.read_scope,
                {"200": _answer("How it was last sent", status)},
                params=idp,
            )
        }
    return paths


# -- supporting reads --------------------------------------------------------------------------------------


def _catalog_schemas() -> Json:
    address = _object(
        {"street": _str("Street"), "postalCode": _str("Postal code"), "city": _str("City"), "country": _str("Country")},
        ("street", "postalCode", "city", "country"),
    )
    customer = _object(
        {
            "id": _uuid("Customer id"),
            "name": _str("Name"),
            "email": _nullable(_str("Billing e-mail", format="email")),
            "currency": _currency(),
            "vatNumber": _nullable(_str("VAT number")),
            "address": _ref("Address"),
        },
        ("id", "name", "email", "currency", "vatNumber", "address"),
    )
    contact = _object(
        {
            "id": _uuid("Contact id"),
            "customerId": _uuid("Customer"),
            "name": _str("Name"),
            "email": _nullable(_str("E-mail", format="email")),
        },
        ("id", "customerId", "name", "email"),
    )
    price = _object(
        {
            "id": _uuid("Price id"),
            "productId": _uuid("Product"),
            "name": _str("Name"),
            "unitPrice": _money("Unit price excluding VAT"),
            "currency": _currency(),
            "vatRate": _str("VAT percentage", pattern=_PERCENT, examples=["25"]),
            "lineType": _enum("Line type a line billing this price gets", _LINE_TYPES),
            "status": _enum("Only an active price can be put on a line", ("active", "archived", "disabled")),
        },
        ("id", "productId", "name", "unitPrice", "currency", "vatRate", "lineType", "status"),
    )
    product = _object(
        {
            "id": _uuid("Product id"),
            "name": _str("Name"),
            "description": _nullable(_str("Description")),
            "prices": _array(_ref("Price")),
        },
        ("id", "name", "description", "prices"),
    )
    return {
        "Address": address,
        "Customer": customer,
        "CustomerList": _paged("Customer", "Customers by name"),
        "Contact": contact,
        "ContactList": _object({"data": _array(_ref("Contact"), "Oldest first")}, ("data",)),
        "Price": price,
        "Product": product,
        "ProductList": _paged("Product", "Products by name, with their prices"),
    }


def _catalog_paths() -> Json:
    customers, products = "customers-read", "products-read"
    search_customers = _query("search", "Case-insensitive match on name or e-mail", {"type": "string"})
    search_products = _query("search", "Case-insensitive match on name or description", {"type": "string"})

    def read(op_id: str, summary: str, tag: str, scope: str, schema: str, params: tuple[Json, ...]) -> Json:
        return {"get": _operation(op_id, summary, tag, scope, {"200": _answer(summary, _ref(schema))}, params=params)}

    return {
        "/v1/customers": read(
            "listCustomers", "List customers", "Customers", customers, "CustomerList", (search_customers, *_paging())
        ),
        "/v1/customers/{id}": read(
            "getCustomer", "Get a customer", "Customers", customers, "Customer", (_path_id("customer"),)
        ),
        "/v1/customers/{id}/contacts": read(
            "listCustomerContacts",
            "List a customer's contacts",
            "Customers",
            customers,
            "ContactList",
            (_path_id("customer"),),
        ),
        "/v1/products": read(
            "listProducts",
            "List products with their prices",
            "Products",
            products,
            "ProductList",
            (search_products, *_paging()),
        ),
        "/v1/product-prices/{id}": read(
            "getProductPrice", "Get a product price", "Products", products, "Price", (_path_id("product price"),)
        ),
    }


# -- sandbox control ---------------------------------------------------------------------------------------


def _control_schemas() -> Json:
    today = _date("The day the tenant's documents are read against (validUntil, expired)")
    clock_fields = {
        "today": today,
        "overridden": {"type": "boolean", "description": "False while the real calendar day applies"},
    }
    document_type = _enum("Document type", _KIND_NAMES)
    return {
        "SandboxClock": _object(clock_fields, ("today", "overridden")),
        "SandboxSetClock": _object(
            {"today": _nullable(_date("The day to treat as today; null returns to the real calendar"))},
            ("today",),
            closed=True,
        ),
        "SandboxReset": _object({"tenantId": _uuid("The tenant reset"), **clock_fields}, ("tenantId", "today")),
        "SandboxOutboxMessage": _object(
            {
                "id": _uuid("Message id"),
                "to": _str("Recipient", format="email"),
                "subject": _str("Subject"),
                "documentType": document_type,
                "documentId": _uuid("Document sent"),
                "documentNumber": _nullable(_str("Its number")),
                "pdfBytes": {"type": "integer", "minimum": 0, "description": "Size of the attached PDF"},
                "sentAt": _timestamp("When it was 'sent'"),
            },
            ("id", "to", "subject", "documentType", "documentId", "documentNumber", "pdfBytes", "sentAt"),
        ),
        "SandboxOutbox": _object({"data": _array(_ref("SandboxOutboxMessage"), "Oldest first")}, ("data",)),
        "SandboxEvent": _object(
            {
                "id": _uuid("Event id"),
                "topic": _str("Webhook topic", examples=["quote.sent", "quote.converted", "invoice.sent"]),
                "documentType": document_type,
                "documentId": _uuid("Document concerned"),
                "createdAt": _timestamp("When it happened"),
                "payload": {"type": "object", "description": "What the webhook would carry"},
            },
            ("id", "topic", "documentType", "documentId", "createdAt", "payload"),
        ),
        "SandboxEvents": _object({"data": _array(_ref("SandboxEvent"), "Oldest first")}, ("data",)),
    }


def _control_paths() -> Json:
    quote, quote_id = _ref(_name(models.document_answer(QUOTE, lines=True))), (_path_id("quote"),)
    kinds = tuple(KINDS.values())
    kind_param = {
        "name": "kind",
        "in": "path",
        "required": True,
        "description": "The document's /v1 collection",
        "schema": {"type": "string", "enum": [k.path for k in kinds]},
    }
    record = {"oneOf": [_ref(_name(models.document_record(k))) for k in kinds]}

    def control(op_id: str, summary: str, answer: Json, **kwargs: Any) -> Json:
        op = _operation(op_id, summary, "Sandbox", None, {"200": answer}, **kwargs)
        op["description"] = "Sandbox control, not part of LedgerBee's API: any valid key, acts on its tenant."
        return op

    clock = _answer("The clock now", _ref("SandboxClock"))
    return {
        "/_sandbox/reset": {
            "post": control(
                "resetSandbox", "Wipe the tenant's documents and re-seed it", _answer("Reset", _ref("SandboxReset"))
            ),
        },
        "/_sandbox/quotes/{id}/accept": {
            "post": control(
                "acceptQuote", "Accept a sent quote, as its customer would", _answer("Accepted", quote), params=quote_id
            ),
        },
        "/_sandbox/quotes/{id}/reject": {
            "post": control(
                "rejectQuote", "Reject a sent quote, as its customer would", _answer("Rejected", quote), params=quote_id
            ),
        },
        "/_sandbox/clock": {
            "get": control("getSandboxClock", "The tenant's 'today'", clock),
            "put": control("setSandboxClock", "Move the tenant's 'today'", clock, body="SandboxSetClock"),
        },
        "/_sandbox/outbox": {
            "get": control(
                "listSandboxOutbox",
                "E-mails the sandbox would have sent",
                _answer("Oldest first", _ref("SandboxOutbox")),
            ),
        },
        "/_sandbox/events": {
            "get": control(
                "listSandboxEvents",
                "Webhook events the sandbox would have delivered",
                _answer("Oldest first", _ref("SandboxEvents")),
            ),
        },
        "/_sandbox/documents/{kind}/{id}": {
            "get": control(
                "getSandboxDocument",
                "The stored document: its answer plus customerContactId, customerDepartmentId and line priceIds",
                _answer("The stored record", record),
                params=(kind_param, _path_id("document")),
            ),
        },
        "/openapi.json": {
            "get": _operation(
                "getOpenApi",
                "This description",
                "Sandbox",
                None,
                {"200": _answer("OpenAPI 3.1", {"type": "object"})},
                public=True,
            ),
        },
    }


# -- the whole -------------------------------------------------------------------------------------------


def _components(schemas: Json) -> Json:
    def error(description: str) -> Json:
        return _answer(description, _ref("Error"))

    field_error = _object(
        {"field": _str("Field path", examples=["lines[0].quantity"]), "message": _str("What is wrong with it")},
        ("field", "message"),
    )
    error_schema = _object(
        {
            "statusCode": {"type": "integer", "description": "The HTTP status, repeated"},
            "code": _str(f"Machine-readable reason; absent on 401, 403 and 404. One of: {_RULE_CODES}"),
            "message": _str("What went wrong, for a human"),
            "errors": _array(field_error, "On VALIDATION_ERROR only: one entry per bad field"),
        },
        ("statusCode", "message"),
    )
    return {
        "schemas": {**schemas, "Error": error_schema},
        "responses": {
            "BadRequest": error("Validation failure (VALIDATION_ERROR) or a refused lifecycle step (see `code`)"),
            "Unauthorized": error("Missing or unknown API key"),
            "Forbidden": error("The key lacks the scope the operation requires"),
            "NotFound": error("No such id for this tenant"),
            "Conflict": error("The document kept changing during the send (SANDBOX_CONCURRENT_MODIFICATION)"),
        },
        "headers": {
            "RequestId": {"description": "The caller's x-request-id, or a new one", "schema": {"type": "string"}},
        },
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            "bearer": {"type": "http", "scheme": "bearer", "description": "The API key as a bearer token"},
        },
    }


def build_openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document; rebuilt on each call (it is small), so callers may mutate their copy."""
    schemas: Json = _document_schemas()
    paths: Json = {}
    for kind in (QUOTE, ORDER_CONFIRMATION, INVOICE):
        paths |= _document_paths(kind)
    schemas |= _catalog_schemas() | _control_schemas()
    paths |= _catalog_paths() | _control_paths()
    tags = (QUOTE.label, ORDER_CONFIRMATION.label, "Customers", "Products", INVOICE.label, "Sandbox")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LedgerBee API sandbox",
            "version": "1.0.0",
            "description": (
                "A local emulator of LedgerBee's quote, order confirmation and invoice endpoints "
                "(docs/api-contract.md), plus `/_sandbox/*` controls."
            ),
        },
        "servers": [{"url": "/", "description": "The sandbox itself"}],
        "security": [{"apiKey": []}, {"bearer": []}],
        "tags": [{"name": name} for name in tags],
        "paths": paths,
        "components": _components(schemas),
    }
