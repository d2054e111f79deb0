"""An unexpected failure still gets an answer the agent can act on: what failed, what it means for LedgerBee's
data, and where the details are. Never the SDK's bare "Error executing tool X" or "Error creating resource".

Only the exception's type leaves the process; its text (which may quote an answer, or worse a credential) stays
in the server's log.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, cast

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import ConfigDict, Field, ValidationError

from ledgerbee_mcp.api import LedgerBeeError, NotFoundError
from ledgerbee_mcp.guardrails.audit import AuditLog, AuditRecord, AuditUnavailable
from ledgerbee_mcp.server._sdk import UnexpectedToolError
from ledgerbee_mcp.server.arguments import explain_arguments
from ledgerbee_mcp.server.auth import current_scopes, missing_scope
from ledgerbee_mcp.server.errors import describe

__all__ = ["CrashSafeTool", "crash_safe", "resource_errors"]

logger = logging.getLogger("ledgerbee_mcp.server")

_LOG = "The details are in this server's log (its standard error; LEDGERBEE_LOG_LEVEL=INFO shows more)."


def _effect(tool: Tool) -> str:
    hints = tool.annotations
    if hints is not None and hints.read_only_hint:
        return "Nothing was changed in LedgerBee."
    if hints is not None and hints.destructive_hint:
        return (
            "Whether LedgerBee was asked to act is in the audit log: read the document before trying again, so "
            "nothing is sent or converted twice."
        )
    return "Read the document before trying again, to see whether the change was made."


class CrashSafeTool(Tool):
    """The SDK's tool, with a crash reported as a `ToolError` that says what it means, and a consent the SDK
    could not read (an elicitation answer of the wrong kind, or none) written to the audit log."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    audit: AuditLog | None = Field(default=None, exclude=True)

    async def run(self, arguments: dict[str, Any], context: Context[Any, Any], convert_result: bool = False) -> Any:
        granted = current_scopes()
        if granted is not None:
            # A remote caller with OAuth: its token's scopes say what it may do (the listing hides the rest).
            needed = missing_scope(granted, self)
            if needed is not None:
                raise ToolError(
                    f"{self.name} needs the OAuth scope {needed}, which this caller's access token does not grant. "
                    f"Nothing was done. Ask the person to sign in again granting {needed}."
                )
        try:
            return await super().run(arguments, context, convert_result)
        except UnexpectedToolError as crash:
            cause = crash.__cause__ or crash
            logger.exception("tool %s failed unexpectedly", self.name, exc_info=cause)
            raise ToolError(
                f"{self.name} failed inside this server ({type(cause).__name__}). {_effect(self)} {_LOG}"
            ) from crash
        except ToolError as error:
            if isinstance(error.__cause__, ValidationError) and "validation error" in str(error):
                # The SDK's argument check: pydantic's text, rewritten for the agent.
                raise ToolError(explain_arguments(self.name, error.__cause__, self.parameters)) from error
            if self.audit is not None and _is_destructive(self) and "Resolver " in str(error):
                self._record_failed_consent(self.audit, arguments, str(error))
            raise

    def _record_failed_consent(self, audit: AuditLog, arguments: dict[str, Any], reason: str) -> None:
        action, _, kind = self.name.partition("_")
        ids: list[str] = []
        for name, value in arguments.items():
            if name.endswith("_id") and value is not None:
                ids.append(str(value))
            elif name.endswith("_ids") and isinstance(value, list):
                # A batch: one record per document, as its other records are.
                ids.extend(str(v) for v in cast("list[object]", value))
        if isinstance(arguments.get("document_type"), str):
            kind = arguments["document_type"]  # send_documents: the type is an argument, not in the name
        try:
            for document_id in ids or [""]:
                audit.record(
                    AuditRecord(
                        action=action,
                        document_type=kind,
                        document_id=document_id,
                        outcome="refused",
                        reason=f"the person's answer could not be read: {reason}",
                    )
                )
        except AuditUnavailable:
            logger.exception("could not record the failed consent of %s", self.name)


def _is_destructive(tool: Tool) -> bool:
    return tool.annotations is not None and tool.annotations.destructive_hint is True


def crash_safe(tool: Tool, audit: AuditLog | None = None) -> CrashSafeTool:
    safe = CrashSafeTool.model_construct(**dict(tool))
    safe.audit = audit
    return safe


@asynccontextmanager
async def resource_errors(uri: str) -> AsyncGenerator[None]:
    """LedgerBee's 404 becomes the -32602 "not found" error with LedgerBee's text; any other failure a
    `ResourceError` that says what failed."""
    try:
        yield
    except (ResourceError, ToolError):
        raise
    except NotFoundError as error:
        raise ResourceNotFoundError(f"{uri}: {describe(error)}") from None
    except LedgerBeeError as error:
        raise ResourceError(f"{uri}: {describe(error)}") from None
    except Exception as crash:
        logger.exception("reading %s failed unexpectedly", uri)
        raise ResourceError(f"{uri}: reading it failed inside this server ({type(crash).__name__}). {_LOG}") from None
