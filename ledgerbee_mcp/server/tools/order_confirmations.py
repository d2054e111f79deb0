"""Order confirmation tools: list, get, create, update, and the guarded send and convert (to an invoice)."""

import datetime as dt
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from pydantic import Field

from ledgerbee_mcp.api import (
    DeliveryType,
    OrderConfirmationConvertTarget,
    OrderConfirmationCreate,
    OrderConfirmationDisplayStatus,
    OrderConfirmationSortBy,
    SortOrder,
)
from ledgerbee_mcp.guardrails.flow import GuardedAction
from ledgerbee_mcp.guardrails.outcomes import Consent
from ledgerbee_mcp.guardrails.preview import Prepared
from ledgerbee_mcp.server.errors import api_errors
from ledgerbee_mcp.server.guarded import ConfirmAction, ask, prepare_convert, prepare_send, run
from ledgerbee_mcp.server.inputs import (
    Currency,
    DepartmentId,
    DocumentId,
    EmailAddress,
    LimitArg,
    LineArg,
    OptionalText,
    OrderConfirmationClearArg,
    PageArg,
    UpdateLines,
)
from ledgerbee_mcp.server.mapping import document_out, page_out, write_result
from ledgerbee_mcp.server.outputs import ActionResult, DocumentOut, DocumentPage, WriteResult
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.drafting import Changes, line_inputs, remember_written, update_document
from ledgerbee_mcp.server.tools.spec import ACTION, CREATE, READ, UPDATE, ToolSpec

__all__ = ["order_confirmation_tools"]

OcId = Annotated[DocumentId, Field(description="The order confirmation's id (UUID).")]
ContactId = Annotated[DocumentId | None, Field(description='Customer contact id ("Att."), see list_customers.')]
Reference = Annotated[OptionalText | None, Field(description="The customer's PO number.")]
OurReference = Annotated[OptionalText | None, Field(description="Our reference.")]
Notes = Annotated[OptionalText | None, Field(description="Notes printed on the order confirmation.")]
Token = Annotated[
    str | None,
    Field(max_length=1000, description="Only when a previous call answered confirmation_required: its token."),
]


def list_order_confirmations(rt: Runtime) -> ToolSpec:
    async def list_order_confirmations(
        status: Annotated[
            Literal["draft", "sent", "converted"] | None, Field(description="Only this display status.")
        ] = None,
        customer_id: Annotated[DocumentId | None, Field(description="Only this customer's documents.")] = None,
        sort_by: Annotated[
            Literal["date", "documentNumber", "amount", "status"] | None,
            Field(description="Sort field; newest first when omitted."),
        ] = None,
        sort_order: Annotated[Literal["ASC", "DESC"] | None, Field(description="Sort direction.")] = None,
        page: PageArg = 1,
        limit: LimitArg = 25,
    ) -> DocumentPage:
        with api_errors():
            result = await rt.client.order_confirmations.list(
                page=page,
                limit=limit,
                status=OrderConfirmationDisplayStatus(status) if status else None,
                customer_id=customer_id,
                sort_by=OrderConfirmationSortBy(sort_by) if sort_by else None,
                sort_order=SortOrder(sort_order) if sort_order else None,
            )
        return page_out(result)

    return ToolSpec(
        list_order_confirmations,
        "list_order_confirmations",
        "List order confirmations",
        "List order confirmations as compact summaries (id, number, display status, date, customer, amount), "
        "newest first, optionally filtered by display status (draft, sent, converted) or customer. Read-only. "
        "Pages of up to 100; `next_page` says how to read on.",
        READ,
    )


def get_order_confirmation(rt: Runtime) -> ToolSpec:
    async def get_order_confirmation(order_confirmation_id: OcId) -> DocumentOut:
        with api_errors():
            doc = await rt.client.order_confirmations.get(order_confirmation_id)
        rt.remember("order_confirmation", doc.id)
        return document_out(doc)

    return ToolSpec(
        get_order_confirmation,
        "get_order_confirmation",
        "Get an order confirmation",
        "Read one order confirmation with its lines, totals, status, the quote it came from "
        "(source_document_id) and the invoice it became (converted_to_invoice_id). Read-only.",
        READ,
    )


def create_order_confirmation(rt: Runtime) -> ToolSpec:
    async def create_order_confirmation(
        customer_id: Annotated[DocumentId, Field(description="The customer's id, see list_customers.")],
        lines: Annotated[
            list[LineArg],
            Field(min_length=1, max_length=200, description="All lines; at least one product or subscription line."),
        ],
        date: Annotated[dt.date | None, Field(description="Document date, YYYY-MM-DD; today when omitted.")] = None,
        currency: Annotated[Currency | None, Field(description="ISO code; the customer's when omitted.")] = None,
        customer_contact_id: ContactId = None,
        reference: Reference = None,
        our_reference: OurReference = None,
        notes: Notes = None,
    ) -> WriteResult:
        body = OrderConfirmationCreate(
            customer_id=customer_id,
            date=date or rt.today(),
            lines=line_inputs(lines),
            currency=currency,
            customer_contact_id=customer_contact_id,
            reference=reference,
            our_reference=our_reference,
            notes=notes,
        )
        with api_errors():
            doc = await rt.client.order_confirmations.create(body)
        remember_written(rt, doc, body)
        rt.remember("order_confirmation", doc.id)
        return write_result(doc, "Check the draft PDF, then send_order_confirmation when the person agrees.")

    return ToolSpec(
        create_order_confirmation,
        "create_order_confirmation",
        "Create a draft order confirmation",
        "Create a draft order confirmation directly (to confirm a quote, use convert_quote instead). Lines take "
        "a price_id from list_products or a description and unit_price. LedgerBee computes the totals; no "
        "number is allocated and nothing is sent. Returns the new id and the computed totals.",
        CREATE,
    )


def update_order_confirmation(rt: Runtime) -> ToolSpec:
    async def update_order_confirmation(
        order_confirmation_id: OcId,
        lines: UpdateLines = None,
        date: Annotated[dt.date | None, Field(description="New document date, YYYY-MM-DD.")] = None,
        currency: Annotated[Currency | None, Field(description="New currency code.")] = None,
        customer_contact_id: ContactId = None,
        customer_department_id: DepartmentId = None,
        reference: Reference = None,
        our_reference: OurReference = None,
        notes: Notes = None,
        clear: OrderConfirmationClearArg = None,
    ) -> WriteResult:
        changes = Changes(
            lines=lines,
            date=date,
            currency=currency,
            customer_contact_id=customer_contact_id,
            customer_department_id=customer_department_id,
            reference=reference,
            our_reference=our_reference,
            notes=notes,
            clear=frozenset(clear or ()),
        )
        doc = await update_document(rt, "order_confirmation", order_confirmation_id, changes)
        return write_result(doc, "Check it with get_order_confirmation or the draft PDF before sending.")

    return ToolSpec(
        update_order_confirmation,
        "update_order_confirmation",
        "Update an order confirmation",
        "Change an order confirmation that is not converted. Only the fields you pass change, `clear` empties "
        "the ones it names, and `lines`, when given, replace all lines. LedgerBee does not show its contact, "
        "department or line prices when read: for one this server did not create or last update itself, pass "
        "lines, customer_contact_id and customer_department_id (or clear them), else it refuses and says what "
        "is missing. Its status is not changed here (use send_order_confirmation). A converted one is "
        "read-only (SALES_DOCUMENT_LOCKED_CONVERTED).",
        UPDATE,
    )


def send_order_confirmation(rt: Runtime) -> ToolSpec:
    async def prepare(
        order_confirmation_id: str, delivery_type: Literal["Manual", "Email"], recipient_email: str | None
    ) -> Prepared:
        return await prepare_send(
            rt,
            "order_confirmation",
            rt.client.order_confirmations.get,
            order_confirmation_id,
            delivery_type=delivery_type,
            recipient_email=recipient_email,
        )

    async def consent(
        prepared: Annotated[Prepared, Resolve(prepare)], ctx: Context
    ) -> Elicit[ConfirmAction] | Consent:
        return await ask(rt, ctx, prepared)

    async def send_order_confirmation(
        order_confirmation_id: OcId,
        prepared: Annotated[Prepared, Resolve(prepare)],
        approval: Annotated[ElicitationResult[ConfirmAction], Resolve(consent)],
        delivery_type: Annotated[
            Literal["Manual", "Email"],
            Field(description="Manual: allocate the number and mark sent, no e-mail. Email: e-mail the PDF."),
        ] = "Manual",
        recipient_email: Annotated[
            EmailAddress | None,
            Field(
                description="Email only: the address to e-mail. Needed when the customer has contacts with an "
                "e-mail (the refusal lists them); without it the customer's own address is used."
            ),
        ] = None,
        confirmation_token: Token = None,
    ) -> ActionResult:
        spec = GuardedAction(
            tool="send_order_confirmation",
            action="send",
            reprepare=lambda: prepare(order_confirmation_id, delivery_type, recipient_email),
            reread=lambda: rt.client.order_confirmations.get(order_confirmation_id),
            perform=lambda checked: rt.client.order_confirmations.send(
                order_confirmation_id,
                delivery_type=DeliveryType(delivery_type),
                recipient_email=checked.shown_recipient,
            ),
        )
        return await run(rt, spec, prepared, approval, confirmation_token)

    return ToolSpec(
        send_order_confirmation,
        "send_order_confirmation",
        "Send an order confirmation",
        "Send an order confirmation: LedgerBee allocates its number (if it has none), renders the PDF, e-mails "
        "it with delivery_type Email, and marks it sent. Cannot be undone. The server checks it first and shows "
        "a preview; the person confirms in the client, or the answer is confirmation_required with a "
        "confirmation_token: show the preview, and only on the person's yes call again with the same arguments "
        "plus the token.",
        ACTION,
    )


def convert_order_confirmation(rt: Runtime) -> ToolSpec:
    async def prepare(order_confirmation_id: str) -> Prepared:
        return await prepare_convert(
            rt, "order_confirmation", rt.client.order_confirmations.get, order_confirmation_id, target="invoice"
        )

    async def consent(
        prepared: Annotated[Prepared, Resolve(prepare)], ctx: Context
    ) -> Elicit[ConfirmAction] | Consent:
        return await ask(rt, ctx, prepared)

    async def convert_order_confirmation(
        order_confirmation_id: OcId,
        prepared: Annotated[Prepared, Resolve(prepare)],
        approval: Annotated[ElicitationResult[ConfirmAction], Resolve(consent)],
        confirmation_token: Token = None,
    ) -> ActionResult:
        spec = GuardedAction(
            tool="convert_order_confirmation",
            action="convert",
            reprepare=lambda: prepare(order_confirmation_id),
            reread=lambda: rt.client.order_confirmations.get(order_confirmation_id),
            perform=lambda _: rt.client.order_confirmations.convert(
                order_confirmation_id, target=OrderConfirmationConvertTarget.INVOICE
            ),
        )
        return await run(rt, spec, prepared, approval, confirmation_token)

    return ToolSpec(
        convert_order_confirmation,
        "convert_order_confirmation",
        "Convert an order confirmation to an invoice",
        "Convert a sent order confirmation into an invoice; LedgerBee copies its fields and lines. Cannot be "
        "undone: the order confirmation becomes read-only and converts only once. The server checks it first "
        "and shows a preview; the person confirms in the client, or the answer is confirmation_required with a "
        "confirmation_token to pass back after the person agrees. Returns the invoice id (see get_invoice).",
        ACTION,
    )


def order_confirmation_tools(rt: Runtime) -> list[ToolSpec]:
    return [
        list_order_confirmations(rt),
        get_order_confirmation(rt),
        create_order_confirmation(rt),
        update_order_confirmation(rt),
        send_order_confirmation(rt),
        convert_order_confirmation(rt),
    ]
