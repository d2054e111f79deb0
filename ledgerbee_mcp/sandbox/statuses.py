"""The derived display status, defined once, as SQL over stored columns and the tenant's today.

`converted` once the document was converted; `expired` for a sent quote whose validUntil is before today;
otherwise the stored status. `base_state` (a generated column) already folds in `converted`, so only the
date comparison is left for query time, and the status filter narrows through an index on `base_state`.
"""

from __future__ import annotations

__all__ = ["DISPLAY_STATUS_SQL", "display_status_filter", "tally_status_filter"]

# Parameter `:today` is an ISO date; ISO dates compare correctly as text.
DISPLAY_STATUS_SQL = (
    "CASE WHEN base_state = 'sent' AND valid_until IS NOT NULL AND valid_until < :today"
    " THEN 'expired' ELSE base_state END"
)


def display_status_filter(status: str) -> str:
    """A WHERE fragment matching display status `status`; binds `:today` and `:status`."""
    if status == "expired":
        # `+valid_until` keeps the planner off the validUntil index: walking the base_state index in the
        # requested order and skipping unexpired rows beats sorting every expired document.
        return "base_state = 'sent' AND valid_until IS NOT NULL AND +valid_until < :today"
    if status == "sent":
        return "base_state = 'sent' AND (valid_until IS NULL OR +valid_until >= :today)"
    return "base_state = :status"


def tally_status_filter(status: str) -> str:
    """The same filter over `document_tallies`, where a sent document's missing validUntil is ''."""
    if status == "expired":
        return "base_state = 'sent' AND valid_until <> '' AND valid_until < :today"
    if status == "sent":
        return "base_state = 'sent' AND (valid_until = '' OR valid_until >= :today)"
    return "base_state = :status"
