"""Create and update, written once for the kinds that have drafts here (quote, order confirmation)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from ledgerbee_mcp.api import (
    DocumentInputCommon,
    OrderConfirmation,
    OrderConfirmationCreate,
    Quote,
    QuoteCreate,
)
from ledgerbee_mcp.server.errors import api_errors
from ledgerbee_mcp.server.inputs import (
    ClearArg,
    Currency,
    DepartmentId,
    DocumentId,
    LineArg,
    OptionalText,
    OrderConfirmationClearArg,
    UpdateLines,
)
from ledgerbee_mcp.server.kinds import DocKind
from ledgerbee_mcp.server.mapping import write_result
from ledgerbee_mcp.server.outputs import WriteResult
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.drafting import (
    Changes,
    check_price_currencies,
    line_inputs,
    remember_written,
    update_document,
)
from ledgerbee_mcp.server.tools.guarded_tools import id_param
from ledgerbee_mcp.server.tools.signatures import Param, signed
from ledgerbee_mcp.server.tools.spec import CREATE, UPDATE, ToolSpec

__all__ = ["check_dates", "create_tool", "update_tool"]

Lines = Annotated[
    list[LineArg], Field(min_length=1, max_length=200, description="At least one product or subscription line.")
]
ContactId = Annotated[DocumentId | None, Field(description='The "Att." contact (list_customers).')]


def _common(kind: DocKind, *, updating: bool) -> list[Param]:
    # What a name and type do not say: the defaults of a create, and what `reference` is.
    params: list[Param] = [
        Param(
            "date", dt.date | None if updating else Annotated[dt.date | None, Field(description="Default today.")], None
        ),
    ]
    if kind.has_valid_until:
        params.append(Param("valid_until", dt.date | None, None))
    params += [
        Param(
            "currency",
            Currency | None if updating else Annotated[Currency | None, Field(description="Default the customer's.")],
            None,
        ),
        Param("customer_contact_id", ContactId, None),
    ]
    if updating:
        params.append(Param("customer_department_id", DepartmentId, None))
    params += [
        Param("reference", Annotated[OptionalText | None, Field(description="The customer's PO number.")], None),
        Param("our_reference", OptionalText | None, None),
        Param("notes", OptionalText | None, None),
    ]
    return params


def check_dates(date: dt.date, valid_until: dt.date | None) -> None:
    if valid_until is not None and valid_until < date:
        raise ToolError(
            f"valid_until: {valid_until} is before the document date {date}; give a later day (e.g. "
            f"{date + dt.timedelta(days=30)}), or leave it out. Nothing was done."
        )


def create_tool(rt: Runtime, kind: DocKind) -> ToolSpec:
    tool = f"create_{kind.name}"

    async def create(**kw: Any) -> WriteResult:
        date: dt.date = kw["date"] or rt.today()
        check_dates(date, kw.get("valid_until"))
        lines = line_inputs(kw["lines"])
        await check_price_currencies(rt, lines, kw["currency"], kw["customer_id"])
        fields = {k: v for k, v in kw.items() if k not in ("lines", "date")} | {"date": date, "lines": lines}
        body: DocumentInputCommon
        doc: Quote | OrderConfirmation
        with api_errors():
            if kind.name == "quote":
                body = QuoteCreate.model_validate(fields)
                doc = await rt.client.quotes.create(body)
            else:
                body = OrderConfirmationCreate.model_validate(fields)
                doc = await rt.client.order_confirmations.create(body)
        await remember_written(rt, doc, body)
        rt.remember(kind.name, doc.id)
        next_step = f"Preview the PDF (get_document_pdf, draft=true), then send_{kind.name} when the person agrees."
        return write_result(doc, next_step, body)

    signed(
        create,
        [
            Param("customer_id", DocumentId),
            Param("lines", Lines),
            *_common(kind, updating=False),
        ],
        WriteResult,
        name=tool,
    )
    return ToolSpec(
        create,
        tool,
        f"Create a draft {kind.label}",
        f"Create a draft {kind.label} (no number, nothing sent); customer_id from list_customers. Returns what "
        "LedgerBee stored, with its totals.",
        CREATE,
    )


def update_tool(rt: Runtime, kind: DocKind) -> ToolSpec:
    tool = f"update_{kind.name}"

    async def update(**kw: Any) -> WriteResult:
        changes = Changes(
            lines=kw["lines"],
            date=kw["date"],
            valid_until=kw.get("valid_until"),
            currency=kw["currency"],
            customer_contact_id=kw["customer_contact_id"],
            customer_department_id=kw["customer_department_id"],
            reference=kw["reference"],
            our_reference=kw["our_reference"],
            notes=kw["notes"],
            clear=frozenset(kw["clear"] or ()),
        )
        doc, body = await update_document(
            rt, "quote" if kind.name == "quote" else "order_confirmation", kw[kind.id_arg], changes
        )
        return write_result(doc, f"Check it with get_{kind.name} or the draft PDF before sending.", body)

    clear = ClearArg if kind.has_valid_until else OrderConfirmationClearArg
    signed(
        update,
        [id_param(kind), Param("lines", UpdateLines, None), *_common(kind, updating=True), Param("clear", clear, None)],
        WriteResult,
        name=tool,
    )
    return ToolSpec(
        update,
        tool,
        f"Update {kind.a}",
        f"Change {kind.a} that is not converted; only the fields given change (a sent one is not re-sent). "
        "LedgerBee's reads omit contact, department and line prices, so for a document this server did not write "
        "last also pass lines, customer_contact_id and customer_department_id, or clear them; a refusal names "
        "what is missing.",
        UPDATE,
    )
