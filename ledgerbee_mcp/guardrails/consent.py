"""How consent is obtained for one call, per the operator's policy and what the client and the machine can do.

The routes, from strongest to weakest: `ask` (the client asks the person: elicitation) and `page` (the server
opens an approval page in the person's browser) both bring the person's answer back on a channel the agent cannot
write to; `token` hands the agent a confirmation token, which proves that a preview was made, not that a person
agreed. `auto` takes the strongest route available; `elicit` and `page` fail closed where theirs is not.
"""

from __future__ import annotations

from typing import Literal

from ledgerbee_mcp.guardrails.audit import AuditLog
from ledgerbee_mcp.guardrails.outcomes import Refused
from ledgerbee_mcp.guardrails.preview import Prepared

__all__ = ["ConsentRoute", "choose_consent"]

ConsentRoute = Literal["ask", "page", "token"]

_NO_ELICITATION = (
    "Refused: this server requires a person's confirmation (LEDGERBEE_CONFIRM=elicit), and this "
    "client cannot ask one (no elicitation support). Nothing was done. Next step: use a client "
    "that supports elicitation, or have the operator set LEDGERBEE_CONFIRM=auto."
)
_NO_BROWSER = (
    "Refused: this server asks for a person's confirmation on an approval page in their browser "
    "(LEDGERBEE_CONFIRM=page), and no browser can be opened where it runs (no display). Nothing was done. "
    "Next step: run the server where the person has a desktop session, or have the operator set "
    "LEDGERBEE_CONFIRM=auto or token for headless use."
)


def choose_consent(
    mode: str, *, can_ask: bool, prepared: Prepared, audit: AuditLog, can_open_page: bool = False
) -> ConsentRoute:
    """The route for this call.

    `token`: always the token. `elicit`: ask, or refuse. `page`: the approval page, or refuse. `auto`: ask where
    the client can, else the approval page where a browser can be opened, else the token. A refusal is audited.
    """
    if mode == "token":
        return "token"
    if mode == "page":
        if can_open_page:
            return "page"
        audit.record(prepared.audit_record("refused", reason=_NO_BROWSER))
        raise Refused(_NO_BROWSER)
    if can_ask:
        return "ask"
    if mode == "elicit":
        audit.record(prepared.audit_record("refused", reason=_NO_ELICITATION))
        raise Refused(_NO_ELICITATION)
    if can_open_page:
        return "page"
    return "token"
