"""Wall-clock reads in one place. Timestamps are real UTC; only "today" can be moved (per tenant)."""

from __future__ import annotations

import datetime as dt

__all__ = ["now_iso", "real_today"]


def now_iso() -> str:
    """An ISO 8601 UTC timestamp with microseconds, so creation order survives in `createdAt`."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def real_today() -> dt.date:
    # "Today" is the operator's local calendar day: that is what a validUntil date is read against.
    return dt.date.today()
