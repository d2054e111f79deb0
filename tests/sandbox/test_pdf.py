"""The sandbox's PDFs: real files whose text says what the document says."""

from __future__ import annotations

import datetime
import io
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ledgerbee_mcp.sandbox.pdf import PdfDocument, PdfLine, PdfParty, render_pdf

COMPANY = PdfParty(
    name="Bikuben ApS",
    address_lines=("Nørregade 7", "1165 København K", "Danmark"),
    email="faktura@bikuben.dk",
    vat_number="DK12345678",
)
CUSTOMER = PdfParty(name="Ærø Æbleplantage A/S", address_lines=("Havnevej 3", "5970 Ærøskøbing"))


def _line(description: str, quantity: str = "2", unit_price: str = "1234.50") -> PdfLine:
    total = Decimal(quantity) * Decimal(unit_price)
    return PdfLine(description, "product", Decimal(quantity), Decimal(unit_price), Decimal(25), total)


def _document(**overrides: object) -> PdfDocument:
    doc = PdfDocument(
        kind="quote",
        number="1001",
        date=datetime.date(2026, 6, 11),
        currency="DKK",
        company=COMPANY,
        customer=CUSTOMER,
        lines=(
            _line("Honningglas, 500 g", quantity="1000", unit_price="12.5"),
            PdfLine("Levering uge 27", "text", Decimal(0), Decimal(0), Decimal(0), Decimal(0)),
            _line("Bistade, komplet"),
        ),
        subtotal=Decimal("14969.00"),
        vat=Decimal("3742.25"),
        amount=Decimal("18711.25"),
        valid_until=datetime.date(2026, 7, 11),
        reference="PO-4711",
        our_reference="Jens Hansen",
        contact_name="Søren Ågård",
        notes="Tak for henvendelsen. Prisen er inkl. fragt.",
    )
    return replace(doc, **overrides)  # pyright: ignore[reportArgumentType] -- test-only overrides by name


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _text(pdf: bytes) -> str:
    return "\n".join(_pages(pdf))


@pytest.mark.parametrize(
    ("kind", "title"),
    [("quote", "Quote"), ("orderConfirmation", "Order confirmation"), ("invoice", "Invoice")],
)
def test_each_kind_prints_its_title_parties_lines_and_totals(kind: str, title: str) -> None:
    pdf = render_pdf(_document(kind=kind), draft=False)

    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert title in text
    assert "1001" in text
    for expected in (
        "Bikuben ApS",
        "Nørregade 7",
        "DK12345678",
        "Ærø Æbleplantage A/S",
        "5970 Ærøskøbing",
        "Honningglas, 500 g",
        "Levering uge 27",
        "Bistade, komplet",
        "12.50",
        "12,500.00",
        "14,969.00",
        "3,742.25",
        "18,711.25 DKK",
        "PO-4711",
        "Jens Hansen",
        "Søren Ågård",
        "Tak for henvendelsen. Prisen er inkl. fragt.",
    ):
        assert expected in text


def test_quote_prints_valid_until_and_invoice_prints_due_date() -> None:
    quote = _text(render_pdf(_document(), draft=False))
    invoice = _text(
        render_pdf(_document(kind="invoice", valid_until=None, due_date=datetime.date(2026, 6, 25)), draft=False)
    )

    assert "Valid until" in quote
    assert "2026-07-11" in quote
    assert "Due date" in invoice
    assert "2026-06-25" in invoice
    assert "Valid until" not in invoice


def test_text_line_prints_its_description_without_amounts() -> None:
    text = _text(render_pdf(_document(), draft=False))

    row = next(line for line in text.splitlines() if "Levering uge 27" in line)
    assert row.strip() == "Levering uge 27"


def test_unnumbered_document_shows_draft_in_place_of_the_number() -> None:
    pdf = render_pdf(_document(number=None), draft=False)

    assert "DRAFT" in _text(pdf)
    assert "1001" not in _text(pdf)
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "Quote DRAFT"  # pyright: ignore[reportOptionalMemberAccess] -- fpdf2 always writes an Info dict


def test_draft_watermark_is_on_every_page_and_only_when_asked() -> None:
    many = tuple(_line(f"Position {i}") for i in range(80))
    draft_pages = _pages(render_pdf(_document(lines=many), draft=True))
    final_pages = _pages(render_pdf(_document(lines=many), draft=False))

    assert len(draft_pages) > 1
    assert all("DRAFT" in page for page in draft_pages)
    assert not any("DRAFT" in page for page in final_pages)


def test_long_line_table_paginates_with_the_total_on_the_last_page() -> None:
    lines = tuple(_line(f"Konsulenttime nr. {i}", quantity="1", unit_price="1000") for i in range(120))
    pdf = render_pdf(
        _document(lines=lines, subtotal=Decimal(120000), vat=Decimal(30000), amount=Decimal(150000)),
        draft=False,
    )

    pages = _pages(pdf)
    assert len(pages) > 1
    assert "150,000.00 DKK" in pages[-1]
    assert "150,000.00" not in pages[0]
    text = "\n".join(pages)
    assert all(f"Konsulenttime nr. {i}\n" in text or f"Konsulenttime nr. {i} " in text for i in range(120))
    # The column headings repeat so a reader of page 2 knows what the numbers are.
    assert all("Unit price" in page for page in pages[:-1])


def test_markup_in_notes_is_printed_literally() -> None:
    notes = "**Vigtigt** <b>fed</b> __understreget__ [link](https://example.com)"
    text = _text(render_pdf(_document(notes=notes), draft=False))

    assert notes in text


@pytest.mark.parametrize(
    "junk",
    [
        "Bee \U0001f41d emoji",
        "中文客户",
        "שלום עולם",
        "مرحبا",
        "ctrl\x00\x07\x1b[31mchars\x7f\x85",
        "zero\u200bwidth\u202eoverride",
        "lone \ud800 surrogate",
        "",
        "x" * 2000,
    ],
)
def test_text_outside_latin1_does_not_crash(junk: str) -> None:
    party = PdfParty(name=junk, address_lines=(junk,), email=junk, vat_number=junk)
    doc = _document(
        customer=party,
        company=party,
        lines=(_line(junk), PdfLine(junk, "text", Decimal(0), Decimal(0), Decimal(0), Decimal(0))),
        reference=junk,
        our_reference=junk,
        contact_name=junk,
        notes=junk,
        number=junk or None,
        currency=junk or "DKK",
    )

    pdf = render_pdf(doc, draft=True)

    assert pdf.startswith(b"%PDF-")
    assert _pages(pdf)


def test_unsupported_characters_become_question_marks_and_controls_vanish() -> None:
    customer = PdfParty(name="Kunde \U0001f41d 中 A/S\x00\x07")
    text = _text(render_pdf(_document(customer=customer), draft=False))

    assert "Kunde ? ? A/S" in text
    assert "\x00" not in text


def test_decomposed_danish_letters_are_recomposed() -> None:
    customer = PdfParty(name="A\u030arhus Bryghus")  # "Å" written as A + combining ring
    assert "Århus Bryghus" in _text(render_pdf(_document(customer=customer), draft=False))


def test_metadata_names_the_document_and_the_creator() -> None:
    meta = PdfReader(io.BytesIO(render_pdf(_document(kind="invoice"), draft=False))).metadata

    assert meta is not None
    assert meta.title == "Invoice 1001"
    assert meta.creator == "ledgerbee-mcp sandbox"


def test_output_is_deterministic() -> None:
    assert render_pdf(_document(), draft=True) == render_pdf(_document(), draft=True)
