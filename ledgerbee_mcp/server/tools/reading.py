"""List and get, written once for every kind in the table.

A list answers the questions people ask ("what did we send this week", "which quotes expire soon", "Fjord's
quotes"). Filters the documented API has (display status, customer id, sorting) go to LedgerBee; the others
(dates, validity, number, a customer by name) are applied here, over a bounded scan, and the answer says how far
the scan went and whether it saw everything.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import anyio
from pydantic import Field

from ledgerbee_mcp.api import Customer, LedgerBeeError
from ledgerbee_mcp.server.errors import api_errors
from ledgerbee_mcp.server.inputs import UNADVERTISED_BOUND, DocumentId, LimitArg, PageArg
from ledgerbee_mcp.server.kinds import DocKind
from ledgerbee_mcp.server.mapping import document_out, summary
from ledgerbee_mcp.server.outputs import DocumentOut, DocumentPage, DocumentSummary
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.guarded_tools import id_param
from ledgerbee_mcp.server.tools.signatures import Param, signed
from ledgerbee_mcp.server.tools.spec import READ, ToolSpec

__all__ = ["SCAN_LIMIT", "get_tool", "list_tool"]

SCAN_LIMIT = 1000
"""At most this many documents are read to apply a filter LedgerBee's API does not have."""
_PAGE = 100

DateArg = Annotated[dt.date | None, Field(description="YYYY-MM-DD.")]


def _filters(kind: DocKind) -> list[Param]:
    statuses: Any = Literal[kind.display_statuses]  # type: ignore[valid-type] -- from the table
    sorts: Any = Literal[kind.sort_fields]  # type: ignore[valid-type] -- from the table
    params = [
        # Names and types say what these are; the tool's description says how they combine.
        Param("status", statuses | None, None),
        Param("customer_id", DocumentId | None, None),
        Param(
            "customer",
            Annotated[str | None, Field(max_length=200, description="Part of the name, any case."), UNADVERTISED_BOUND],
            None,
        ),
        Param("number", Annotated[str | None, Field(max_length=40), UNADVERTISED_BOUND], None),
        Param("date_from", dt.date | None, None),
        Param("date_to", dt.date | None, None),
    ]
    if kind.has_valid_until:
        params += [
            Param("valid_until_before", dt.date | None, None),
            Param("valid_until_after", dt.date | None, None),
        ]
    params += [
        Param("sort_by", sorts | None, None),
        Param("sort_order", Literal["ASC", "DESC"] | None, None),
        Param("page", PageArg, 1),
        Param("limit", LimitArg, 25),
    ]
    return params


def _matches(item: Any, kw: dict[str, Any], customer_ids: set[str] | None) -> bool:
    if customer_ids is not None and item.customer_id not in customer_ids:
        return False
    if kw.get("number") and (item.document_number or "") != kw["number"].strip():
        return False
    if kw.get("date_from") and item.date < kw["date_from"]:
        return False
    if kw.get("date_to") and item.date > kw["date_to"]:
        return False
    valid_until: dt.date | None = getattr(item, "valid_until", None)
    if kw.get("valid_until_before") and (valid_until is None or valid_until > kw["valid_until_before"]):
        return False
    return not (kw.get("valid_until_after") and (valid_until is None or valid_until < kw["valid_until_after"]))


async def _customers_named(rt: Runtime, text: str) -> list[Customer]:
    with api_errors():
        found = await rt.client.customers.list(search=text, limit=100)
    return list(found.data)


async def _names(rt: Runtime, ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}

    async def one(customer_id: str) -> None:
        try:
            names[customer_id] = (await rt.client.customers.get(customer_id)).name
        except LedgerBeeError:
            # A name is a convenience on a list row: the row stays, with its customer id.
            return

    async with anyio.create_task_group() as tg:
        for customer_id in ids:
            tg.start_soon(one, customer_id)
    return names


def list_tool(rt: Runtime, kind: DocKind) -> ToolSpec:
    tool = f"list_{kind.plural}"

    async def list_documents(**kw: Any) -> DocumentPage:
        listing = kind.list(rt.client)
        query: dict[str, Any] = {"status": kw["status"], "sort_by": kw["sort_by"], "sort_order": kw["sort_order"]}
        customer_ids: set[str] | None = None
        named: list[Customer] = []
        if kw["customer"]:
            named = await _customers_named(rt, kw["customer"])
            customer_ids = {c.id for c in named}
            if kw["customer_id"]:
                customer_ids &= {kw["customer_id"]}
        elif kw["customer_id"]:
            query["customer_id"] = kw["customer_id"]
        if customer_ids is not None and len(customer_ids) == 1:
            query["customer_id"] = next(iter(customer_ids))
        local = [k for k in ("number", "date_from", "date_to", "valid_until_before", "valid_until_after") if kw.get(k)]
        page, limit = kw["page"], kw["limit"]
        note: str | None = None
        if customer_ids is not None and not customer_ids:
            items: list[Any] = []
            total = 0
            note = f"No customer's name matches {kw['customer']!r}; list_customers finds customers."
        elif not local and (customer_ids is None or len(customer_ids) == 1):
            with api_errors():
                result = await listing(page=page, limit=limit, **query)
            items, total = list(result.data), result.total
        else:
            matched: list[Any] = []
            scanned = 0
            complete = False
            with api_errors():
                page_no = 1
                while scanned < SCAN_LIMIT:
                    batch = await listing(page=page_no, limit=_PAGE, **query)
                    scanned += len(batch.data)
                    matched += [i for i in batch.data if _matches(i, kw, customer_ids)]
                    if not batch.data or page_no >= batch.total_pages:
                        complete = True
                        break
                    page_no += 1
            total = len(matched)
            items = matched[(page - 1) * limit : page * limit]
            if not complete:
                note = (
                    f"Searched the first {scanned} {kind.label}s in this order only (the API cannot filter by "
                    f"{', '.join(local) or 'several customers'}); narrow with status, customer_id or sort_by to "
                    "search further."
                )
        names = {c.id: c.name for c in named} | await _names(rt, {i.customer_id for i in items if i.customer_id})
        rows: list[DocumentSummary] = [summary(i, names.get(i.customer_id or "")) for i in items]
        total_pages = (total + limit - 1) // limit
        return DocumentPage(
            items=rows,
            page=page,
            total=total,
            total_pages=total_pages,
            next_page=page + 1 if page < total_pages else None,
            note=note,
            today=rt.today(),
        )

    signed(list_documents, _filters(kind), DocumentPage, name=tool)
    return ToolSpec(
        list_documents,
        tool,
        f"List {kind.label}s",
        f"{kind.label.capitalize()}s, newest first, with customer name, amount and display status; filters "
        f"combine, dates inclusive; `today` is the tenant's date; get_{kind.name} has the lines.",
        READ,
    )


def get_tool(rt: Runtime, kind: DocKind) -> ToolSpec:
    tool = f"get_{kind.name}"

    async def get_document(**kw: Any) -> DocumentOut:
        with api_errors():
            doc = await kind.get(rt.client)(kw[kind.id_arg])
        rt.remember(kind.name, doc.id)
        return document_out(doc)

    signed(get_document, [id_param(kind)], DocumentOut, name=tool)
    links = "; converted_to_* is what it became" if kind.convert_targets else ""
    return ToolSpec(
        get_document,
        tool,
        f"Get {kind.a}",
        f"One {kind.label} with its lines, totals and status{links}.",
        READ,
    )
