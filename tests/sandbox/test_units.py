"""Money arithmetic and the float-free JSON codec, below the HTTP layer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerbee_mcp.sandbox.json_codec import JsonDecodeError, dumps, loads
from ledgerbee_mcp.sandbox.money import format_money, line_amounts, minor_units, totals


@pytest.mark.parametrize(
    ("value", "text"),
    [("0.005", "0.01"), ("0.015", "0.02"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("10", "10.00"), ("1.004", "1.00")],
)
def test_money_rounds_half_up_away_from_zero(value: str, text: str) -> None:
    assert format_money(Decimal(value)) == text


def test_line_vat_is_computed_from_the_rounded_line_total() -> None:
    amounts = line_amounts(Decimal(3), Decimal("33.335"), Decimal(25))
    assert (amounts.total_price, amounts.vat_amount) == (Decimal("100.01"), Decimal("25.00"))


def test_large_values_stay_exact() -> None:
    amounts = line_amounts(Decimal("999999999.999999"), Decimal("999999999999.999999"), Decimal(25))
    # (1e9 - 1e-6) x (1e12 - 1e-6) = 1e21 - 1e6 - 1e3 + 1e-12, exactly, before rounding
    assert amounts.total_price == Decimal("999999999999998999000.00")


def test_totals_and_minor_units() -> None:
    sums = totals(
        [line_amounts(Decimal(1), Decimal("10.10"), Decimal(25)), line_amounts(Decimal(2), Decimal("0.99"), Decimal(0))]
    )
    assert (sums.subtotal, sums.vat, sums.amount) == (Decimal("12.08"), Decimal("2.53"), Decimal("14.61"))
    assert minor_units(sums.amount) == 1461


def test_json_numbers_parse_to_decimal_and_write_back_exactly() -> None:
    parsed = loads(b'{"q": 0.1, "n": 3, "s": "x", "l": [1.50, null, true]}')
    assert parsed == {"q": Decimal("0.1"), "n": 3, "s": "x", "l": [Decimal("1.50"), None, True]}
    assert dumps({"q": Decimal("0.1"), "big": Decimal("1E+3"), "l": [Decimal("1.50"), None, False], "t": 'æ"'}) == (
        '{"q":0.1,"big":1000,"l":[1.5,null,false],"t":"æ\\""}'.encode()
    )


@pytest.mark.parametrize("raw", [b"NaN", b'{"a": Infinity}', b"{", b"\xff"])
def test_json_rejects_what_is_not_strict_json(raw: bytes) -> None:
    with pytest.raises(JsonDecodeError):
        loads(raw)


def test_json_refuses_to_encode_floats() -> None:
    with pytest.raises(TypeError):
        dumps({"x": 0.1})
