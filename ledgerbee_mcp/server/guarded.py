"""The one adapter between the guardrails core and MCP: resolvers, elicitation forms, tool errors and results.

`ledgerbee_mcp.guardrails` returns plain values and raises `Refused`; this module turns those into what the SDK
speaks, so the core stays testable without a client and free of the SDK.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Generator
from contextlib import contextmanager
from dataclasses import asdict
from typing import cast

from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, PrivateAttr, ValidatorFunctionWrapHandler, model_validator

from ledgerbee_mcp.api import ConvertDocument
from ledgerbee_mcp.guardrails.audit import AuditUnavailable
from ledgerbee_mcp.guardrails.batch import BatchOutcome, BatchPrepared, run_batch
from ledgerbee_mcp.guardrails.consent import ConsentRoute, choose_consent
from ledgerbee_mcp.guardrails.flow import GuardedAction, run_guarded
from ledgerbee_mcp.guardrails.outcomes import ActionOutcome, Consent, PersonAnswer, Preview, Refused, TokenPath
from ledgerbee_mcp.guardrails.preflight import DocType, Fetch, preflight_convert, preflight_send
from ledgerbee_mcp.guardrails.preview import Prepared, render_preview
from ledgerbee_mcp.server.outputs import (
    ActionPreview,
    ActionResult,
    BatchItemResult,
    BatchResult,
    BatchRow,
    Recipient,
)
from ledgerbee_mcp.server.runtime import Runtime

__all__ = [
    "ConfirmAction",
    "ask",
    "client_can_elicit",
    "prepare_convert",
    "prepare_send",
    "refusals",
    "run",
    "run_many",
]


class ConfirmAction(BaseModel):
    """The form shown to the person. Only a JSON `true` is consent."""

    confirm: bool = Field(description="Go ahead with exactly what is shown above.")
    _malformed: object = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_malformed(cls, data: object, handler: ValidatorFunctionWrapHandler) -> ConfirmAction:
        # "yes", "on", "1", 1 or a missing field is not a yes. Rather than let the SDK reject the answer (which
        # would leave no record), keep it: the guarded flow then records it as declined, with what was sent.
        if isinstance(data, dict) and set(cast(dict[str, object], data)) == {"confirm"}:
            value = cast(dict[str, object], data)["confirm"]
            if type(value) is bool:
                return handler(data)
        refused = cls.model_construct(confirm=False)
        refused._malformed = data
        return refused

    @property
    def malformed(self) -> object:
        """The answer as received when it was not a plain boolean `confirm`, else None."""
        return self._malformed


@contextmanager
def refusals() -> Generator[None]:
    try:
        yield
    except Refused as refused:
        raise ToolError(str(refused)) from None
    except AuditUnavailable as unavailable:
        # Raised by a record written before anything irreversible: fail closed, and say why.
        raise ToolError(
            f"Refused: {unavailable}, so nothing was done. Next step: have the operator fix the audit log."
        ) from None


def client_can_elicit(ctx: Context) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    # A bare `elicitation: {}` predates modes and means form support; url-only cannot show a form.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


async def prepare_send(
    rt: Runtime,
    doc_type: DocType,
    fetch: Fetch,
    document_id: str,
    *,
    delivery_type: str,
    recipient_email: str | None,
) -> Prepared:
    with refusals():
        return await preflight_send(
            rt, doc_type, fetch, document_id, delivery_type=delivery_type, recipient_email=recipient_email
        )


async def prepare_convert(
    rt: Runtime,
    doc_type: DocType,
    fetch: Fetch,
    document_id: str,
    *,
    target: str,
    override: ConvertDocument | None = None,
) -> Prepared:
    with refusals():
        return await preflight_convert(rt, doc_type, fetch, document_id, target=target, override=override)


async def ask(rt: Runtime, ctx: Context, prepared: Prepared) -> Elicit[ConfirmAction] | Consent:
    """The consent resolver's answer: a question for the client to ask, the person's answer on the approval page,
    or the token path."""
    with refusals():
        route = choose_consent(
            rt.settings.confirm.value,
            can_ask=client_can_elicit(ctx),
            can_open_page=rt.can_open_page(),
            prepared=prepared,
            audit=rt.audit,
        )
    from ledgerbee_mcp.server.approval import ask_on_page

    return await ask_by(
        route,
        question=lambda: render_preview(prepared),
        on_page=lambda: ask_on_page(rt, render_preview(prepared), [prepared], progress=ctx.report_progress),
    )


async def ask_by(
    route: ConsentRoute, *, question: Callable[[], str], on_page: Callable[[], Awaitable[Consent]]
) -> Elicit[ConfirmAction] | Consent:
    """What a consent resolver returns for the route chosen: the token path, the person's answer on the approval
    page, or the question for the client to ask."""
    if route == "token":
        return TokenPath()
    if route == "page":
        with refusals():
            return await on_page()
    return Elicit(question(), ConfirmAction)


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, default=str)[:200]


def _consent(approval: ElicitationResult[ConfirmAction]) -> Consent:
    if isinstance(approval, AcceptedElicitation):
        # The consent resolver returns TokenPath itself when no person is asked, and the person's answer when
        # the approval page asked them; the SDK passes either through.
        data = cast(object, approval.data)
        if isinstance(data, TokenPath | PersonAnswer):
            return data
        if isinstance(data, ConfirmAction):
            if data.malformed is not None:
                return PersonAnswer(confirmed=False, action=f"malformed answer {_shown(data.malformed)}")
            return PersonAnswer(confirmed=data.confirm is True, action="accept")
        return PersonAnswer(confirmed=False, action=f"unreadable answer ({type(data).__name__})")
    return PersonAnswer(confirmed=False, action=approval.action)


def preview_out(preview: Preview) -> ActionPreview:
    fields = asdict(preview)
    fields["recipient"] = Recipient(**asdict(preview.recipient)) if preview.recipient else None
    return ActionPreview(**fields)


def result_of(outcome: ActionOutcome) -> ActionResult:
    fields = asdict(outcome)
    fields["preview"] = preview_out(outcome.preview) if outcome.preview else None
    fields["differences"] = outcome.differences or None
    return ActionResult(**fields)


async def run(
    rt: Runtime,
    spec: GuardedAction,
    prepared: Prepared,
    approval: ElicitationResult[ConfirmAction],
    token: str | None,
) -> ActionResult:
    with refusals():
        return result_of(await run_guarded(rt, spec, prepared, _consent(approval), token))


def _batch_rows(batch: BatchPrepared) -> list[BatchRow]:
    rows: list[BatchRow] = []
    for prepared in batch.included:
        preview = prepared.preview
        rows.append(
            BatchRow(
                document_id=prepared.view.id,
                document_number=preview.document_number,
                customer_name=preview.customer_name,
                amount=preview.amount,
                currency=preview.currency,
                delivery_type=preview.delivery_type or batch.delivery_type,
                recipient=Recipient(**asdict(preview.recipient)) if preview.recipient else None,
                warnings=list(preview.warnings),
            )
        )
    return rows


def batch_result_of(outcome: BatchOutcome) -> BatchResult:
    return BatchResult(
        outcome=outcome.outcome,
        message=outcome.message,
        preview=_batch_rows(outcome.batch),
        totals=outcome.batch.totals(),
        confirmation_token=outcome.confirmation_token,
        token_expires_at=outcome.token_expires_at,
        results=[
            BatchItemResult(
                document_id=r.document_id,
                outcome=r.outcome,
                message=r.message,
                document_number=r.document_number,
                differences=r.differences or None,
            )
            for r in outcome.results
        ],
    )


async def run_many(
    rt: Runtime,
    batch: BatchPrepared,
    approval: ElicitationResult[ConfirmAction],
    token: str | None,
    spec_for: Callable[[Prepared], GuardedAction],
) -> BatchResult:
    """`run` for a batch send: one consent, then each document through the guarded flow (`run_batch`)."""
    with refusals():
        return batch_result_of(await run_batch(rt, batch, _consent(approval), token, spec_for, _host_refusal))


def _host_refusal(error: Exception) -> str | None:
    """A `ToolError` this server raises while taking a document's lock (another call holds it) or connecting:
    raised before LedgerBee is asked, so it refuses that one document of a batch."""
    return str(error) if isinstance(error, ToolError) else None
