"""Tool and resolver signatures built from the kinds table: one implementation, each tool with its own argument
names (`quote_id`, `order_confirmation_id`, `invoice_id`).

The SDK reads a function's parameters with `inspect.signature` and their types with `typing.get_type_hints`, so
both `__signature__` and `__annotations__` are set, with real objects (never strings), and a resolver's
`Resolve(...)` marker is seen exactly as if it had been written in a `def`. `tests/server/test_tool_table.py`
checks that every guarded tool still has its resolvers, since the SDK drops what it cannot read without a word.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["NO_DEFAULT", "Param", "signed"]

F = TypeVar("F", bound=Callable[..., Any])

NO_DEFAULT: Any = inspect.Parameter.empty


@dataclass(frozen=True)
class Param:
    name: str
    annotation: Any
    default: Any = NO_DEFAULT


def signed(fn: F, params: Sequence[Param], returns: Any, *, name: str | None = None) -> F:
    """`fn` (which takes `**kwargs`) as if it had been written with these parameters."""
    fn.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            # Keyword-only: the SDK passes arguments by name, and keyword-only parameters may come in any order.
            inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default, annotation=p.annotation)
            for p in params
        ],
        return_annotation=returns,
    )
    fn.__annotations__ = {p.name: p.annotation for p in params} | {"return": returns}
    if name is not None:
        fn.__name__ = fn.__qualname__ = name
    return fn
