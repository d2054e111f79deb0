"""The one implementation behind quotes, order confirmations and invoices (their endpoints are the same shape).

`DocumentResource` lists, reads, renders and sends; `SalesDocumentResource` adds create, update and convert.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Generic, TypeVar

from ledgerbee_mcp.api._http import HttpCore
from ledgerbee_mcp.api.models.common import (
    ConvertDocument,
    ConvertRequest,
    ConvertResult,
    DeliveryType,
    DocumentCommon,
    DocumentInputCommon,
    OrderConfirmationConvertTarget,
    Page,
    QuoteConvertTarget,
    RequestModel,
    SendRequest,
    SortOrder,
)
from ledgerbee_mcp.api.resources._base import Resource, check_page, iterate_pages, query

__all__ = ["DocumentResource", "SalesDocumentResource"]

DocT = TypeVar("DocT", bound=DocumentCommon)
ItemT = TypeVar("ItemT", bound=DocumentCommon)
CreateT = TypeVar("CreateT", bound=DocumentInputCommon)
UpdateT = TypeVar("UpdateT", bound=DocumentInputCommon)
StatusT = TypeVar("StatusT", bound=StrEnum)
SortT = TypeVar("SortT", bound=StrEnum)


class DocumentResource(Resource, Generic[DocT, ItemT, StatusT, SortT]):
    """List, read, render and send one kind of document."""

    _doc_model: type[DocT]
    _page_model: type[Page[ItemT]]
    _noun: str

    def __init__(
        self,
        core: HttpCore,
        *,
        path: str,
        doc_model: type[DocT],
        page_model: type[Page[ItemT]],
        noun: str,
        article: str = "a",
    ):
        super().__init__(core)
        self._path = path
        self._doc_model = doc_model
        self._page_model = page_model
        self._noun = noun
        self._article = article

    async def list(
        self,
        *,
        page: int = 1,
        limit: int = 25,
        status: StatusT | None = None,
        customer_id: str | None = None,
        sort_by: SortT | None = None,
        sort_order: SortOrder | None = None,
    ) -> Page[ItemT]:
        """One page of documents, newest first unless `sort_by`/`sort_order` say otherwise."""
        check_page(page, limit)
        params = query(
            page=page,
            limit=limit,
            status=status,
            customerId=customer_id,
            sortBy=sort_by,
            sortOrder=sort_order,
        )
        return await self._core.get_model(
            self._path, self._page_model, expected=f"a page of {self._noun}s", params=params
        )

    def iter(
        self,
        *,
        status: StatusT | None = None,
        customer_id: str | None = None,
        sort_by: SortT | None = None,
        sort_order: SortOrder | None = None,
        page_size: int = 100,
        max_items: int = 1000,
    ) -> AsyncIterator[ItemT]:
        """Every matching document (without lines), page by page, at most `max_items`."""

        async def fetch(page: int, limit: int) -> Page[ItemT]:
            return await self.list(
                page=page,
                limit=limit,
                status=status,
                customer_id=customer_id,
                sort_by=sort_by,
                sort_order=sort_order,
            )

        return iterate_pages(fetch, page_size=page_size, max_items=max_items)

    async def _get(self, document_id: str) -> DocT:
        """The document with its lines."""
        return await self._core.get_model(
            self._item_path(document_id, what=f"{self._noun} id"),
            self._doc_model,
            expected=f"{self._article} {self._noun}",
        )

    async def _send(
        self,
        document_id: str,
        *,
        delivery_type: DeliveryType = DeliveryType.MANUAL,
        recipient_email: str | None = None,
    ) -> DocT:
        """Allocate the number (first send), render, e-mail for `EMAIL`, mark sent. Never retried."""
        body = SendRequest(delivery_type=delivery_type, recipient_email=recipient_email)
        return await self._core.unsafe_write(
            self._item_path(document_id, "send", what=f"{self._noun} id"),
            _dump(body),
            self._doc_model,
            expected=f"the sent {self._noun}",
            action="send",
            document_id=document_id,
        )

    async def _pdf(self, document_id: str, *, draft: bool = False) -> bytes:
        """The rendered PDF; `draft=True` asks for the watermarked preview."""
        params = query(draft="true") if draft else None
        return await self._core.get_pdf(self._item_path(document_id, "pdf", what=f"{self._noun} id"), params=params)


class SalesDocumentResource(
    DocumentResource[DocT, ItemT, StatusT, SortT], Generic[DocT, ItemT, CreateT, UpdateT, StatusT, SortT]
):
    """List, read, create, update, send, convert and render one kind of sales document."""

    async def create(self, body: CreateT) -> DocT:
        """Create a draft. Not retried: a failure after it went out raises `OutcomeUnknown`."""
        return await self._core.unsafe_write(
            self._path,
            _dump(body),
            self._doc_model,
            expected=f"the created {self._noun}",
            action="create",
            document_id=None,
        )

    async def _update(self, document_id: str, body: UpdateT) -> DocT:
        """Replace the editable fields and lines (send the full set). Idempotent, so retried like a read."""
        return await self._core.idempotent_write(
            "PATCH",
            self._item_path(document_id, what=f"{self._noun} id"),
            _dump(body),
            self._doc_model,
            expected=f"the updated {self._noun}",
        )

    async def _convert(
        self,
        document_id: str,
        target: QuoteConvertTarget | OrderConfirmationConvertTarget,
        document: ConvertDocument | None,
    ) -> ConvertResult:
        body = _dump(ConvertRequest(target=target))
        if document is not None:
            # An override field set to None goes out as null, so a caller can clear a copied value; a field
            # never set stays out, so the source's value is copied.
            override = document.model_dump(mode="json", by_alias=True, exclude_unset=True)
            if document.lines is not None:
                override["lines"] = [_dump(line) for line in document.lines]
            body["document"] = override
        return await self._core.unsafe_write(
            self._item_path(document_id, "convert", what=f"{self._noun} id"),
            body,
            ConvertResult,
            expected="a conversion result {targetType, targetId}",
            action="convert",
            document_id=document_id,
        )


def _dump(body: RequestModel) -> dict[str, object]:
    return body.model_dump(mode="json", by_alias=True, exclude_none=True)
