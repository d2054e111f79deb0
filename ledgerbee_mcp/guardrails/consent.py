"""Consent before an irreversible action: ask the person where the client can, else a signed token."""

from __future__ import annotations

from dataclasses import dataclass

from mcp.server.mcpserver import Context, Elicit
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from ledgerbee_mcp.config import ConfirmMode
from ledgerbee_mcp.guardrails.audit import AuditLog
from ledgerbee_mcp.guardrails.preview import Prepared, render_preview

__all__ = ["ConfirmAction", "TokenPath", "ask_consent", "client_can_elicit"]


class ConfirmAction(BaseModel):
    """The form shown to the person."""

    confirm: bool = Field(description="Go ahead with exactly what is shown above.")


@dataclass(frozen=True)
class TokenPath:
    """Consent cannot be asked of a person here: the confirmation token decides."""


def client_can_elicit(ctx: Context) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    # A bare `elicitation: {}` predates modes and means form support; url-only cannot show a form.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def ask_consent(
    mode: ConfirmMode, ctx: Context, prepared: Prepared, audit: AuditLog
) -> Elicit[ConfirmAction] | TokenPath:
    """Decide how consent is obtained for this call, per the configured policy."""
    if mode is ConfirmMode.TOKEN:
        return TokenPath()
    if not client_can_elicit(ctx):
        if mode is ConfirmMode.ELICIT:
            refusal = (
                "Refused: this server requires a person's confirmation (LEDGERBEE_CONFIRM=elicit), and this "
                "client cannot ask one (no elicitation support). Nothing was done. Next step: use a client "
                "that supports elicitation, or have the operator set LEDGERBEE_CONFIRM=auto."
            )
            audit.record(prepared.audit_record("refused", reason=refusal))
            raise ToolError(refusal)
        return TokenPath()
    return Elicit(render_preview(prepared), ConfirmAction)
