"""One strict grammar for every e-mail recipient, so that the address a person approves is the address mail goes to.

RFC 5322 lets an address carry comments, quoted parts, escapes, display names and domain literals, and mail
software reads those differently from how they look: `"a@evil.com"@good.dk` and `a@good.dk(evil.com)` both look like
they name good.dk. Unicode adds look-alikes (Cyrillic letters) and invisible characters. This module accepts only
the plain subset in which the text shown is the text read, and refuses everything else with a reason a person can act
on. It imports only the standard library, so it can be used (and tested) without the server.

    >>> a = parse_address("Mette.Larsen@Fjordfoods.DK")
    >>> a.ascii
    'Mette.Larsen@fjordfoods.dk'
    >>> domain_allowed(a, [normalise_domain("fjordfoods.dk")])
    True
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ledgerbee_mcp.guardrails._blanks import is_blank

__all__ = ["Address", "AddressError", "domain_allowed", "normalise_domain", "parse_address"]

_ADDRESS_EXAMPLE = "buyer@example.dk"
_DOMAIN_EXAMPLE = "example.dk"
_ASCII_WHITESPACE = " \t\r\n\f\v"
_ATEXT_SYMBOLS = "!#$%&'*+-/=?^_`{|}~"
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + _ATEXT_SYMBOLS)
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_MAX_LOCAL = 64
_MAX_LABEL = 63
_MAX_DOMAIN = 253

# Categories that are invisible, reorder text, break lines, or have no agreed glyph: any of them lets two different
# addresses look the same, or one address look like two rows.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


# unicodedata has no names for control characters; these are the ones a pasted address realistically carries.
_CONTROL_NAMES = {
    0x00: "NULL",
    0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}

# IDNA 2003 treats these as label separators, so `evil。com` would be read as evil.com.
_IDNA_DOTS = frozenset("\u3002\uff0e\uff61")

# Checked in this order so that the reason given is the one that explains the trick, e.g. `Bob <a@b.dk>` is
# reported for its angle brackets rather than for its space.
_SYNTAX_REASONS = (
    (
        '"',
        "it contains a double quote: RFC 5322 reads quoted text as part of the address, so the mail can go to "
        "another domain than the one it seems to name",
    ),
    (
        "<>",
        "it contains angle brackets or a display name (as in Bob <bob@example.dk>): give only the address itself",
    ),
    (
        "()",
        "it contains a comment in parentheses: RFC 5322 ignores the text inside, so the address is read "
        "differently from how it looks",
    ),
    (
        "[]",
        "it contains square brackets: a domain literal such as [10.0.0.1] names a server directly instead of a domain",
    ),
    (
        "\\",
        "it contains a backslash, which RFC 5322 uses to escape the next character, so the address is read "
        "differently from how it looks",
    ),
    (",", "it contains a comma, which separates one address from the next: give exactly one address"),
    (";", "it contains a semicolon, which ends a group of addresses: give exactly one address"),
    (":", "it contains a colon, which starts a group or a mail route: give only the address itself"),
    (" ", "it contains a space: give only the address, without a name or other words"),
)


class AddressError(ValueError):
    """An address or allowlist entry that is refused; the message says why and shows a valid example."""


class _Problem(Exception):
    """Raised inside the validators with the reason only; the public functions add what was refused and an example."""


@dataclass(frozen=True)
class Address:
    """A recipient that passed `parse_address`.

    `domain` is the ASCII (IDNA/punycode) form in lower case, which is what mail servers and the allowlist use;
    `domain_unicode` is the same domain with its punycode labels decoded, for showing beside it.
    """

    local: str
    domain: str
    domain_unicode: str

    @property
    def ascii(self) -> str:
        """The address to pass to LedgerBee."""
        return f"{self.local}@{self.domain}"

    @property
    def unicode(self) -> str:
        return f"{self.local}@{self.domain_unicode}"

    @property
    def is_internationalised(self) -> bool:
        return self.domain != self.domain_unicode

    def display(self) -> str:
        """The text to show the person who approves: the form mail actually uses, with the Unicode form beside it.

        Leading with punycode means a look-alike domain never renders identically to the one it imitates.
        """
        if not self.is_internationalised:
            return self.ascii
        return f"{self.ascii} (shown in Unicode as {self.unicode})"

    @property
    def warning(self) -> str | None:
        """A sentence to show with `display()` when the domain has non-ASCII letters, else None."""
        if not self.is_internationalised:
            return None
        return (
            f"The domain {self.domain_unicode} ({self.domain}) has non-ASCII letters: check that it is not a "
            "look-alike of another domain before approving."
        )


def parse_address(text: str) -> Address:
    """Parse one e-mail address in the strict grammar, or raise `AddressError` saying what is wrong.

    Only leading and trailing ASCII whitespace is removed; everything else is taken as given.
    """
    stripped = text.strip(_ASCII_WHITESPACE)
    try:
        return _parse(stripped)
    except _Problem as problem:
        raise AddressError(
            f"{_quote(stripped)} is not a usable e-mail address: {problem}. Give one plain address such as "
            f"{_ADDRESS_EXAMPLE}."
        ) from None


def normalise_domain(entry: str) -> str:
    """An allowlist entry (`example.dk`, `.example.dk`, `Fjørdfoods.DK`) in its lower-case ASCII (IDNA) form.

    A leading dot is accepted and dropped: every entry already covers its subdomains (see `domain_allowed`).
    """
    stripped = entry.strip(_ASCII_WHITESPACE)
    try:
        ascii_domain = _parse_entry(stripped)
    except _Problem as problem:
        raise AddressError(
            f"{_quote(stripped)} is not a usable allowlist domain: {problem}. Give a domain such as {_DOMAIN_EXAMPLE}."
        ) from None
    return ascii_domain


def domain_allowed(address: Address, allowed: Iterable[str]) -> bool:
    """Whether the address's domain is an entry of `allowed` or a subdomain of one; an empty allowlist allows all.

    Entries must already be in `normalise_domain` form; an entry in any other form matches nothing, so a mistake
    refuses mail rather than letting it through. Matching is on whole labels: `sales.example.dk` matches
    `example.dk`, while `badexample.dk` and `example.dk.evil.com` do not.
    """
    if isinstance(allowed, str):
        # A bare string would be iterated as single characters, each a meaningless entry.
        raise TypeError("allowed must be a collection of domains, not one string")
    entries = tuple(allowed)
    if not entries:
        return True
    domain = address.domain
    return any(entry and (domain == entry or domain.endswith("." + entry)) for entry in entries)


def _parse_entry(entry: str) -> str:
    if entry.startswith("*."):
        raise _Problem(f"write {entry[2:]} without '*.': an entry already covers its subdomains")
    if "@" in entry:
        raise _Problem("an allowlist entry is a domain, not an address: write only the part after the @")
    _check_characters(entry)
    ascii_domain, _ = _parse_domain(entry.removeprefix("."))
    return ascii_domain


def _parse(text: str) -> Address:
    if not text:
        raise _Problem("it is empty")
    _check_characters(text)
    at_count = text.count("@")
    if at_count == 0:
        raise _Problem("it has no @ between the name and the domain")
    if at_count > 1:
        raise _Problem(f"it contains {at_count} @ signs, and an address has exactly one")
    local, domain = text.split("@")
    _check_local(local)
    ascii_domain, unicode_domain = _parse_domain(domain)
    return Address(local=local, domain=ascii_domain, domain_unicode=unicode_domain)


def _check_characters(text: str) -> None:
    for position, char in enumerate(text, start=1):
        if char != " " and _is_hidden(char):
            raise _Problem(
                f"it contains {_describe(char)} at position {position}, an invisible, formatting or line-break "
                "character that can make one address look like another"
            )
    for chars, reason in _SYNTAX_REASONS:
        if any(char in text for char in chars):
            raise _Problem(reason)


def _check_local(local: str) -> None:
    if not local:
        raise _Problem("there is nothing before the @")
    for char in local:
        if not char.isascii():
            raise _Problem(
                f"the part before the @ contains {_describe(char)}; only ASCII letters, digits, dots and "
                f"{_ATEXT_SYMBOLS} are accepted there, so that a look-alike letter cannot pass for a Latin one"
            )
        if char != "." and char not in _ATEXT:
            raise _Problem(f"the part before the @ contains {char!r}, which is not allowed there")
    if local.startswith("."):
        raise _Problem("the part before the @ starts with a dot")
    if local.endswith("."):
        raise _Problem("the part before the @ ends with a dot")
    if ".." in local:
        raise _Problem("the part before the @ has two dots in a row")
    if len(local) > _MAX_LOCAL:
        raise _Problem(f"the part before the @ is {len(local)} characters long, and at most {_MAX_LOCAL} are allowed")


def _parse_domain(domain: str) -> tuple[str, str]:
    """The domain's (ASCII, Unicode) forms; the caller has already refused hidden and RFC 5322 syntax characters."""
    if not domain:
        raise _Problem("there is nothing after the @")
    for char in domain:
        if char in _IDNA_DOTS:
            raise _Problem(f"the domain contains {_describe(char)}, which IDNA reads as a dot")
    if domain.startswith("."):
        raise _Problem("the domain starts with a dot")
    if domain.endswith("."):
        raise _Problem("the domain ends with a dot")
    labels = domain.split(".")
    if "" in labels:
        raise _Problem("the domain has two dots in a row")
    if len(labels) < 2:
        raise _Problem(f"the domain {domain} has only one part; a domain such as {_DOMAIN_EXAMPLE} has two or more")
    pairs = [_parse_label(label) for label in labels]
    ascii_domain = ".".join(ascii_label for ascii_label, _ in pairs)
    unicode_domain = ".".join(unicode_label for _, unicode_label in pairs)
    tld = pairs[-1][0]
    if tld.isdigit():
        raise _Problem(f"the last part of the domain ({tld}) is all digits, and a domain ends in a name such as dk")
    if len(ascii_domain) > _MAX_DOMAIN:
        raise _Problem(
            f"the domain is {len(ascii_domain)} characters long in its ASCII form; at most {_MAX_DOMAIN} are allowed"
        )
    return ascii_domain, unicode_domain


def _parse_label(label: str) -> tuple[str, str]:
    """One label's (ASCII, Unicode) forms."""
    if label.isascii():
        ascii_label = label.lower()
        _check_ldh(ascii_label)
        if not ascii_label.startswith("xn--"):
            return ascii_label, ascii_label
        return ascii_label, _decode_punycode(ascii_label)
    wanted = unicodedata.normalize("NFC", label.lower())
    try:
        encoded = wanted.encode("idna").decode("ascii")
    except UnicodeError:
        raise _Problem(f"the domain part {wanted} cannot be written in the ASCII (IDNA) form that mail uses") from None
    try:
        read_as = encoded.encode("ascii").decode("idna")
    except UnicodeError:
        raise _Problem(f"the domain part {wanted} does not survive the ASCII (IDNA) form that mail uses") from None
    if read_as != wanted:
        # Nameprep maps some characters to others (ß to ss, full-width letters to ASCII); the person must see
        # the domain mail will use, so the mapping is refused rather than applied silently.
        mail_form = "" if encoded == read_as else f" ({encoded})"
        raise _Problem(
            f"the domain part {wanted} would be read as {read_as}{mail_form}; write {read_as} if that is what you mean"
        )
    _check_ldh(encoded)
    for char in read_as:
        if _is_hidden(char):
            raise _Problem(f"the domain part {encoded} contains {_describe(char)}")
    return encoded, read_as


def _decode_punycode(ascii_label: str) -> str:
    try:
        decoded = ascii_label.encode("ascii").decode("idna")
    except UnicodeError:
        raise _Problem(f"the domain part {ascii_label} starts with xn-- but is not valid punycode") from None
    # The codec checks that the decoded form encodes back; checked again here because equal ASCII forms are what
    # makes the allowlist and the shown Unicode form describe the same domain.
    try:
        again = decoded.encode("idna").decode("ascii")
    except UnicodeError:
        again = ""
    if again != ascii_label or decoded.isascii():
        raise _Problem(f"the domain part {ascii_label} starts with xn-- but does not decode to a usable name")
    for char in decoded:
        if _is_hidden(char):
            raise _Problem(f"the domain part {ascii_label} decodes to a name containing {_describe(char)}")
    return decoded


def _check_ldh(ascii_label: str) -> None:
    for char in ascii_label:
        if char not in _LDH:
            raise _Problem(
                f"the domain part {ascii_label} contains {char!r}, and only letters, digits and hyphens are allowed"
            )
    if len(ascii_label) > _MAX_LABEL:
        raise _Problem(
            f"the domain part {ascii_label[:20]}… is {len(ascii_label)} characters long, and at most {_MAX_LABEL} "
            "are allowed"
        )
    if ascii_label.startswith("-"):
        raise _Problem(f"the domain part {ascii_label} starts with a hyphen")
    if ascii_label.endswith("-"):
        raise _Problem(f"the domain part {ascii_label} ends with a hyphen")


def _is_hidden(char: str) -> bool:
    if unicodedata.category(char) in _HIDDEN_CATEGORIES:
        return True
    code = ord(char)
    return is_blank(code)


def _describe(char: str) -> str:
    code = ord(char)
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(code, "")
    if not name:
        name = "(a control character)" if unicodedata.category(char) == "Cc" else "(an unnamed code point)"
    return f"U+{code:04X} {name}"


def _quote(text: str) -> str:
    """The refused text for an error message: ASCII-escaped so it cannot break lines or reorder the message."""
    shown = ascii(text[:80])
    return shown + "…" if len(text) > 80 else shown
