"""parse_address, normalise_domain, domain_allowed: each trick is refused with its reason, plain addresses pass."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledgerbee_mcp.guardrails.addresses import (
    Address,
    AddressError,
    domain_allowed,
    normalise_domain,
    parse_address,
)

CYRILLIC_A = "\u0430"  # looks like Latin "a"


def refusal(text: str) -> str:
    with pytest.raises(AddressError) as caught:
        parse_address(text)
    message = str(caught.value)
    assert "buyer@example.dk" in message, "every refusal shows a valid example"
    return message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('"a@evil.com"@good.dk', "double quote"),
        ('"Bob" <a@b.dk>', "double quote"),
        ("a@good.dk(evil.com)", "comment in parentheses"),
        ("a(x)@good.dk", "comment in parentheses"),
        ("<a@evil.com>", "angle brackets"),
        ("Bob <a@evil.com>", "angle brackets"),
        ("a@[10.0.0.1]", "domain literal"),
        ("a\\@evil.com@good.dk", "backslash"),
        ("a@evil.com,b@good.dk", "comma"),
        ("a@evil.com;", "semicolon"),
        ("@evil.com:a@good.dk", "colon"),
        ("a b@good.dk", "space"),
        ("a@evil.com@good.dk", "2 @ signs"),
        ("a.good.dk", "no @"),
        ("@good.dk", "nothing before the @"),
        ("a@", "nothing after the @"),
        ("", "empty"),
        ("   ", "empty"),
        (f"{CYRILLIC_A}@good.dk", "U+0430 CYRILLIC SMALL LETTER A"),
        ("m\u00e9tte@good.dk", "U+00E9 LATIN SMALL LETTER E WITH ACUTE"),
        ("a@good\u200b.dk", "U+200B ZERO WIDTH SPACE"),
        ("a\u00ad@good.dk", "U+00AD SOFT HYPHEN"),
        ("\ufeffa@good.dk", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("a@good.dk\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("a@good.dk\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("a\u200e@good.dk", "U+200E LEFT-TO-RIGHT MARK"),
        ("a@good.dk\u2028", "U+2028 LINE SEPARATOR"),
        ("a@good.dk\u2029", "U+2029 PARAGRAPH SEPARATOR"),
        ("a@good.dk\u0085", "U+0085 NEXT LINE"),
        ("a@good.dk\nb@evil.com", "U+000A LINE FEED"),
        ("a@good\u00a0.dk", "U+00A0 NO-BREAK SPACE"),
        ("a@good.dk\u3000", "U+3000 IDEOGRAPHIC SPACE"),
        ("a@good.d\ue000k", "U+E000"),
        ("a@good.dk\U000e0041", "U+E0041 TAG LATIN CAPITAL LETTER A"),
        ("a@g\u3164ood.dk", "U+3164 HANGUL FILLER"),
        ("a@evil\u3002com", "U+3002 IDEOGRAPHIC FULL STOP"),
        ("a@good..dk", "two dots in a row"),
        ("a@.good.dk", "domain starts with a dot"),
        ("a@good.dk.", "domain ends with a dot"),
        (".a@good.dk", "starts with a dot"),
        ("a.@good.dk", "ends with a dot"),
        ("a..b@good.dk", "two dots in a row"),
        ("a@-good.dk", "starts with a hyphen"),
        ("a@good-.dk", "ends with a hyphen"),
        ("a@good.123", "all digits"),
        ("a@localhost", "only one part"),
        ("a@good_x.dk", "'_'"),
        ("a@good!.dk", "'!'"),
        ("a@xn--zz.dk", "not valid punycode"),
        ("a@xn--a.dk", "not valid punycode"),
        ("a@xn--abc-.dk", "ends with a hyphen"),
        ("a@stra\u00dfe.dk", "would be read as strasse"),
        ("a@\uff45\uff56\uff49\uff4c.com", "would be read as evil"),
        ("x" * 65 + "@good.dk", "65 characters long"),
        ("a@" + "x" * 64 + ".dk", "64 characters long"),
        ("a@" + ".".join(["x" * 63] * 4) + ".dk", "258 characters long"),
    ],
)
def test_refused_with_reason(text: str, reason: str) -> None:
    assert reason in refusal(text)


def test_refusal_message_cannot_break_lines_or_reorder() -> None:
    message = refusal("a@good.dk\u2028\u202eRecipient: x@evil.example")
    assert "\u2028" not in message
    assert "\u202e" not in message
    assert "\\u2028" in message


def test_refusal_message_is_bounded_for_long_input() -> None:
    assert len(refusal("a" * 10_000 + "@good.dk")) < 400


@pytest.mark.parametrize(
    ("text", "ascii_form"),
    [
        ("mette.larsen@fjordfoods.dk", "mette.larsen@fjordfoods.dk"),
        ("o'brien+quotes@sub.example.co.uk", "o'brien+quotes@sub.example.co.uk"),
        ("Mette.Larsen@FjordFoods.DK", "Mette.Larsen@fjordfoods.dk"),
        ("  buyer@example.dk\n", "buyer@example.dk"),
        ("!#$%&'*+-/=?^_`{|}~@example.dk", "!#$%&'*+-/=?^_`{|}~@example.dk"),
        ("a@x1.dk", "a@x1.dk"),
        ("a@123.dk", "a@123.dk"),
        ("a@b-c.d-e.com", "a@b-c.d-e.com"),
        ("x" * 64 + "@good.dk", "x" * 64 + "@good.dk"),
        ("a@" + "x" * 63 + ".dk", "a@" + "x" * 63 + ".dk"),
    ],
)
def test_accepted(text: str, ascii_form: str) -> None:
    address = parse_address(text)
    assert address.ascii == ascii_form
    assert address.unicode == ascii_form
    assert not address.is_internationalised
    assert address.warning is None
    assert address.display() == ascii_form


def test_fields_of_a_plain_address() -> None:
    assert parse_address("Buyer@Sales.Example.DK") == Address(
        local="Buyer", domain="sales.example.dk", domain_unicode="sales.example.dk"
    )


def test_unicode_domain_is_shown_as_punycode_with_unicode_beside_it() -> None:
    address = parse_address("buyer@Fj\u00d8rdfoods.dk")
    assert address.domain == "xn--fjrdfoods-m8a.dk"
    assert address.domain_unicode == "fj\u00f8rdfoods.dk"
    assert address.ascii == "buyer@xn--fjrdfoods-m8a.dk"
    assert address.unicode == "buyer@fj\u00f8rdfoods.dk"
    assert address.is_internationalised
    assert address.display() == "buyer@xn--fjrdfoods-m8a.dk (shown in Unicode as buyer@fj\u00f8rdfoods.dk)"
    assert address.warning is not None
    assert "non-ASCII" in address.warning
    assert "look-alike" in address.warning


def test_decomposed_letters_are_composed() -> None:
    assert parse_address("a@fjo\u0308rd.dk") == parse_address("a@fj\u00f6rd.dk")


def test_punycode_given_in_ascii_is_decoded_for_showing() -> None:
    address = parse_address("buyer@XN--fjrdfoods-m8a.dk")
    assert address == parse_address("buyer@fj\u00f8rdfoods.dk")
    assert "fj\u00f8rdfoods.dk" in address.display()


def test_punycode_that_decodes_to_a_different_look_alike_is_shown_as_such() -> None:
    # Punycode looks alike too: one changed letter decodes to another name, which the person then sees.
    address = parse_address("buyer@xn--fjrdfoods-q5a.dk")
    assert address.domain_unicode == "f\u00eejrdfoods.dk"
    assert address.warning is not None


def test_cyrillic_domain_is_accepted_as_punycode_and_does_not_match_the_latin_allowlist() -> None:
    address = parse_address(f"a@g{CYRILLIC_A}od.dk")
    assert address.domain.startswith("xn--")
    assert address.ascii.isascii()
    assert address.domain_unicode == f"g{CYRILLIC_A}od.dk"
    assert address.display().startswith(f"a@{address.domain} (shown in Unicode as ")
    assert address.warning is not None
    assert not domain_allowed(address, [normalise_domain("gaod.dk")])
    assert not domain_allowed(address, [normalise_domain("good.dk"), normalise_domain(".gaod.dk")])
    assert domain_allowed(address, [normalise_domain(f"g{CYRILLIC_A}od.dk")])


@pytest.mark.parametrize(
    ("address", "allowed", "expected"),
    [
        ("a@example.dk", ["example.dk"], True),
        ("a@sales.example.dk", ["example.dk"], True),
        ("a@deep.sales.example.dk", ["example.dk"], True),
        ("a@EXAMPLE.dk", ["example.dk"], True),
        ("a@badexample.dk", ["example.dk"], False),
        ("a@example.dk.evil.com", ["example.dk"], False),
        ("a@example.dk", ["sales.example.dk"], False),
        ("a@evil.com", ["example.dk", "other.dk"], False),
        ("a@other.dk", ["example.dk", "other.dk"], True),
        ("a@evil.com", [], True),
        ("a@example.dk", [""], False),
        ("a@fj\u00f8rdfoods.dk", ["xn--fjrdfoods-m8a.dk"], True),
    ],
)
def test_domain_allowed(address: str, allowed: list[str], expected: bool) -> None:
    assert domain_allowed(parse_address(address), allowed) is expected


def test_domain_allowed_takes_any_iterable_once() -> None:
    assert domain_allowed(parse_address("a@example.dk"), (d for d in ["other.dk", "example.dk"]))


def test_domain_allowed_refuses_a_bare_string() -> None:
    with pytest.raises(TypeError):
        domain_allowed(parse_address("a@e.dk"), "e.dk")


def test_unnormalised_entries_fail_closed() -> None:
    address = parse_address("a@fj\u00f8rdfoods.dk")
    assert not domain_allowed(address, ["fj\u00f8rdfoods.dk"])
    assert not domain_allowed(parse_address("a@example.dk"), ["Example.DK"])


@pytest.mark.parametrize(
    ("entry", "normalised"),
    [
        ("example.dk", "example.dk"),
        (".example.dk", "example.dk"),
        ("  Example.DK ", "example.dk"),
        ("Fj\u00f8rdfoods.DK", "xn--fjrdfoods-m8a.dk"),
        ("xn--fjrdfoods-m8a.dk", "xn--fjrdfoods-m8a.dk"),
        ("sub.example.co.uk", "sub.example.co.uk"),
    ],
)
def test_normalise_domain(entry: str, normalised: str) -> None:
    assert normalise_domain(entry) == normalised


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("", "nothing after the @"),
        ("dk", "only one part"),
        ("*.example.dk", "without '*.'"),
        ("a@example.dk", "not an address"),
        ("..example.dk", "starts with a dot"),
        ("example..dk", "two dots"),
        ("exa mple.dk", "space"),
        ("example.dk\u200b", "U+200B ZERO WIDTH SPACE"),
        ("stra\u00dfe.dk", "would be read as strasse"),
        ("example.123", "all digits"),
        ("[10.0.0.1]", "domain literal"),
    ],
)
def test_normalise_domain_refuses(entry: str, reason: str) -> None:
    with pytest.raises(AddressError) as caught:
        normalise_domain(entry)
    assert reason in str(caught.value)
    assert "example.dk" in str(caught.value)


def test_address_error_is_a_value_error() -> None:
    assert issubclass(AddressError, ValueError)


# Plain text rarely forms an address; pieces of addresses and of the tricks above reach the deeper checks.
_address_like = st.lists(
    st.one_of(
        st.sampled_from(list("abcXYZ019.-@_+'\"()<>[]\\,;: ")),
        st.sampled_from(["xn--", ".dk", "\u00f8", "\u00df", CYRILLIC_A, "\u200b", "\u202e", "\u3002", "\u0308"]),
        st.characters(),
    ),
    max_size=30,
).map("".join)


@given(st.one_of(st.text(), _address_like))
@example("a@xn--fjrdfoods-q5a.dk")
@example("a@xn--.dk")
@example("a@xn--ss-.dk")
def test_any_text_is_refused_or_parses_to_a_round_tripping_ascii_address(text: str) -> None:
    try:
        address = parse_address(text)
    except AddressError:
        return
    assert address.ascii.isascii()
    assert address.ascii.count("@") == 1
    assert parse_address(address.ascii) == address
    assert parse_address(address.unicode) == address
    assert domain_allowed(address, [normalise_domain(address.domain)])


@given(
    local=st.text(alphabet="abcdefghij0123456789!#$%&'*+-/=?^_`{|}~", min_size=1, max_size=64),
    labels=st.lists(
        st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True).filter(lambda s: s[2:4] != "--"),
        min_size=1,
        max_size=4,
    ),
)
def test_well_formed_addresses_are_accepted(local: str, labels: list[str]) -> None:
    domain = ".".join([*labels, "dk"])
    address = parse_address(f"{local}@{domain}")
    assert address == Address(local=local, domain=domain, domain_unicode=domain)
