"""What create and update share for both document types: lines, and an update that changes exactly what the
agent asked.

LedgerBee's PATCH replaces the editable fields and the lines wholesale, and its answers do not show the contact,
the department or which product price a line bills. So an update never rebuilds those from a read: it takes them
from the agent, or from the body this server itself last wrote while the document is unchanged since
(`server/written.py`), and otherwise refuses, naming what is missing and where to find it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Literal, cast

from mcp.server.mcpserver.exceptions import ToolError

from ledgerbee_mcp.api import (
    DocumentInputCommon,
    Line,
    LineInput,
    LineType,
    OrderConfirmation,
    OrderConfirmationUpdate,
    Quote,
    QuoteUpdate,
)
from ledgerbee_mcp.server.errors import api_errors
from ledgerbee_mcp.server.inputs import Clearable, LineArg
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.written import Carried

__all__ = ["Changes", "check_price_currencies", "line_inputs", "remember_written", "update_document"]

DraftKind = Literal["quote", "order_confirmation"]
_LABEL: dict[DraftKind, str] = {"quote": "quote", "order_confirmation": "order confirmation"}
_A: dict[DraftKind, str] = {"quote": "a quote", "order_confirmation": "an order confirmation"}
_LABEL_OF: dict[type, str] = {Quote: "quote", OrderConfirmation: "order confirmation"}


def line_inputs(lines: list[LineArg]) -> list[LineInput]:
    if not lines:
        raise ToolError("lines: give at least one line (and at least one product or subscription line).")
    out: list[LineInput] = []
    for index, line in enumerate(lines):
        if line.price_id is None and line.line_type != "text" and (line.description is None or line.unit_price is None):
            raise ToolError(
                f"lines[{index}]: give a price_id (see list_products), or both description and unit_price."
            )
        is_text = line.line_type == "text"
        out.append(
            LineInput(
                price_id=line.price_id,
                description=line.description,
                line_type=LineType(line.line_type) if line.line_type else None,
                quantity=None if is_text else line.quantity,
                unit_price=None if is_text else line.unit_price,
            )
        )
    return out


@dataclass(frozen=True)
class Changes:
    """What the agent asked to change; None leaves a field alone, `clear` empties it."""

    lines: list[LineArg] | None = None
    date: dt.date | None = None
    valid_until: dt.date | None = None
    currency: str | None = None
    customer_contact_id: str | None = None
    customer_department_id: str | None = None
    reference: str | None = None
    our_reference: str | None = None
    notes: str | None = None
    clear: frozenset[Clearable] = frozenset()

    def check(self) -> None:
        both = sorted(name for name in self.clear if getattr(self, name) not in (None, ""))
        if both:
            raise ToolError(
                f"{', '.join(both)}: given a value and also listed in clear; do one or the other. Nothing was changed."
            )

    def text(self, name: Literal["reference", "our_reference", "notes"], current: str | None) -> str | None:
        """An omitted text keeps the current value; an empty string or `clear` empties it."""
        new: str | None = getattr(self, name)
        if name in self.clear:
            return None
        if new is None:
            return current
        return new or None


def _seen(doc: Quote | OrderConfirmation) -> str:
    """A digest of what LedgerBee shows of the document, besides `updatedAt`: a record of what this server wrote
    applies only while both are unchanged."""
    lines = [
        [ln.description, str(ln.line_type), str(ln.quantity), str(ln.unit_price), str(ln.vat_rate)] for ln in doc.lines
    ]
    shown = {
        "status": str(doc.status),
        "customer_id": doc.customer_id,
        "date": doc.date.isoformat(),
        "valid_until": doc.valid_until.isoformat() if isinstance(doc, Quote) and doc.valid_until else None,
        "currency": doc.currency,
        "texts": [doc.reference, doc.our_reference, doc.notes],
        "lines": lines,
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:32]


async def remember_written(rt: Runtime, doc: Quote | OrderConfirmation, body: DocumentInputCommon) -> None:
    """Keep what was sent and LedgerBee does not show, bound to the state LedgerBee answered it with, for the next
    update of this draft."""
    carried = Carried(
        customer_id=body.customer_id,
        customer_contact_id=body.customer_contact_id,
        customer_department_id=body.customer_department_id,
        lines=tuple(body.lines),
    )
    await rt.written.put(doc.id, doc.updated_at, _seen(doc), carried)


async def _known(rt: Runtime, doc: Quote | OrderConfirmation) -> Carried | None:
    known = await rt.written.get(doc.id, doc.updated_at, _seen(doc))
    return known if known is not None and len(known.lines) == len(doc.lines) else None


def _carried_lines(known: Carried, current: Quote | OrderConfirmation, currency: str | None) -> list[LineInput]:
    """The lines as LedgerBee shows them now, with the price each bills from the last write: a priced line sent
    back with only its `price_id` would be priced anew, so a price changed since would change the document. In
    another currency the shown amounts mean nothing: the lines go as written, and the prices' own currency is
    checked against the new one."""
    if currency is not None and currency != current.currency:
        return list(known.lines)
    out: list[LineInput] = []
    for written, shown in zip(known.lines, current.lines, strict=True):
        if shown.line_type == LineType.TEXT:
            out.append(written)
            continue
        shown_type = shown.line_type if isinstance(shown.line_type, LineType) else written.line_type
        pinned = {
            "description": shown.description,
            "line_type": shown_type,
            "quantity": shown.quantity,
            "unit_price": shown.unit_price,
        }
        out.append(written.model_copy(update=pinned))
    return out


async def _check_carried_vat(rt: Runtime, known: Carried, current: Quote | OrderConfirmation) -> None:
    """A request line cannot carry a VAT rate: a priced line always takes its price's. If that rate changed since
    the draft was written, sending the lines back would change the draft's VAT; ask instead."""
    for index, (written, shown) in enumerate(zip(known.lines, current.lines, strict=True)):
        if written.price_id is None or shown.line_type == LineType.TEXT:
            continue
        with api_errors():
            price = await rt.client.prices.get(written.price_id)
        if price.vat_rate != shown.vat_rate:
            raise ToolError(
                f"lines[{index}]: the price it bills now has {price.vat_rate} % VAT, the {_LABEL_OF[type(current)]} "
                f"shows {shown.vat_rate} %, and LedgerBee would apply the price's rate when the lines are sent back. "
                "Nothing was changed. Pass lines (with this line's price_id for the new rate, or a description and "
                "unit_price without one for a free line at 25 %) to say which."
            )


def _describe_line(index: int, line: Line) -> str:
    if line.line_type == LineType.TEXT:
        return f"{index + 1}) text {line.description!r}"
    return (
        f"{index + 1}) {line.description!r} {line.quantity} x {line.unit_price} (VAT {line.vat_rate}%, "
        f"{line.line_type})"
    )


def _missing(kind: DraftKind, current: Quote | OrderConfirmation, changes: Changes) -> list[str]:
    missing: list[str] = []
    if changes.lines is None:
        current_lines = "; ".join(_describe_line(i, ln) for i, ln in enumerate(current.lines)) or "none"
        missing.append(
            "lines: the full set of lines (for a priced line its price_id, see list_products; a line without one "
            "is a free line at 25 % VAT). LedgerBee's answers do not say which product price a line bills, so the "
            f"current lines cannot be sent back unchanged. Current lines: {current_lines}"
        )
    if changes.customer_contact_id is None and "customer_contact_id" not in changes.clear:
        missing.append(
            "customer_contact_id: the contact the document is for (list_customers with include_contacts shows "
            'them), or clear: ["customer_contact_id"] for none'
        )
    if changes.customer_department_id is None and "customer_department_id" not in changes.clear:
        missing.append(
            "customer_department_id: the customer's department, if the document has one (ask the person), or "
            'clear: ["customer_department_id"] for none'
        )
    if missing:
        missing.insert(
            0,
            f"Nothing was changed. LedgerBee replaces {_A[kind]}'s fields and lines wholesale on update, and does "
            f"not show some of them when read, so leaving them out would clear them or turn priced lines into free "
            f"lines. This server knows them only for {_A[kind]} it created or last updated itself, unchanged since; "
            f"for this one, pass them in this call:",
        )
    return missing


def _fields(
    kind: DraftKind, current: Quote | OrderConfirmation, known: Carried | None, changes: Changes
) -> dict[str, object]:
    if known is None:
        missing = _missing(kind, current, changes)
        if missing:
            raise ToolError("\n- ".join(missing))
    customer_id = current.customer_id or (known.customer_id if known else None)
    if customer_id is None:
        raise ToolError(f"LedgerBee's answer names no customer for {_LABEL[kind]} {current.id}. Nothing was changed.")

    def linked(name: Literal["customer_contact_id", "customer_department_id"]) -> str | None:
        if name in changes.clear:
            return None
        given: str | None = getattr(changes, name)
        if given is not None:
            return given
        return getattr(known, name) if known is not None else None

    lines = (
        line_inputs(changes.lines)
        if changes.lines is not None
        else _carried_lines(known, current, changes.currency)
        if known
        else []
    )
    fields: dict[str, object] = {
        "customer_id": customer_id,
        "date": changes.date or current.date,
        "lines": lines,
        "currency": changes.currency or current.currency,
        "customer_contact_id": linked("customer_contact_id"),
        "customer_department_id": linked("customer_department_id"),
        "reference": changes.text("reference", current.reference),
        "our_reference": changes.text("our_reference", current.our_reference),
        "notes": changes.text("notes", current.notes),
    }
    if isinstance(current, Quote):
        fields["valid_until"] = None if "valid_until" in changes.clear else changes.valid_until or current.valid_until
    return fields


async def check_price_currencies(rt: Runtime, lines: list[LineInput], currency: str | None, customer_id: str) -> None:
    """A priced line whose price is in another currency than the document would keep the price's number."""
    if currency is None:
        with api_errors():
            currency = (await rt.client.customers.get(customer_id)).currency
    for index, line in enumerate(lines):
        if line.price_id is None or line.unit_price is not None:
            continue
        with api_errors():
            price = await rt.client.prices.get(line.price_id)
        if price.currency and currency and price.currency != currency:
            raise ToolError(
                f"lines[{index}].price_id: the price is in {price.currency}, the document in {currency}; LedgerBee "
                f"would bill {price.unit_price} {currency}. Give this line a unit_price in {currency}, or use a "
                f"{currency} price (list_products). Nothing was done."
            )


async def update_document(
    rt: Runtime, kind: DraftKind, document_id: str, changes: Changes
) -> tuple[Quote | OrderConfirmation, DocumentInputCommon]:
    """Read, merge and PATCH under the document's lock, so no send or convert of it runs in between."""
    changes.check()
    async with rt.locked(document_id):
        resource = rt.client.quotes if kind == "quote" else rt.client.order_confirmations
        with api_errors():
            current: Quote | OrderConfirmation = await resource.get(document_id)
        known = await _known(rt, current)
        fields = _fields(kind, current, known, changes)
        if known is not None and changes.lines is None:
            await _check_carried_vat(rt, known, current)
        _check_validity(fields)
        await _check_currencies(rt, fields, changes)
        body: DocumentInputCommon
        doc: Quote | OrderConfirmation
        with api_errors():
            if kind == "quote":
                body = QuoteUpdate.model_validate(fields)
                doc = await rt.client.quotes.update(document_id, body)
            else:
                body = OrderConfirmationUpdate.model_validate(fields)
                doc = await rt.client.order_confirmations.update(document_id, body)
        await remember_written(rt, doc, body)
    return doc, body


async def _check_currencies(rt: Runtime, fields: dict[str, object], changes: Changes) -> None:
    """A new currency, or new priced lines, must agree with the prices the lines bill."""
    if changes.currency is None and changes.lines is None:
        return
    lines = cast("list[LineInput]", fields["lines"])
    await check_price_currencies(rt, lines, cast("str | None", fields["currency"]), cast("str", fields["customer_id"]))


def _check_validity(fields: dict[str, object]) -> None:
    date, valid_until = fields.get("date"), fields.get("valid_until")
    if isinstance(date, dt.date) and isinstance(valid_until, dt.date) and valid_until < date:
        raise ToolError(
            f"valid_until: {valid_until} would be before the document date {date}; give a later day, or clear it. "
            "Nothing was changed."
        )
