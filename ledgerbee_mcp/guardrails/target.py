"""The document a conversion will produce, as the person approves it: the source's fields and lines, with the
agent's overrides applied, and the totals LedgerBee will compute from them.

The convert page: "By default the quote's fields and line items are copied verbatim. To review and adjust the
target before finalizing, supply an optional document payload — its fields override the copied values." So the
preview shows the target, not the source: "only 2 of the 3 workshop days" must show the amount for two days.
Totals follow the documented rounding (docs/api-contract.md): a line's total is quantity x unit price and its VAT
total x rate / 100, each rounded half-up to two decimals; subtotal and VAT are their sums.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ledgerbee_mcp.api import ConvertDocument, LedgerBeeClient, LineInput, LineType
from ledgerbee_mcp.guardrails.preview import DocView, read

__all__ = ["FREE_LINE_VAT_RATE", "Target", "TargetLine", "target_of"]

FREE_LINE_VAT_RATE = Decimal(25)
"""The VAT rate LedgerBee is assumed to give a line without a price (the Danish standard rate; not documented)."""
_CENT = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TargetLine:
    description: str | None
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    is_text: bool = False
    assumed_vat: bool = False
    """True for a free line: its VAT rate is this server's assumption of LedgerBee's default."""

    @property
    def total(self) -> Decimal:
        return Decimal(0) if self.is_text else _round(self.quantity * self.unit_price)

    @property
    def vat(self) -> Decimal:
        return Decimal(0) if self.is_text else _round(self.total * self.vat_rate / 100)


@dataclass(frozen=True)
class Target:
    """What the conversion will produce, and what in it differs from the source."""

    lines: tuple[TargetLine, ...]
    subtotal: Decimal
    vat: Decimal
    amount: Decimal
    overridden: tuple[str, ...] = ()
    """The fields the override sets (or clears), as the agent named them."""
    digest: str = ""
    """Identifies the override, so the consent binds it."""
    request: dict[str, object] = field(default_factory=dict[str, object])
    """The override as it goes to LedgerBee (`document`)."""
    notes: list[str] = field(default_factory=list[str])


def _digest(body: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


async def target_of(
    client: LedgerBeeClient, source: DocView, override: ConvertDocument | None, source_amounts: tuple[Decimal, Decimal]
) -> Target:
    """The target of converting `source` with `override` (None: a verbatim copy)."""
    subtotal, vat = source_amounts
    if override is None:
        lines = tuple(
            TargetLine(description=d, quantity=q, unit_price=p, vat_rate=Decimal(0)) for d, q, p in source.lines
        )
        return Target(lines=lines, subtotal=subtotal, vat=vat, amount=subtotal + vat)
    body = override.model_dump(mode="json", by_alias=True, exclude_unset=True)
    overridden = tuple(sorted(override.model_fields_set))
    notes: list[str] = []
    if override.lines is None:
        lines = tuple(
            TargetLine(description=d, quantity=q, unit_price=p, vat_rate=Decimal(0)) for d, q, p in source.lines
        )
        return Target(
            lines=lines,
            subtotal=subtotal,
            vat=vat,
            amount=subtotal + vat,
            overridden=overridden,
            digest=_digest(body),
            request=body,
        )
    made: list[TargetLine] = []
    for line in override.lines:
        made.append(await _line(client, line))
    if any(line.assumed_vat for line in made):
        notes.append(
            f"A line without a price_id is assumed to get {FREE_LINE_VAT_RATE}% VAT (LedgerBee's default for a free "
            "line is not documented); LedgerBee computes the final totals."
        )
    sub = sum((line.total for line in made), Decimal(0))
    tax = sum((line.vat for line in made), Decimal(0))
    return Target(
        lines=tuple(made),
        subtotal=sub,
        vat=tax,
        amount=sub + tax,
        overridden=overridden,
        digest=_digest(body),
        request=body,
        notes=notes,
    )


async def _line(client: LedgerBeeClient, line: LineInput) -> TargetLine:
    if line.line_type == LineType.TEXT:
        zero = Decimal(0)
        return TargetLine(description=line.description, quantity=zero, unit_price=zero, vat_rate=zero, is_text=True)
    quantity = line.quantity if line.quantity is not None else Decimal(1)
    if line.price_id is not None:
        price = await read(client.prices.get(line.price_id))
        return TargetLine(
            description=line.description or price.name,
            quantity=quantity,
            unit_price=line.unit_price if line.unit_price is not None else price.unit_price,
            vat_rate=price.vat_rate,
        )
    return TargetLine(
        description=line.description,
        quantity=quantity,
        unit_price=line.unit_price or Decimal(0),
        vat_rate=FREE_LINE_VAT_RATE,
        assumed_vat=True,
    )
