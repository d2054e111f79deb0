"""The values the guardrails return: a preview, a refusal, a consent, an action's outcome.

Plain data, so the core never needs the MCP SDK: `server/guarded.py` turns these into elicitations, tool errors
and tool results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

__all__ = [
    "ActionOutcome",
    "Consent",
    "PersonAnswer",
    "Preview",
    "Recipient",
    "Refused",
    "TokenPath",
]


class Refused(Exception):
    """An irreversible action was not done; the message says why and what to do next."""


@dataclass(frozen=True)
class Recipient:
    email: str
    """The address as it goes to LedgerBee (`recipientEmail`): ASCII, the domain in IDNA form."""
    source: Literal["argument", "customer e-mail", "contact"]
    is_contact: bool
    """False when LedgerBee will create it as a new contact of the customer on send."""
    name: str | None = None
    """The contact's name, when the address belongs to a contact."""


@dataclass
class Preview:
    """Exactly what a send or convert will do, shown before it happens."""

    document_number: str
    """The current number, or a note that one will be allocated."""
    status: str
    customer_id: str | None
    customer_name: str | None
    amount: Decimal
    currency: str
    line_count: int
    delivery_type: str | None = None
    recipient: Recipient | None = None
    target: str | None = None
    warnings: list[str] = field(default_factory=list[str])


@dataclass(frozen=True)
class PersonAnswer:
    """What a person answered to the question (elicitation, or the approval page)."""

    confirmed: bool
    action: str
    """accept, decline or cancel; or a note on why the answer could not be read."""
    via: str = "elicitation"


@dataclass(frozen=True)
class TokenPath:
    """Consent cannot be asked of a person here: the confirmation token decides."""


Consent = PersonAnswer | TokenPath

Outcome = Literal["done", "confirmation_required", "declined", "not_done", "unknown"]


@dataclass(frozen=True)
class ActionOutcome:
    """The outcome of a send or convert call, as the agent is told it."""

    outcome: Outcome
    message: str
    preview: Preview | None = None
    confirmation_token: str | None = None
    token_expires_at: dt.datetime | None = None
    document_number: str | None = None
    status: str | None = None
    produced_document_type: str | None = None
    produced_document_id: str | None = None
    differences: list[str] = field(default_factory=list[str])
    """Where LedgerBee, after acting, shows something other than what the person approved."""
