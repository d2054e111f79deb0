"""What this server last wrote to each draft, for the parts of a document LedgerBee never shows again.

LedgerBee's PATCH replaces a document's editable fields and lines wholesale, but its answers leave out the contact,
the department and which product price each line bills. So an update can only carry those over from a body this
server sent itself, and only while the document is unchanged since: the record is bound to the `updatedAt` of
LedgerBee's answer to that write. Any later change (an edit elsewhere, a send, a conversion) moves `updatedAt`, and
the record no longer applies.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field

from ledgerbee_mcp.api import DocumentInputCommon

__all__ = ["WrittenBodies"]

_MAX_DOCUMENTS = 500


@dataclass
class WrittenBodies:
    """The last create/update body per document id, with the `updatedAt` LedgerBee answered it with."""

    max_documents: int = _MAX_DOCUMENTS
    _bodies: OrderedDict[str, tuple[dt.datetime, DocumentInputCommon]] = field(
        default_factory=OrderedDict[str, tuple[dt.datetime, DocumentInputCommon]]
    )

    def put(self, document_id: str, updated_at: dt.datetime, body: DocumentInputCommon) -> None:
        self._bodies[document_id] = (updated_at, body)
        self._bodies.move_to_end(document_id)
        while len(self._bodies) > self.max_documents:
            self._bodies.popitem(last=False)

    def get(self, document_id: str, updated_at: dt.datetime) -> DocumentInputCommon | None:
        """The body, if LedgerBee's document is still exactly what that write left."""
        entry = self._bodies.get(document_id)
        if entry is None or entry[0] != updated_at:
            return None
        return entry[1]
