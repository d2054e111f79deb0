"""Money arithmetic: `Decimal` only, half-up to 2 places, amounts written as 2-decimal strings."""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["LineAmounts", "Totals", "format_money", "line_amounts", "minor_units", "round_money", "totals"]

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
# Quantity and unit price are each bounded by validation; their product needs more digits than the
# default 28 before it is rounded, so the arithmetic runs with headroom.
_CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP)


def round_money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP, context=_CONTEXT)


def format_money(value: Decimal) -> str:
    return format(round_money(value), "f")


def minor_units(value: Decimal) -> int:
    """Whole cents, used as the sortable `amount` column."""
    return int(round_money(value) * 100)


@dataclass(frozen=True)
class LineAmounts:
    total_price: Decimal
    vat_amount: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    vat: Decimal
    amount: Decimal


def line_amounts(quantity: Decimal, unit_price: Decimal, vat_rate: Decimal) -> LineAmounts:
    """`totalPrice = quantity x unitPrice` and `vatAmount = totalPrice x vatRate / 100`, each rounded."""
    total = round_money(_CONTEXT.multiply(quantity, unit_price))
    vat = round_money(_CONTEXT.divide(_CONTEXT.multiply(total, vat_rate), _HUNDRED))
    return LineAmounts(total_price=total, vat_amount=vat)


def totals(lines: Iterable[LineAmounts]) -> Totals:
    subtotal = Decimal("0.00")
    vat = Decimal("0.00")
    for line in lines:
        subtotal += line.total_price
        vat += line.vat_amount
    return Totals(subtotal=round_money(subtotal), vat=round_money(vat), amount=round_money(subtotal + vat))
