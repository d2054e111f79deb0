"""Hypothesis-generated bad arguments for every tool the server lists.

Each example takes a tool's valid arguments and breaks one of them (a wrong type, a malformed UUID or date, a
string past its limit, a negative or huge quantity, an unknown key in a line, a missing required field). The
answer must be an isError result that names the broken field, never the SDK's bare crash message, no
confirmation may be asked, and the sandbox must be exactly as it was.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.server import MCPServer
from mcp_types import CallToolResult
from starlette.applications import Starlette

from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.sandbox import create_app, seed
from ledgerbee_mcp.server import build_server
from tests.results import error_text, ok, text_of

from ._support import Person, assert_not_generic, call, draft, sandbox_http, sent, state_digest
from .conftest import FUZZ

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,63}")

# -- what is wrong with a value, per kind of field -----------------------------------------------------------

# Never valid where a string, a date or an id is expected (pydantic's lax mode does not coerce these). No NaN
# or infinity: JSON cannot carry them, and the client sends them as null, which an optional field accepts.
NOT_A_STRING = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
NOT_A_LIST = st.one_of(st.text(max_size=20), st.integers(), st.dictionaries(st.text(max_size=5), st.integers()))


def huge(limit: int) -> st.SearchStrategy[str]:
    """A string just over the limit, or far over it, of one character (from anywhere in Unicode)."""
    return st.builds(lambda ch, extra: ch * (limit + extra), st.characters(), st.integers(1, 20_000))


BAD_UUID = st.one_of(
    NOT_A_STRING,
    st.text(max_size=60).filter(lambda s: not UUID_RE.fullmatch(s.strip())),
    st.sampled_from(
        [
            "",
            "../customers",
            "5eed0001-0000-4000-8000-00000000000",  # one digit short
            "5eed0001-0000-4000-8000-0000000000011",  # one too many
            "5eed0001-0000-4000-8000-00000000000g",
            "5eed0001000040008000000000000001",  # no dashes
            "{5eed0001-0000-4000-8000-000000000001}",
            "\uff15eed0001-0000-4000-8000-000000000001",  # fullwidth digit
            "5eed0001-0000-4000-8000-000000000001; DROP TABLE documents",
        ]
    ),
)

BAD_DATE = st.one_of(
    # no int or float: pydantic reads a whole-day unix timestamp as a date
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
    st.sampled_from(
        [
            "",
            "2026-13-01",
            "2026-00-10",
            "2026-02-30",
            "2026-04-31",
            "2025-02-29",
            "31/12/2026",
            "12/31/2026",
            "2026/01/15",
            "20260115",
            "2026-1-5",
            "tomorrow",
            "next friday",
            "\uff12\uff10\uff12\uff16-01-15",  # fullwidth digits
            "0000-01-01",
            "99999-01-01",
            "2026-01-15T25:00:00",
            "2026-01-15x",
        ]
    ),
    # a string that cannot start a date, a datetime or a timestamp
    st.text(max_size=40).filter(lambda s: not s[:1].isdigit()),
)

BAD_QUANTITY = st.one_of(
    st.integers(max_value=0),
    st.decimals(max_value=0, allow_nan=False, allow_infinity=False, places=2).map(str),
    st.integers(min_value=1_000_001, max_value=10**30),
    st.floats(min_value=1_000_000.5, allow_infinity=False, allow_nan=False),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1.00001", "0.00000001", "abc", "", "1,5", "1e7", "--1"]),
    st.booleans(),
    st.lists(st.integers(), min_size=1, max_size=2),
)

BAD_MONEY = st.one_of(
    st.integers(min_value=1_000_000_001, max_value=10**30),
    st.integers(max_value=-1_000_000_001, min_value=-(10**30)),
    st.sampled_from(["NaN", "Infinity", "12.345", "0.001", "abc", "1.000,00", "DKK 100"]),
    st.booleans(),
    st.lists(st.integers(), min_size=1, max_size=2),
)


def bad_enum(*allowed: str) -> st.SearchStrategy[Any]:
    variants = [v.upper() for v in allowed] + [v.lower() for v in allowed] + [f" {v}" for v in allowed]
    # Not the string "null": the SDK reads JSON inside string arguments (some clients send them that way), so
    # "null" means null, a valid "no filter" for these optional enums.
    return st.one_of(
        NOT_A_STRING,
        st.sampled_from([v for v in variants if v not in allowed] + ["", "*"]),
        st.text(max_size=30).filter(lambda s: s not in allowed and s.strip() != "null"),
    )


BAD_BOOL = st.one_of(
    st.integers().filter(lambda n: n not in (0, 1)),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f not in (0.0, 1.0)),
    st.sampled_from(["maybe", "2", "-1", "yess", "truee", "", "null", "☑"]),
    st.lists(st.booleans(), min_size=1, max_size=2),
    st.dictionaries(st.text(max_size=3), st.booleans(), min_size=1, max_size=1),
)

BAD_EMAIL = st.one_of(
    NOT_A_STRING,
    st.text(max_size=60).filter(lambda s: not EMAIL_RE.fullmatch(s.strip())),
    st.sampled_from(
        [
            "attacker@evil",
            "a@@b.dk",
            "Mette <mette.larsen@fjordfoods.dk>",
            "a@b.dk, attacker@evil.example",
            "a@b.dk\nBcc: attacker@evil.example",
            "mette@fjordfoods.dk;attacker@evil.example",
            "x" * 250 + "@fjordfoods.dk",
        ]
    ),
)

CLEARABLE = ("valid_until", "customer_contact_id", "customer_department_id", "reference", "our_reference", "notes")


def _not_json_list_or_null(text: str) -> bool:
    # The SDK reads JSON inside string arguments: "null" or "[]" would arrive as a valid `clear`.
    try:
        parsed = json.loads(text)
    except ValueError:
        return True
    return not (parsed is None or isinstance(parsed, list))


BAD_CLEAR = st.one_of(
    st.integers(),
    st.booleans(),
    st.dictionaries(st.text(max_size=5), st.integers(), min_size=1, max_size=2),
    st.text(max_size=20).filter(_not_json_list_or_null),
    # a name that is not clearable (a typo, another casing, a field that has no empty state)
    st.lists(bad_enum(*CLEARABLE), min_size=1, max_size=3),
    st.lists(st.sampled_from(["customer_id", "lines", "date", "currency", "customerContactId"]), min_size=1),
)
# A field named twice in `clear` is not bad input: it is cleared once (test_repeated_clear_fields_clear_once).

OVERRIDE_CLEARABLE = ("customer_contact_id", "reference", "our_reference", "notes")
BAD_OVERRIDE_CLEAR = st.one_of(
    st.integers(),
    st.booleans(),
    st.text(max_size=20).filter(_not_json_list_or_null),
    st.lists(bad_enum(*OVERRIDE_CLEARABLE), min_size=1, max_size=3),
    # copied fields a convert cannot leave empty, or not copied at all
    st.lists(st.sampled_from(["lines", "date", "customer_department_id", "valid_until", "target"]), min_size=1),
)


def _not_json_object_or_null(text: str) -> bool:
    # The SDK reads JSON inside string arguments: "null" or "{}" would arrive as a valid mapping.
    try:
        parsed = json.loads(text)
    except ValueError:
        return True
    return not (parsed is None or isinstance(parsed, dict))


@st.composite
def bad_id_list(draw: st.DrawFn) -> tuple[Any, list[str]]:
    """A list of document ids for a batch that cannot be right: not a list, empty, too long, a bad id, twice."""
    some = f"5eed00{draw(st.integers(10, 99))}-0000-4000-8000-000000000001"
    shape = draw(st.sampled_from(["not_a_list", "empty", "too_many", "bad_item", "twice"]))
    match shape:
        case "not_a_list":
            return draw(NOT_A_LIST.filter(lambda v: not isinstance(v, str) or _not_json_list_or_null(v))), []
        case "empty":
            return [], []
        case "too_many":
            return [f"5eed0099-0000-4000-8000-{n:012d}" for n in range(draw(st.integers(26, 60)))], []
        case "bad_item":
            return [some, draw(BAD_UUID)], []
        case _:
            return [some, some.upper()], []


@st.composite
def bad_email_map(draw: st.DrawFn) -> tuple[Any, list[str]]:
    """recipient_emails that cannot be right: not a mapping, a key that is not an id, a value not an address."""
    some = "5eed0011-0000-4000-8000-000000000001"
    shape = draw(st.sampled_from(["not_a_map", "bad_key", "bad_value", "too_many"]))
    match shape:
        case "not_a_map":
            return draw(
                st.one_of(
                    st.integers(),
                    st.booleans(),
                    st.lists(st.text(max_size=5), min_size=1, max_size=2),
                    st.text(max_size=20).filter(_not_json_object_or_null),
                )
            ), []
        case "bad_key":
            key = draw(st.text(max_size=40).filter(lambda k: not UUID_RE.fullmatch(k.strip())))
            return {key: seed.CONTACT_METTE_EMAIL}, []
        case "bad_value":
            return {some: draw(BAD_EMAIL)}, []
        case _:
            return {f"5eed0099-0000-4000-8000-{n:012d}": seed.CONTACT_METTE_EMAIL for n in range(26, 60)}, []


BAD_CURRENCY = st.one_of(
    NOT_A_STRING,
    st.text(max_size=8).filter(lambda s: not re.fullmatch(r"[A-Za-z]{3}", s.strip())),
    st.sampled_from(["DK", "DKKK", "ÆØÅ", "D K", "12A", "€€€", ""]),
)


@st.composite
def bad_line(draw: st.DrawFn) -> tuple[Any, str]:
    """A bad line and the word that must appear in the error (the sub-field, or `lines` itself)."""
    base: dict[str, Any] = {"price_id": seed.PRICE_WORKSHOP_ID}
    what = draw(st.sampled_from(["quantity", "unit_price", "price_id", "description", "line_type", "extra", "shape"]))
    match what:
        case "quantity":
            return base | {"quantity": draw(BAD_QUANTITY)}, "quantity"
        case "unit_price":
            return base | {"unit_price": draw(BAD_MONEY)}, "unit_price"
        case "price_id":
            return {"price_id": draw(BAD_UUID)}, "price_id"
        case "description":
            return base | {"description": draw(st.one_of(NOT_A_STRING, huge(500)))}, "description"
        case "line_type":
            return base | {"line_type": draw(bad_enum("product", "subscription", "text"))}, "line_type"
        case "extra":
            key = draw(
                st.one_of(
                    st.sampled_from(["recipient_email", "customer_id", "vatRate", "unitPrice", "priceId", "total"]),
                    st.text(string.ascii_letters + "_", min_size=1, max_size=20),
                ).filter(lambda k: k not in ("price_id", "description", "line_type", "quantity", "unit_price"))
            )
            return base | {key: draw(st.one_of(st.text(max_size=10), st.integers()))}, key
        case _:
            return draw(st.one_of(st.text(max_size=10), st.integers(), st.none(), st.lists(st.integers()))), "lines"


@st.composite
def bad_lines(draw: st.DrawFn, *, required: bool) -> tuple[Any, list[str]]:
    shape = draw(st.sampled_from(["bad_item", "not_a_list", "empty", "too_many", "no_price_nor_text"]))
    good = {"price_id": seed.PRICE_WORKSHOP_ID}
    match shape:
        case "bad_item":
            line, word = draw(bad_line())
            index = draw(st.integers(0, 3))
            lines = [good] * index + [line] + [good] * draw(st.integers(0, 2))
            return lines, ["lines", word]
        case "not_a_list":
            return draw(NOT_A_LIST), ["lines"]
        case "empty":
            # For an update an empty list passes the schema; the tool itself must refuse it.
            return [], ["lines"]
        case "too_many":
            return [good] * draw(st.integers(201, 400)), ["lines"]
        case _:
            # Passes the schema; the tool must refuse a line that has neither a price nor a description and price.
            return [{"quantity": 2}], ["lines", "price_id"]


# -- the fields of each tool ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    bad: Callable[[], st.SearchStrategy[tuple[Any, list[str]]]]


def simple(strategy: st.SearchStrategy[Any]) -> Kind:
    return Kind(lambda: strategy.map(lambda v: (v, [])))


UUID = simple(BAD_UUID)
DATE = simple(BAD_DATE)
TEXT = simple(st.one_of(NOT_A_STRING, huge(2000)))
SEARCH = simple(st.one_of(NOT_A_STRING, huge(200)))
TOKEN = simple(st.one_of(NOT_A_STRING, huge(1000)))
EMAIL = simple(BAD_EMAIL)
CURRENCY = simple(BAD_CURRENCY)
BOOL = simple(BAD_BOOL)
PAGE = simple(
    st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=100_001),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
        st.sampled_from(["one", "", "1.5", "1e400"]),
    )
)
LIMIT = simple(st.one_of(st.integers(max_value=0), st.integers(min_value=101), st.sampled_from(["ten", "", 2.5])))
CLEAR = simple(BAD_CLEAR)
LINES_REQUIRED = Kind(lambda: bad_lines(required=True))
LINES_OPTIONAL = Kind(lambda: bad_lines(required=False))
OVERRIDE_CLEAR = simple(BAD_OVERRIDE_CLEAR)
IDS = Kind(bad_id_list)
EMAILS_BY_ID = Kind(bad_email_map)


def enum(*allowed: str) -> Kind:
    return simple(bad_enum(*allowed))


@dataclass(frozen=True)
class Fixture:
    """Ids of documents the valid arguments point at."""

    quote: str
    sent_quote: str
    order_confirmation: str
    sent_order_confirmation: str
    invoice: str


@dataclass(frozen=True)
class ToolInputs:
    valid: Callable[[Fixture], dict[str, Any]]
    fields: dict[str, Kind]
    required: tuple[str, ...] = ()


QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected", "expired", "converted")
OC_STATUSES = ("draft", "sent", "converted")
INVOICE_STATUSES = ("draft", "sent")
NEW_LINES = [{"price_id": seed.PRICE_WORKSHOP_ID}]
# The fixture's drafts are made directly in the sandbox, so this server never wrote them: a valid update states
# the lines and the contact and department (here: none), which LedgerBee's answers do not show.
FULL_UPDATE: dict[str, Any] = {"lines": NEW_LINES, "clear": ["customer_contact_id", "customer_department_id"]}
_UPDATE_FIELDS = {"customer_department_id": UUID, "clear": CLEAR}

# The filters every list has beyond LedgerBee's own (applied by this server over a bounded scan).
_LIST_FILTERS = {
    "customer_id": UUID,
    "customer": SEARCH,
    "number": simple(st.one_of(NOT_A_STRING, huge(40))),
    "date_from": DATE,
    "date_to": DATE,
    "sort_order": enum("ASC", "DESC"),
    "page": PAGE,
    "limit": LIMIT,
}

# What a convert may set on the produced document instead of copying it.
_OVERRIDE_FIELDS = {
    "lines": LINES_OPTIONAL,
    "date": DATE,
    "reference": TEXT,
    "our_reference": TEXT,
    "notes": TEXT,
    "customer_contact_id": UUID,
    "clear": OVERRIDE_CLEAR,
}


SEND_DOCUMENTS = ToolInputs(
    lambda f: {
        "document_type": "quote",
        "document_ids": [f.quote],
        "delivery_type": "Email",
        "recipient_emails": {f.quote: seed.CONTACT_METTE_EMAIL},
    },
    {
        "document_type": enum("quote", "order_confirmation", "invoice"),
        "document_ids": IDS,
        "delivery_type": enum("Manual", "Email"),
        "recipient_emails": EMAILS_BY_ID,
        "confirmation_token": TOKEN,
    },
    ("document_type", "document_ids", "delivery_type"),
)


_DOCUMENT_FIELDS = {
    "date": DATE,
    "currency": CURRENCY,
    "customer_contact_id": UUID,
    "reference": TEXT,
    "our_reference": TEXT,
    "notes": TEXT,
}

INPUTS: dict[str, ToolInputs] = {
    "list_quotes": ToolInputs(
        lambda f: {},
        {
            "status": enum(*QUOTE_STATUSES),
            "sort_by": enum("date", "documentNumber", "amount", "status", "validUntil"),
            "valid_until_before": DATE,
            "valid_until_after": DATE,
            **_LIST_FILTERS,
        },
    ),
    "get_quote": ToolInputs(lambda f: {"quote_id": f.quote}, {"quote_id": UUID}, ("quote_id",)),
    "create_quote": ToolInputs(
        lambda f: {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": NEW_LINES},
        {"customer_id": UUID, "lines": LINES_REQUIRED, "valid_until": DATE, **_DOCUMENT_FIELDS},
        ("customer_id", "lines"),
    ),
    "update_quote": ToolInputs(
        lambda f: {"quote_id": f.quote} | FULL_UPDATE,
        {"quote_id": UUID, "lines": LINES_OPTIONAL, "valid_until": DATE, **_DOCUMENT_FIELDS, **_UPDATE_FIELDS},
        ("quote_id",),
    ),
    "send_quote": ToolInputs(
        lambda f: {"quote_id": f.quote, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL},
        {
            "quote_id": UUID,
            "delivery_type": enum("Manual", "Email"),
            "recipient_email": EMAIL,
            "confirmation_token": TOKEN,
        },
        ("quote_id", "delivery_type"),
    ),
    "convert_quote": ToolInputs(
        lambda f: {"quote_id": f.sent_quote, "target": "invoice"},
        {
            "quote_id": UUID,
            "target": enum("orderConfirmation", "invoice"),
            "confirmation_token": TOKEN,
            **_OVERRIDE_FIELDS,
        },
        ("quote_id", "target"),
    ),
    "list_order_confirmations": ToolInputs(
        lambda f: {},
        {
            "status": enum(*OC_STATUSES),
            "sort_by": enum("date", "documentNumber", "amount", "status"),
            **_LIST_FILTERS,
        },
    ),
    "get_order_confirmation": ToolInputs(
        lambda f: {"order_confirmation_id": f.order_confirmation},
        {"order_confirmation_id": UUID},
        ("order_confirmation_id",),
    ),
    "create_order_confirmation": ToolInputs(
        lambda f: {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": NEW_LINES},
        {"customer_id": UUID, "lines": LINES_REQUIRED, **_DOCUMENT_FIELDS},
        ("customer_id", "lines"),
    ),
    "update_order_confirmation": ToolInputs(
        lambda f: {"order_confirmation_id": f.order_confirmation} | FULL_UPDATE,
        {"order_confirmation_id": UUID, "lines": LINES_OPTIONAL, **_DOCUMENT_FIELDS, **_UPDATE_FIELDS},
        ("order_confirmation_id",),
    ),
    "send_order_confirmation": ToolInputs(
        lambda f: {
            "order_confirmation_id": f.order_confirmation,
            "delivery_type": "Email",
            "recipient_email": seed.CONTACT_METTE_EMAIL,
        },
        {
            "order_confirmation_id": UUID,
            "delivery_type": enum("Manual", "Email"),
            "recipient_email": EMAIL,
            "confirmation_token": TOKEN,
        },
        ("order_confirmation_id", "delivery_type"),
    ),
    "convert_order_confirmation": ToolInputs(
        lambda f: {"order_confirmation_id": f.sent_order_confirmation},
        {"order_confirmation_id": UUID, "target": enum("invoice"), "confirmation_token": TOKEN, **_OVERRIDE_FIELDS},
        ("order_confirmation_id",),
    ),
    "send_documents": SEND_DOCUMENTS,
    "list_activity": ToolInputs(
        lambda f: {},
        {
            "date_from": DATE,
            "date_to": DATE,
            "action": enum("send", "convert", "all"),
            "document_type": enum("quote", "order_confirmation", "invoice", "all"),
            "customer_id": UUID,
            "include_refused": BOOL,
            "limit": LIMIT,
        },
    ),
    "list_customers": ToolInputs(
        lambda f: {}, {"search": SEARCH, "include_contacts": BOOL, "page": PAGE, "limit": LIMIT}
    ),
    "list_products": ToolInputs(lambda f: {}, {"search": SEARCH, "page": PAGE, "limit": LIMIT}),
    "list_invoices": ToolInputs(
        lambda f: {},
        {
            "status": enum(*INVOICE_STATUSES),
            "sort_by": enum("date", "documentNumber", "amount", "status"),
            **_LIST_FILTERS,
        },
    ),
    "get_invoice": ToolInputs(lambda f: {"invoice_id": f.invoice}, {"invoice_id": UUID}, ("invoice_id",)),
    "send_invoice": ToolInputs(
        lambda f: {"invoice_id": f.invoice, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL},
        {
            "invoice_id": UUID,
            "delivery_type": enum("Manual", "Email"),
            "recipient_email": EMAIL,
            "confirmation_token": TOKEN,
        },
        ("invoice_id", "delivery_type"),
    ),
    "get_document_pdf": ToolInputs(
        lambda f: {"document_type": "quote", "document_id": f.quote},
        {"document_type": enum("quote", "order_confirmation", "invoice"), "document_id": UUID, "draft": BOOL},
        ("document_type", "document_id"),
    ),
}


@st.composite
def broken(draw: st.DrawFn, tool: str, fixture: Fixture) -> tuple[dict[str, Any], list[str]]:
    """The tool's valid arguments with one field broken or missing, and the words the error must contain."""
    spec = INPUTS[tool]
    args = spec.valid(fixture)
    options = [("bad", name) for name in spec.fields] + [("missing", name) for name in spec.required]
    how, name = draw(st.sampled_from(options))
    if how == "missing":
        args.pop(name, None)
        return args, [name]
    value, words = draw(spec.fields[name].bad())
    return args | {name: value}, [name, *words]


# -- running it ----------------------------------------------------------------------------------------------


async def _listed_tools() -> list[str]:
    server = build_server(Settings(sandbox=True), transport=httpx.ASGITransport(app=create_app(":memory:")))
    async with Client(server) as c:
        return [t.name for t in (await c.list_tools()).tools]


# Listed from the running server, so a tool added later is fuzzed (and fails until it has inputs above).
TOOLS = anyio.run(_listed_tools)


async def make_fixture(app: Starlette) -> Fixture:
    async with sandbox_http(app) as sandbox:
        sent_quote = await sent(sandbox)
        to_invoice = await sent(sandbox)
        converted = await sandbox.post(f"/v1/quotes/{to_invoice}/convert", json={"target": "invoice"})
        return Fixture(
            quote=await draft(sandbox),
            sent_quote=sent_quote,
            order_confirmation=await draft(sandbox, "order-confirmations"),
            sent_order_confirmation=await sent(sandbox, "order-confirmations"),
            invoice=converted.json()["targetId"],
        )


@dataclass
class Harness:
    """One server, client and sandbox per test function, shared by all of its examples. They live on an event
    loop in a portal thread, so the hypothesis test itself is synchronous and every example reuses them."""

    portal: BlockingPortal
    client: Client
    app: Starlette
    fixture: Fixture
    person: Person

    def call(self, tool: str, args: dict[str, Any]) -> CallToolResult:
        return self.portal.call(call, self.client, tool, args)


@pytest.fixture
def harness(make_server: Callable[..., MCPServer], sandbox_app: Starlette) -> Iterator[Harness]:
    # The person would decline, but must never be asked: bad input is refused before any preview.
    person = Person("decline")
    with start_blocking_portal("asyncio") as portal:
        fixture = portal.call(make_fixture, sandbox_app)
        with portal.wrap_async_context_manager(Client(make_server(), elicitation_callback=person)) as c:
            yield Harness(portal, c, sandbox_app, fixture, person)


def test_every_listed_tool_and_argument_has_a_strategy(harness: Harness) -> None:
    tools = harness.portal.call(harness.client.list_tools).tools
    assert {t.name for t in tools} == set(INPUTS), "a tool has no input strategy (or a strategy no tool)"
    for tool in tools:
        declared = set(tool.input_schema.get("properties", {}))
        assert declared == set(INPUTS[tool.name].fields), f"{tool.name}: arguments without a strategy"
        assert set(tool.input_schema.get("required", [])) == set(INPUTS[tool.name].required), tool.name


def test_the_valid_arguments_are_valid(harness: Harness) -> None:
    """The baseline each example breaks must itself be accepted, else the fuzzing proves nothing."""
    for tool, spec in INPUTS.items():
        result = harness.call(tool, spec.valid(harness.fixture))
        assert not result.is_error, (tool, text_of(result))


@pytest.mark.parametrize("tool", TOOLS)
@settings(FUZZ)
@given(data=st.data())
def test_bad_arguments_are_refused_by_name_and_change_nothing(harness: Harness, tool: str, data: st.DataObject) -> None:
    if tool not in INPUTS:
        pytest.fail(f"tool {tool} has no input strategy in INPUTS")
    args, words = data.draw(broken(tool, harness.fixture), label="arguments")
    before = state_digest(harness.app)
    asked = len(harness.person.messages)
    text = error_text(harness.call(tool, args))
    assert_not_generic(tool, text)
    for word in words:
        assert word in text, f"the error does not name {word!r}: {text[:400]}"
    assert len(harness.person.messages) == asked, "a confirmation was asked for bad input"
    assert state_digest(harness.app) == before


# -- unknown arguments ---------------------------------------------------------------------------------------

TYPOS = [
    ("create_quote", "note", "notes"),
    ("update_quote", "valid_untill", "valid_until"),
    ("send_quote", "recipient", "recipient_email"),
    ("send_order_confirmation", "recipientEmail", "recipient_email"),
    ("send_invoice", "deliveryType", "delivery_type"),
    ("convert_quote", "targetType", "target"),
    ("list_quotes", "customerId", "customer_id"),
    ("list_quotes", "validUntilBefore", "valid_until_before"),
    ("list_invoices", "customer_name", "customer"),
    ("send_documents", "quote_ids", "document_ids"),
    ("send_documents", "order_confirmation_ids", "document_ids"),
    ("get_document_pdf", "invoice_id", "document_id"),
]


@pytest.mark.parametrize(("tool", "typo", "meant"), TYPOS, ids=[t[1] for t in TYPOS])
def test_a_misspelt_argument_is_refused_by_name(harness: Harness, tool: str, typo: str, meant: str) -> None:
    args = INPUTS[tool].valid(harness.fixture) | {typo: "mette.larsen@fjordfoods.dk"}
    before = state_digest(harness.app)
    result = harness.call(tool, args)
    assert state_digest(harness.app) == before, f"{tool} acted on a call with an unknown argument {typo!r}"
    text = error_text(result)
    assert typo in text
    assert f"did you mean {meant}?" in text


def test_lines_with_every_bad_quantity_in_one_call_name_each_line(harness: Harness) -> None:
    """Several broken lines at once: each is named, so the agent can fix them all in one go."""
    lines = [
        {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": -1},
        {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 0},
        {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 10**12},
        {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": "1.00001"},
    ]
    before = state_digest(harness.app)
    text = error_text(harness.call("create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": lines}))
    for index in range(len(lines)):
        assert re.search(rf"lines[.\[]{index}\]?[.]quantity", text), (index, text)
    assert state_digest(harness.app) == before
    ok(harness.call("list_quotes", {}))


@pytest.mark.parametrize("tool", ["update_quote", "update_order_confirmation"])
def test_an_update_that_would_guess_or_contradict_itself_is_refused_and_changes_nothing(
    harness: Harness, tool: str
) -> None:
    """A draft this server never wrote: an update that leaves out what LedgerBee does not show (lines, contact,
    department) is refused, naming each; so is a field both given and listed in `clear`."""
    valid = INPUTS[tool].valid(harness.fixture)
    doc = {k: v for k, v in valid.items() if k in ("quote_id", "order_confirmation_id")}
    before = state_digest(harness.app)
    text = error_text(harness.call(tool, doc | {"notes": "only the notes"}))
    assert_not_generic(tool, text)
    assert "Nothing was changed." in text
    for missing in ("lines:", "customer_contact_id:", "customer_department_id:"):
        assert missing in text, (missing, text)
    both = valid | {"notes": "x", "clear": ["notes", "customer_contact_id", "customer_department_id"]}
    text = error_text(harness.call(tool, both))
    assert "notes" in text
    assert "clear" in text
    assert "Nothing was changed." in text
    assert state_digest(harness.app) == before
    assert harness.person.messages == []
