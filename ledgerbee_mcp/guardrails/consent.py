"""How consent is obtained for one call, per the operator's policy and what the client can do."""

from __future__ import annotations

from typing import Literal

from ledgerbee_mcp.guardrails.audit import AuditLog
from ledgerbee_mcp.guardrails.outcomes import Refused
from ledgerbee_mcp.guardrails.preview import Prepared

__all__ = ["ConsentRoute", "choose_consent"]

ConsentRoute = Literal["ask", "token"]


def choose_consent(mode: str, *, can_ask: bool, prepared: Prepared, audit: AuditLog) -> ConsentRoute:
    """`ask` the person, or take the `token` path; `elicit` mode on a client that cannot ask fails closed."""
    if mode == "token":
        return "token"
    if can_ask:
        return "ask"
    if mode == "elicit":
        refusal = (
            "Refused: this server requires a person's confirmation (LEDGERBEE_CONFIRM=elicit), and this "
            "client cannot ask one (no elicitation support). Nothing was done. Next step: use a client "
            "that supports elicitation, or have the operator set LEDGERBEE_CONFIRM=auto."
        )
        audit.record(prepared.audit_record("refused", reason=refusal))
        raise Refused(refusal)
    return "token"
