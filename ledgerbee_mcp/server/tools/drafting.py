"""What create and update share for both document types: lines, the merge of a partial update, next steps."""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError

from ledgerbee_mcp.api import Line, LineInput, LineType, OrderConfirmation, Quote
from ledgerbee_mcp.server.inputs import LineArg

__all__ = ["line_inputs", "lines_from_document", "merge_text"]


def line_inputs(lines: list[LineArg]) -> list[LineInput]:
    if not lines:
        raise ToolError("lines: give at least one line (and at least one product or subscription line).")
    out: list[LineInput] = []
    for index, line in enumerate(lines):
        if line.price_id is None and line.line_type != "text" and (line.description is None or line.unit_price is None):
            raise ToolError(
                f"lines[{index}]: give a price_id (see list_products), or both description and unit_price."
            )
        is_text = line.line_type == "text"
        out.append(
            LineInput(
                price_id=line.price_id,
                description=line.description,
                line_type=LineType(line.line_type) if line.line_type else None,
                quantity=None if is_text else line.quantity,
                unit_price=None if is_text else line.unit_price,
            )
        )
    return out


def _line_input(line: Line) -> LineInput:
    if line.line_type is LineType.TEXT:
        return LineInput(description=line.description, line_type=LineType.TEXT)
    return LineInput(
        price_id=line.price_id,
        description=line.description,
        line_type=line.line_type,
        quantity=line.quantity,
        unit_price=line.unit_price,
    )


def lines_from_document(doc: Quote | OrderConfirmation) -> list[LineInput]:
    """The document's lines as a request would state them, all fields explicit, so a resend is exact."""
    return [_line_input(line) for line in doc.lines]


def merge_text(new: str | None, old: str | None) -> str | None:
    """Omitted keeps the current value; an empty string clears it."""
    if new is None:
        return old
    return new or None
