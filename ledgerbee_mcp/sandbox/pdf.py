"""Real PDFs of sandbox documents (quotes, order confirmations, invoices), drawn with fpdf2.

Everything printed comes from documents an agent or a user wrote, so it is treated as data: text is reduced
to what fpdf2's latin-1 core fonts can draw (never an exception on odd input) and is never interpreted as
markdown.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

__all__ = ["PdfDocument", "PdfLine", "PdfParty", "render_pdf"]

_TITLES = {"quote": "Quote", "orderConfirmation": "Order confirmation", "invoice": "Invoice"}
_FONT = "Helvetica"
_WATERMARK = "DRAFT"
_CREATOR = "ledgerbee-mcp sandbox"
# Typographic characters users paste from word processors; close latin-1 stand-ins beat a "?".
_LATIN1_STAND_INS = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u20ac": "EUR",
        "\u2022": "\u00b7",
    }
)


@dataclass(frozen=True)
class PdfParty:
    name: str
    address_lines: tuple[str, ...] = ()
    email: str | None = None
    vat_number: str | None = None


@dataclass(frozen=True)
class PdfLine:
    description: str
    line_type: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    total_price: Decimal


@dataclass(frozen=True)
class PdfDocument:
    kind: Literal["quote", "orderConfirmation", "invoice"]
    number: str | None
    date: datetime.date
    currency: str
    company: PdfParty
    customer: PdfParty
    lines: tuple[PdfLine, ...]
    subtotal: Decimal
    vat: Decimal
    amount: Decimal
    valid_until: datetime.date | None = None
    due_date: datetime.date | None = None
    reference: str | None = None
    our_reference: str | None = None
    contact_name: str | None = None
    notes: str | None = None
    source_number: str | None = None


def _safe(text: str, *, multiline: bool = False) -> str:
    """Reduce `text` to printable latin-1: decomposed letters are recomposed first so "a" + ring stays "å"."""
    text = unicodedata.normalize("NFC", text).translate(_LATIN1_STAND_INS)
    text = text.replace("\r\n", "\n").replace("\t", " ")
    out: list[str] = []
    for ch in text:
        if ch == "\n":
            out.append("\n" if multiline else " ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            # Control, format (zero-width, bidi overrides) and lone surrogates carry no glyph worth drawing.
            continue
        elif ord(ch) > 0xFF:
            out.append("?")
        else:
            out.append(ch)
    return "".join(out)


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), ",.2f")


def _plain_number(value: Decimal) -> str:
    # normalize() alone would print 100 as 1E+2.
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


class _Renderer(FPDF):
    def __init__(self, doc: PdfDocument, *, draft: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._doc = doc
        self._draft = draft
        self._title = _TITLES[doc.kind]
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages()

    def header(self) -> None:
        if not self._draft:
            return
        # Drawn before the page content so the lines and totals stay legible on top of it.
        with self.local_context(text_color=(225, 225, 225)):
            self.set_font(_FONT, style="B", size=120)
            cx, cy = self.w / 2, self.h / 2
            with self.rotation(angle=45, x=cx, y=cy):
                self.text(x=cx - self.get_string_width(_WATERMARK) / 2, y=cy + 14, text=_WATERMARK)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(_FONT, size=8)
        self.set_text_color(120)
        label = f"{self._title} {_safe(self._doc.number or _WATERMARK)}"
        self.cell(0, 5, f"{label} - page {self.page_no()}/{{nb}}", align="C")

    def build(self) -> bytes:
        doc = self._doc
        self.set_title(f"{self._title} {_safe(doc.number or _WATERMARK)}")
        self.set_creator(_CREATOR)
        self.set_author(_safe(doc.company.name))
        # A fixed creation date keeps the bytes of one document's PDF the same from render to render.
        self.set_creation_date(datetime.datetime.combine(doc.date, datetime.time(), tzinfo=datetime.UTC))
        self.add_page()
        self._parties()
        self._lines_table()
        self._totals()
        if doc.notes:
            self.ln(6)
            self.set_font(_FONT, size=9)
            self.multi_cell(0, 4.5, _safe(doc.notes, multiline=True), markdown=False)
        return bytes(self.output())

    def _party(self, party: PdfParty, x: float, width: float, *, heading: str | None) -> float:
        self.set_xy(x, self.get_y())
        if heading:
            self.set_font(_FONT, size=8)
            self.set_text_color(110)
            self.cell(width, 4, heading, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.set_font(_FONT, style="B", size=11)
        self.multi_cell(width, 5.5, _safe(party.name), new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(_FONT, size=9)
        extra = [*party.address_lines, party.email or ""]
        if party.vat_number:
            extra.append(f"VAT no. {party.vat_number}")
        for line in extra:
            if line:
                self.multi_cell(width, 4.5, _safe(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
        return self.get_y()

    def _parties(self) -> None:
        doc = self._doc
        top = self.get_y()
        company_bottom = self._party(doc.company, self.l_margin, 95, heading=None)
        self.set_xy(120, top)
        self.set_font(_FONT, style="B", size=20)
        self.multi_cell(0, 9, self._title, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(_FONT, style="B", size=12)
        self.multi_cell(0, 6, _safe(doc.number or _WATERMARK), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_y(max(company_bottom, self.get_y()) + 10)

        top = self.get_y()
        customer_bottom = self._party(doc.customer, self.l_margin, 95, heading="To")
        facts: list[tuple[str, str]] = [("Date", doc.date.isoformat())]
        if doc.valid_until is not None:
            facts.append(("Valid until", doc.valid_until.isoformat()))
        if doc.due_date is not None:
            facts.append(("Due date", doc.due_date.isoformat()))
        for label, value in (
            ("PO-nr.", doc.reference),
            ("Our ref.", doc.our_reference),
            ("Att.", doc.contact_name),
            ("Based on", doc.source_number),
        ):
            if value:
                facts.append((label, _safe(value)))
        self.set_y(top)
        for label, value in facts:
            self.set_x(120)
            self.set_font(_FONT, size=9)
            self.cell(28, 5, label)
            self.multi_cell(0, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(max(customer_bottom, self.get_y()) + 10)

    def _lines_table(self) -> None:
        self.set_font(_FONT, size=9)
        self.set_text_color(0)
        with self.table(
            col_widths=(86, 18, 28, 14, 28),
            text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            borders_layout="HORIZONTAL_LINES",
            line_height=5.5,
            markdown=False,
        ) as table:
            header = table.row()
            for heading in ("Description", "Qty", "Unit price", "VAT %", "Amount"):
                header.cell(heading)
            for line in self._doc.lines:
                row = table.row()
                if line.line_type == "text":
                    row.cell(_safe(line.description), colspan=5, align="LEFT")
                    continue
                row.cell(_safe(line.description))
                row.cell(_plain_number(line.quantity))
                row.cell(_money(line.unit_price))
                row.cell(_plain_number(line.vat_rate))
                row.cell(_money(line.total_price))

    def _totals(self) -> None:
        doc = self._doc
        currency = _safe(doc.currency)
        rows = (("Subtotal", doc.subtotal, ""), ("VAT", doc.vat, ""), ("Total", doc.amount, "B"))
        # Keep the three total rows together rather than splitting them across a page break.
        if self.get_y() + 8 + 6 * len(rows) > self.page_break_trigger:
            self.add_page()
        self.ln(4)
        for label, value, style in rows:
            self.set_x(110)
            self.set_font(_FONT, style=style, size=10)
            self.cell(50, 6, label)
            self.cell(0, 6, f"{_money(value)} {currency}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_pdf(doc: PdfDocument, *, draft: bool) -> bytes:
    """Render `doc` as PDF bytes; `draft` puts a diagonal "DRAFT" watermark on every page."""
    return _Renderer(doc, draft=draft).build()
