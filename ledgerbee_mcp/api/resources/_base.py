"""What every resource shares: the transport core, safe path building, query parameters and paging."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from enum import StrEnum
from typing import TypeVar
from urllib.parse import quote

from ledgerbee_mcp.api._http import HttpCore
from ledgerbee_mcp.api.models.common import Page

__all__ = ["MAX_PAGE_SIZE", "Resource", "check_page", "iterate_pages", "query"]

T = TypeVar("T")

MAX_PAGE_SIZE = 100


class Resource:
    """A group of endpoints under one path, e.g. `/v1/quotes`."""

    _path: str

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self._path!r})"

    def _item_path(self, item_id: str, *rest: str, what: str = "id") -> str:
        if not isinstance(item_id, str) or not item_id.strip():  # pyright: ignore[reportUnnecessaryIsInstance] -- callers may not type-check
            raise ValueError(f"{what} must be a non-empty string")
        # Escaped so that an id such as "../customers" stays one path segment.
        return "/".join([self._path, quote(item_id, safe=""), *rest])


def query(**values: str | int | StrEnum | None) -> dict[str, str | int]:
    """Query parameters with the unset ones left out; enums sent as their wire value."""
    out: dict[str, str | int] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = value.value if isinstance(value, StrEnum) else value
    return out


def check_page(page: int, limit: int) -> None:
    if page < 1:
        raise ValueError("page must be >= 1")
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")


def iterate_pages(
    fetch: Callable[[int, int], Awaitable[Page[T]]], *, page_size: int, max_items: int
) -> AsyncIterator[T]:
    """Walk the pages `fetch(page, limit)` answers until the total (or `max_items`) is reached."""
    # Checked here, not in the generator, so a bad argument fails at the call rather than at the first `anext`.
    check_page(1, page_size)
    if max_items < 0:
        raise ValueError("max_items must be >= 0")
    return _walk(fetch, page_size, max_items)


async def _walk(fetch: Callable[[int, int], Awaitable[Page[T]]], page_size: int, max_items: int) -> AsyncIterator[T]:
    yielded = 0
    page_no = 1
    while yielded < max_items:
        page = await fetch(page_no, page_size)
        for item in page.data:
            yield item
            yielded += 1
            if yielded >= max_items:
                return
        if not page.data or page_no >= page.total_pages:
            return
        page_no += 1
