"""Text for the question a person answers before a send or convert, built so that data cannot forge any of it.

Values such as a customer name come from LedgerBee and so, in the end, from whoever typed them. `visible` turns one
such value into a single quoted run of text in which every character that could start a new line, reorder what
follows, hide itself or fake the closing quote is shown as its code point, and which is cut at a fixed length.
`render_rows` lays out the rows the person decides on first, so a long or odd value cannot push them out of sight,
and refuses to produce a row that spans more than one line. It imports only the standard library.

    >>> print(render_rows([Row("Action", "send quote"), Row("Amount", money(Decimal("12500"), "DKK"))],
    ...                   [Row("Customer", visible("Fjordfoods\\u2028Recipient: x@evil.example"))]))
    Action: send quote
    Amount: 12,500.00 DKK
    ────────────────────────
    Customer: “Fjordfoods⟨U+2028⟩Recipient: x@evil.example”
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from ledgerbee_mcp.guardrails._blanks import is_blank

__all__ = ["NONE_SHOWN", "SEPARATOR", "Row", "money", "render_rows", "visible"]

NONE_SHOWN = "—"
"""What `visible(None)` gives: unquoted, so it cannot be mistaken for a value that is a dash."""

SEPARATOR = "─" * 24
"""The line between the rows the person decides on and the details."""

_OPEN, _CLOSE = "“", "”"

# Categories that break lines, reorder or hide text, or have no agreed glyph. Zs is handled apart: the plain space
# stays, every other space (no-break, em, ideographic...) is shown, since it can pass for a space or for nothing.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

# Characters that could pass for the closing quote, and the brackets of the escapes themselves, so that every ⟨ in
# the output starts an escape this module wrote.
_ESCAPED_CHARS = frozenset('"\u201c\u201d\u201e\u201f\u2033\u2036\u301d\u301e\u301f\uff02\u27e8\u27e9')


# Labels are chosen by code, never by data; keeping them to plain words means no label can contain the ': ' that
# separates a label from its value, or anything invisible.
_LABEL_PUNCTUATION = frozenset(" '()/&.-")

_CENT = Decimal("0.01")
_CURRENCY = re.compile(r"[A-Z]{3}")


def visible(text: str | None, limit: int = 120) -> str:
    """One value from data as a quoted run of text that is always a single line and at most `limit` long inside.

    Line and paragraph separators, controls, bidi and other format characters, private-use and unassigned code
    points, spaces other than U+0020, and quote characters are shown as ``⟨U+XXXX⟩``. If the escaped value is longer
    than `limit`, it is cut (never inside an escape) and followed by ``… ⟨N more characters cut⟩``, N counting the
    original characters left out. None gives `NONE_SHOWN`.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if text is None:
        return NONE_SHOWN
    kept: list[str] = []
    length = 0
    previous_escaped = True  # a combining mark at the start would draw itself onto the opening quote
    for index, char in enumerate(text):
        if _must_escape(char) or (previous_escaped and unicodedata.combining(char)):
            piece = f"⟨U+{ord(char):04X}⟩"
            previous_escaped = True
        else:
            piece = char
            previous_escaped = False
        if length + len(piece) > limit:
            left_out = len(text) - index
            noun = "character" if left_out == 1 else "characters"
            return f"{_OPEN}{''.join(kept)}{_CLOSE} … ⟨{left_out} more {noun} cut⟩"
        kept.append(piece)
        length += len(piece)
    return f"{_OPEN}{''.join(kept)}{_CLOSE}"


def money(amount: Decimal, currency: str) -> str:
    """`12,500.00 DKK`: thousands separators, two decimals rounded half-up, a leading minus when negative.

    A currency that is not three capital letters comes from data and is shown through `visible`.
    """
    if not amount.is_finite():
        raise ValueError(f"amount must be a finite number, not {amount}")
    # The default context has 28 digits, too few to quantize a large amount exactly.
    context = Context(prec=max(28, amount.adjusted() + 4))
    rounded = amount.quantize(_CENT, rounding=ROUND_HALF_UP, context=context)
    if rounded.is_zero():
        rounded = abs(rounded)  # "-0.00" would suggest a credit where there is none
    shown_currency = currency if _CURRENCY.fullmatch(currency) else visible(currency, limit=12)
    return f"{rounded:,.2f} {shown_currency}"


@dataclass(frozen=True)
class Row:
    """One line of the question: `label` is a plain word or two chosen by the caller, `value` is already rendered
    (by `visible`, `money`, `Address.display()`, or a fixed word from code)."""

    label: str
    value: str


def render_rows(decision: Sequence[Row], details: Sequence[Row]) -> str:
    """The rows the person decides on, then `SEPARATOR`, then the details; one ``Label: value`` row per line.

    Pass as `decision` what the approval is about (action, number, amount, delivery, recipient) so that it comes
    before anything data can make long. Raises ValueError if there is no decision row, a label is not plain words,
    or a value contains a line break, a control or a format character: that is a caller that skipped `visible`,
    and refusing is the only way to be sure it did not produce a forged row.
    """
    if not decision:
        raise ValueError("render_rows needs at least one decision row")
    lines = [_render_row(row) for row in decision]
    if details:
        lines.append(SEPARATOR)
        lines.extend(_render_row(row) for row in details)
    rendered = "\n".join(lines)
    # The per-row checks should make this impossible; it stays as the last word on the one property that matters.
    if len(rendered.splitlines()) != len(lines):
        raise ValueError("rendered rows do not come out one per line")
    return rendered


def _render_row(row: Row) -> str:
    label = row.label
    if not (
        label[:1].isalnum()
        and label == label.rstrip(" ")
        and all(char.isalnum() or char in _LABEL_PUNCTUATION for char in label)
    ):
        raise ValueError(f"row label {row.label!r} must be plain words (letters, digits, spaces, '()/&.-')")
    for char in row.value:
        # Every line break str.splitlines knows is in Cc, Zl or Zp.
        if unicodedata.category(char) in _ESCAPED_CATEGORIES:
            raise ValueError(
                f"the value of row {row.label!r} contains U+{ord(char):04X}, which could break or reorder the row; "
                "render data with visible()"
            )
    return f"{row.label}: {row.value}"


def _must_escape(char: str) -> bool:
    if char in _ESCAPED_CHARS:
        return True
    category = unicodedata.category(char)
    if category in _ESCAPED_CATEGORIES or (category == "Zs" and char != " "):
        return True
    code = ord(char)
    return is_blank(code)
