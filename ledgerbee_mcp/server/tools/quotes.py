"""Quote tools: list, get, create, update, and the guarded send and convert."""

import datetime as dt
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from pydantic import Field

from ledgerbee_mcp.api import (
    DeliveryType,
    QuoteConvertTarget,
    QuoteCreate,
    QuoteDisplayStatus,
    QuoteSortBy,
    SortOrder,
)
from ledgerbee_mcp.guardrails.flow import GuardedAction
from ledgerbee_mcp.guardrails.outcomes import Consent
from ledgerbee_mcp.guardrails.preview import Prepared
from ledgerbee_mcp.server.errors import api_errors
from ledgerbee_mcp.server.guarded import ConfirmAction, ask, prepare_convert, prepare_send, run
from ledgerbee_mcp.server.inputs import (
    ClearArg,
    Currency,
    DepartmentId,
    DocumentId,
    EmailAddress,
    LimitArg,
    LineArg,
    OptionalText,
    PageArg,
    UpdateLines,
)
from ledgerbee_mcp.server.mapping import document_out, page_out, write_result
from ledgerbee_mcp.server.outputs import ActionResult, DocumentOut, DocumentPage, WriteResult
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.drafting import Changes, line_inputs, remember_written, update_document
from ledgerbee_mcp.server.tools.spec import ACTION, CREATE, READ, UPDATE, ToolSpec

__all__ = ["quote_tools"]

QuoteId = Annotated[DocumentId, Field(description="The quote's id (UUID).")]
Lines = Annotated[
    list[LineArg],
    Field(min_length=1, max_length=200, description="All lines; at least one product or subscription line."),
]
ContactId = Annotated[DocumentId | None, Field(description='Customer contact id ("Att."), see list_customers.')]
Reference = Annotated[OptionalText | None, Field(description="The customer's PO number.")]
OurReference = Annotated[OptionalText | None, Field(description="Our reference.")]
Notes = Annotated[OptionalText | None, Field(description="Notes printed on the quote.")]
ValidUntil = Annotated[dt.date | None, Field(description="Last day the offer is valid, YYYY-MM-DD.")]
Token = Annotated[
    str | None,
    Field(max_length=1000, description="Only when a previous call answered confirmation_required: its token."),
]

NEXT_AFTER_DRAFT = "Preview the PDF (get_document_pdf with draft=true), then send_quote when the person agrees."


def list_quotes(rt: Runtime) -> ToolSpec:
    async def list_quotes(
        status: Annotated[
            Literal["draft", "sent", "accepted", "rejected", "expired", "converted"] | None,
            Field(description="Only quotes with this display status."),
        ] = None,
        customer_id: Annotated[DocumentId | None, Field(description="Only this customer's quotes.")] = None,
        sort_by: Annotated[
            Literal["date", "documentNumber", "amount", "status", "validUntil"] | None,
            Field(description="Sort field; newest first when omitted."),
        ] = None,
        sort_order: Annotated[Literal["ASC", "DESC"] | None, Field(description="Sort direction.")] = None,
        page: PageArg = 1,
        limit: LimitArg = 25,
    ) -> DocumentPage:
        with api_errors():
            result = await rt.client.quotes.list(
                page=page,
                limit=limit,
                status=QuoteDisplayStatus(status) if status else None,
                customer_id=customer_id,
                sort_by=QuoteSortBy(sort_by) if sort_by else None,
                sort_order=SortOrder(sort_order) if sort_order else None,
            )
        return page_out(result)

    return ToolSpec(
        list_quotes,
        "list_quotes",
        "List quotes",
        "List quotes as compact summaries (id, number, display status, date, validity, customer, amount), "
        "newest first, optionally filtered by display status (draft, sent, accepted, rejected, expired, "
        "converted) or customer. Read-only. Pages of up to 100; `next_page` says how to read on. Use get_quote "
        "for a quote's lines.",
        READ,
    )


def get_quote(rt: Runtime) -> ToolSpec:
    async def get_quote(quote_id: QuoteId) -> DocumentOut:
        with api_errors():
            doc = await rt.client.quotes.get(quote_id)
        rt.remember("quote", doc.id)
        return document_out(doc)

    return ToolSpec(
        get_quote,
        "get_quote",
        "Get a quote",
        "Read one quote with its lines, totals, status and links (converted_to_* point at what it became). Read-only.",
        READ,
    )


def create_quote(rt: Runtime) -> ToolSpec:
    async def create_quote(
        customer_id: Annotated[DocumentId, Field(description="The customer's id, see list_customers.")],
        lines: Lines,
        date: Annotated[dt.date | None, Field(description="Quote date, YYYY-MM-DD; today when omitted.")] = None,
        valid_until: ValidUntil = None,
        currency: Annotated[Currency | None, Field(description="ISO code; the customer's when omitted.")] = None,
        customer_contact_id: ContactId = None,
        reference: Reference = None,
        our_reference: OurReference = None,
        notes: Notes = None,
    ) -> WriteResult:
        body = QuoteCreate(
            customer_id=customer_id,
            date=date or rt.today(),
            lines=line_inputs(lines),
            valid_until=valid_until,
            currency=currency,
            customer_contact_id=customer_contact_id,
            reference=reference,
            our_reference=our_reference,
            notes=notes,
        )
        with api_errors():
            doc = await rt.client.quotes.create(body)
        remember_written(rt, doc, body)
        rt.remember("quote", doc.id)
        return write_result(doc, NEXT_AFTER_DRAFT)

    return ToolSpec(
        create_quote,
        "create_quote",
        "Create a draft quote",
        "Create a draft quote for a customer. Each line takes a price_id from list_products (description, "
        "price and VAT come from the price) or a description and unit_price. LedgerBee computes the totals; "
        "no number is allocated and nothing is sent to anyone. Returns the new id and the computed totals.",
        CREATE,
    )


def update_quote(rt: Runtime) -> ToolSpec:
    async def update_quote(
        quote_id: QuoteId,
        lines: UpdateLines = None,
        date: Annotated[dt.date | None, Field(description="New quote date, YYYY-MM-DD.")] = None,
        valid_until: ValidUntil = None,
        currency: Annotated[Currency | None, Field(description="New currency code.")] = None,
        customer_contact_id: ContactId = None,
        customer_department_id: DepartmentId = None,
        reference: Reference = None,
        our_reference: OurReference = None,
        notes: Notes = None,
        clear: ClearArg = None,
    ) -> WriteResult:
        changes = Changes(
            lines=lines,
            date=date,
            valid_until=valid_until,
            currency=currency,
            customer_contact_id=customer_contact_id,
            customer_department_id=customer_department_id,
            reference=reference,
            our_reference=our_reference,
            notes=notes,
            clear=frozenset(clear or ()),
        )
        doc = await update_document(rt, "quote", quote_id, changes)
        return write_result(doc, "Check it with get_quote or the draft PDF before sending.")

    return ToolSpec(
        update_quote,
        "update_quote",
        "Update a quote",
        "Change a quote that is not converted. Only the fields you pass change, `clear` empties the ones it "
        "names, and `lines`, when given, replace all lines. LedgerBee does not show a quote's contact, "
        "department or line prices when read: for a quote this server did not create or last update itself, "
        "pass lines, customer_contact_id and customer_department_id (or clear them), else it refuses and says "
        "what is missing. A sent quote stays sent (its number is kept) and is not re-sent. A converted quote "
        "is read-only (SALES_DOCUMENT_LOCKED_CONVERTED).",
        UPDATE,
    )


def send_quote(rt: Runtime) -> ToolSpec:
    async def prepare(
        quote_id: str, delivery_type: Literal["Manual", "Email"], recipient_email: str | None
    ) -> Prepared:
        return await prepare_send(
            rt, "quote", rt.client.quotes.get, quote_id, delivery_type=delivery_type, recipient_email=recipient_email
        )

    async def consent(
        prepared: Annotated[Prepared, Resolve(prepare)], ctx: Context
    ) -> Elicit[ConfirmAction] | Consent:
        return await ask(rt, ctx, prepared)

    async def send_quote(
        quote_id: QuoteId,
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
            tool="send_quote",
            action="send",
            reprepare=lambda: prepare(quote_id, delivery_type, recipient_email),
            reread=lambda: rt.client.quotes.get(quote_id),
            perform=lambda checked: rt.client.quotes.send(
                quote_id, delivery_type=DeliveryType(delivery_type), recipient_email=checked.shown_recipient
            ),
        )
        return await run(rt, spec, prepared, approval, confirmation_token)

    return ToolSpec(
        send_quote,
        "send_quote",
        "Send a quote",
        "Send a quote: LedgerBee allocates its number (if it has none), renders the PDF, e-mails it with "
        "delivery_type Email, and marks it sent. Cannot be undone. The server first checks the quote (not "
        "converted; an e-mail recipient it can resolve) and shows a preview; the person confirms in the client, "
        "or, if the client cannot ask, the answer is confirmation_required with a preview and a "
        "confirmation_token: show the preview, and only on the person's yes call again with the same "
        "arguments plus the token.",
        ACTION,
    )


def convert_quote(rt: Runtime) -> ToolSpec:
    async def prepare(quote_id: str, target: Literal["orderConfirmation", "invoice"]) -> Prepared:
        return await prepare_convert(rt, "quote", rt.client.quotes.get, quote_id, target=target)

    async def consent(
        prepared: Annotated[Prepared, Resolve(prepare)], ctx: Context
    ) -> Elicit[ConfirmAction] | Consent:
        return await ask(rt, ctx, prepared)

    async def convert_quote(
        quote_id: QuoteId,
        target: Annotated[
            Literal["orderConfirmation", "invoice"],
            Field(description="orderConfirmation (confirm the order) or invoice (bill it directly)."),
        ],
        prepared: Annotated[Prepared, Resolve(prepare)],
        approval: Annotated[ElicitationResult[ConfirmAction], Resolve(consent)],
        confirmation_token: Token = None,
    ) -> ActionResult:
        spec = GuardedAction(
            tool="convert_quote",
            action="convert",
            reprepare=lambda: prepare(quote_id, target),
            reread=lambda: rt.client.quotes.get(quote_id),
            perform=lambda _: rt.client.quotes.convert(quote_id, target=QuoteConvertTarget(target)),
        )
        return await run(rt, spec, prepared, approval, confirmation_token)

    return ToolSpec(
        convert_quote,
        "convert_quote",
        "Convert a quote",
        "Convert a sent or accepted quote into an order confirmation or an invoice (converting is how a quote "
        "reaches the books); LedgerBee copies its fields and lines. Cannot be undone: the quote becomes "
        "read-only and converts only once. The server "
        "checks the quote first and shows a preview; the person confirms in the client, or the answer is "
        "confirmation_required with a confirmation_token to pass back, with the same arguments, after the "
        "person agrees. Returns the produced document's id.",
        ACTION,
    )


def quote_tools(rt: Runtime) -> list[ToolSpec]:
    return [
        list_quotes(rt),
        get_quote(rt),
        create_quote(rt),
        update_quote(rt),
        send_quote(rt),
        convert_quote(rt),
    ]
