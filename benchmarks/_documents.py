"""Documents the benchmarks put into a sandbox before measuring, through the API client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerbee_mcp.api import DeliveryType, LedgerBeeClient, LineInput, Quote, QuoteCreate
from ledgerbee_mcp.sandbox.auth import FULL_KEY
from ledgerbee_mcp.sandbox.seed import (
    CONTACT_METTE_ID,
    CUSTOMER_BOLGE_ID,
    CUSTOMER_FJORD_ID,
    PRICE_EXPORT_ID,
    PRICE_SUBSCRIPTION_ID,
    PRICE_WORKSHOP_ID,
)

__all__ = ["FULL_KEY", "create_quote", "create_quotes", "direct_client", "ledgerbee_env"]


def direct_client(base_url: str) -> LedgerBeeClient:
    return LedgerBeeClient(base_url=base_url, api_key=FULL_KEY)


def ledgerbee_env(base_url: str, state_dir: str, **extra: str) -> dict[str, str]:
    """The variables that point `ledgerbee-mcp` (real-API mode) at a sandbox served over HTTP."""
    return {
        "LEDGERBEE_BASE_URL": base_url,
        "LEDGERBEE_API_KEY": FULL_KEY,
        "LEDGERBEE_STATE_DIR": state_dir,
        **extra,
    }


async def create_quote(client: LedgerBeeClient, n: int) -> Quote:
    """A realistic draft: two or three priced lines, references and a note; varies with `n`."""
    lines = [
        LineInput(price_id=PRICE_WORKSHOP_ID, quantity=Decimal(1 + n % 3)),
        LineInput(price_id=PRICE_SUBSCRIPTION_ID, quantity=Decimal(12)),
    ]
    if n % 2:
        lines.append(LineInput(price_id=PRICE_EXPORT_ID, quantity=Decimal(1)))
    fjord = n % 3 != 2
    return await client.quotes.create(
        QuoteCreate(
            customer_id=CUSTOMER_FJORD_ID if fjord else CUSTOMER_BOLGE_ID,
            customer_contact_id=CONTACT_METTE_ID if fjord else None,
            date=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=30),
            lines=lines,
            reference=f"PO-{4700 + n}",
            our_reference="Sales team",
            notes="Delivery within two weeks of the order.",
        )
    )


async def create_quotes(client: LedgerBeeClient, count: int, *, send_every: int = 2) -> list[Quote]:
    """`count` drafts; every `send_every`-th one is sent (Manual) so a list mixes numbered and unnumbered quotes."""
    quotes: list[Quote] = []
    for n in range(count):
        quote = await create_quote(client, n)
        if send_every and n % send_every == 0:
            await client.quotes.send(quote.id, delivery_type=DeliveryType.MANUAL)
        quotes.append(quote)
    return quotes
