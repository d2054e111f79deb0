"""Settings.from_env: every bad value is refused at start-up with a message naming the variable."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from ledgerbee_mcp.config import DEFAULT_BASE_URL, TOOLSETS, ConfigError, ConfirmMode, Secret, Settings, sandbox_db
from ledgerbee_mcp.paths import make_parent_dir

KEY = {"LEDGERBEE_API_KEY": "lb_live_abcdef123456"}


def test_missing_credential_says_what_to_set() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({})
    message = str(caught.value)
    assert "LEDGERBEE_API_KEY" in message
    assert "LEDGERBEE_ACCESS_TOKEN" in message
    assert "--sandbox" in message


def test_blank_credential_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match="no LedgerBee credential"):
        Settings.from_env({"LEDGERBEE_API_KEY": "   ", "LEDGERBEE_ACCESS_TOKEN": ""})


def test_both_credentials_are_refused() -> None:
    with pytest.raises(ConfigError, match="not both") as caught:
        Settings.from_env({"LEDGERBEE_API_KEY": "lb_live_abc", "LEDGERBEE_ACCESS_TOKEN": "oauth_xyz"})
    assert "lb_live_abc" not in str(caught.value)
    assert "oauth_xyz" not in str(caught.value)


def test_sandbox_needs_no_credential() -> None:
    settings = Settings.from_env({}, sandbox=True)
    assert settings.sandbox is True
    assert settings.api_key is None
    assert settings.access_token is None


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings.from_env(KEY | {"LEDGERBEE_STATE_DIR": str(tmp_path / "state")})
    assert settings.api_key == Secret("lb_live_abcdef123456")
    assert settings.access_token is None
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.confirm is ConfirmMode.AUTO
    assert settings.read_only is False
    assert settings.allow_email is True
    assert settings.recipient_domains == ()
    # every send and convert is recorded unless someone turns it off: the audit log sits in the state directory
    assert settings.audit_log == tmp_path / "state" / "audit.jsonl"
    assert settings.toolsets == frozenset(TOOLSETS)
    assert settings.confirm_secret is None
    assert settings.token_ttl_seconds == 600
    assert settings.timeout_seconds == 30
    assert not (tmp_path / "state").exists()  # reading the settings creates nothing


def test_settings_made_directly_keep_no_audit_log() -> None:
    assert Settings().audit_log is None
    assert Settings().toolsets == frozenset(TOOLSETS)


@pytest.mark.parametrize("raw", ["off", "OFF", " Off "])
def test_the_audit_log_can_be_turned_off(raw: str) -> None:
    assert Settings.from_env(KEY | {"LEDGERBEE_AUDIT_LOG": raw}).audit_log is None


def test_the_audit_log_path_expands_the_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Settings.from_env(KEY | {"LEDGERBEE_AUDIT_LOG": "~/audit.jsonl"}).audit_log == tmp_path / "audit.jsonl"


@pytest.mark.parametrize(
    ("raw", "chosen"),
    [
        ("", set(TOOLSETS)),
        ("all", set(TOOLSETS)),
        ("quotes", {"quotes"}),
        (" Quotes , lookups,,", {"quotes", "lookups"}),
        ("invoices,order_confirmations", {"invoices", "order_confirmations"}),
    ],
)
def test_toolsets(raw: str, chosen: set[str]) -> None:
    assert Settings.from_env(KEY | {"LEDGERBEE_TOOLSETS": raw}).toolsets == chosen


def test_an_unknown_toolset_is_named_with_the_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(KEY | {"LEDGERBEE_TOOLSETS": "quotes,invoice"})
    message = str(caught.value)
    assert "LEDGERBEE_TOOLSETS" in message
    assert "invoice" in message
    for name in TOOLSETS:
        assert name in message


def test_credential_is_stripped() -> None:
    assert Settings.from_env({"LEDGERBEE_ACCESS_TOKEN": "  tok  "}).access_token == Secret("tok")


def test_every_value_is_read() -> None:
    settings = Settings.from_env(
        KEY
        | {
            "LEDGERBEE_BASE_URL": "http://localhost:8080/api",
            "LEDGERBEE_CONFIRM": " Token ",
            "LEDGERBEE_READ_ONLY": "YES",
            "LEDGERBEE_ALLOW_EMAIL": "off",
            "LEDGERBEE_RECIPIENT_DOMAINS": " fjordfoods.dk, @Example.COM ,,",
            "LEDGERBEE_AUDIT_LOG": "/var/log/ledgerbee/audit.jsonl",
            "LEDGERBEE_CONFIRM_SECRET": "c" * 32,
            "LEDGERBEE_CONFIRM_TTL": "30",
            "LEDGERBEE_TIMEOUT": "2.5",
            "LEDGERBEE_PDF_INLINE_MAX_BYTES": "0",
            "LEDGERBEE_SANDBOX_DB": "/srv/ledgerbee/sb.sqlite3",
            "LEDGERBEE_TOOLSETS": "quotes,lookups",
        }
    )
    assert settings.base_url == "http://localhost:8080/api"
    assert settings.confirm is ConfirmMode.TOKEN
    assert settings.read_only is True
    assert settings.allow_email is False
    assert settings.recipient_domains == ("fjordfoods.dk", "example.com")
    assert settings.audit_log == Path("/var/log/ledgerbee/audit.jsonl")
    assert settings.confirm_secret == Secret("c" * 32)
    assert settings.token_ttl_seconds == 30
    assert settings.timeout_seconds == 2.5
    assert settings.pdf_inline_max_bytes == 0
    assert settings.sandbox_db == "/srv/ledgerbee/sb.sqlite3"
    assert settings.toolsets == {"quotes", "lookups"}


@pytest.mark.parametrize(("raw", "mode"), [("", ConfirmMode.AUTO), ("ELICIT", ConfirmMode.ELICIT), ("auto", "auto")])
def test_confirm_modes(raw: str, mode: str) -> None:
    assert Settings.from_env(KEY | {"LEDGERBEE_CONFIRM": raw}).confirm == mode


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEDGERBEE_CONFIRM", "maybe"),
        ("LEDGERBEE_CONFIRM", "never"),
        ("LEDGERBEE_READ_ONLY", "perhaps"),
        ("LEDGERBEE_READ_ONLY", "2"),
        ("LEDGERBEE_ALLOW_EMAIL", "nope"),
        ("LEDGERBEE_RECIPIENT_DOMAINS", "fjordfoods.dk,not a domain"),
        ("LEDGERBEE_RECIPIENT_DOMAINS", "localhost"),
        ("LEDGERBEE_RECIPIENT_DOMAINS", "*.example.com"),
        ("LEDGERBEE_RECIPIENT_DOMAINS", "user@example.com"),
        ("LEDGERBEE_CONFIRM_TTL", "ten minutes"),
        ("LEDGERBEE_CONFIRM_TTL", "10"),
        ("LEDGERBEE_CONFIRM_TTL", "3601"),
        ("LEDGERBEE_CONFIRM_TTL", "nan"),
        ("LEDGERBEE_CONFIRM_TTL", "inf"),
        ("LEDGERBEE_TIMEOUT", "0"),
        ("LEDGERBEE_TIMEOUT", "fast"),
        ("LEDGERBEE_PDF_INLINE_MAX_BYTES", "-1"),
        ("LEDGERBEE_PDF_INLINE_MAX_BYTES", "1MB"),
        ("LEDGERBEE_BASE_URL", "ftp://api.ledgerbee.com"),
        ("LEDGERBEE_BASE_URL", "api.ledgerbee.com"),
        ("LEDGERBEE_CONFIRM_SECRET", "too-short"),
        ("LEDGERBEE_TOOLSETS", "quote"),
        ("LEDGERBEE_TOOLSETS", "quotes,everything"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(KEY | {name: value})


def test_short_confirm_secret_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(KEY | {"LEDGERBEE_CONFIRM_SECRET": "hunter2hunter2"})
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("true", True), ("On", True), ("0", False), ("no", False)])
def test_flags(raw: str, value: bool) -> None:
    assert Settings.from_env(KEY | {"LEDGERBEE_READ_ONLY": raw}).read_only is value


def test_secret_hides_its_value() -> None:
    secret = Secret("lb_live_supersecret")
    assert "supersecret" not in repr(secret)
    assert "supersecret" not in str(secret)
    assert "supersecret" not in f"{secret}"
    assert secret.reveal() == "lb_live_supersecret"
    assert secret == Secret("lb_live_supersecret")
    assert secret != Secret("other")
    assert secret != "lb_live_supersecret"


def test_settings_repr_hides_credentials() -> None:
    settings = Settings.from_env(
        {"LEDGERBEE_API_KEY": "lb_live_supersecret", "LEDGERBEE_CONFIRM_SECRET": "confirm-secret-" + "x" * 20}
    )
    text = repr(settings)
    assert "supersecret" not in text
    assert "confirm-secret" not in text


def test_sandbox_db_defaults_to_the_state_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = {"LEDGERBEE_STATE_DIR": str(tmp_path / "state")}
    expected = str(tmp_path / "state" / "sandbox.sqlite3")
    # from_env reads the mapping it is given, the state directory included
    assert sandbox_db(state) == expected
    assert Settings.from_env(state, sandbox=True).sandbox_db == expected
    # Settings() itself reads the process environment
    monkeypatch.setenv("LEDGERBEE_STATE_DIR", str(tmp_path / "state"))
    assert Settings().sandbox_db == expected


def test_sandbox_db_expands_the_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert sandbox_db({"LEDGERBEE_SANDBOX_DB": " ~/sb.sqlite3 "}) == str(tmp_path / "sb.sqlite3")
    assert sandbox_db({"LEDGERBEE_SANDBOX_DB": ":memory:"}) == ":memory:"


def test_make_parent_dir_creates_every_missing_folder(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "sandbox.sqlite3"
    make_parent_dir(str(db))
    make_parent_dir(str(db))  # a second run finds it there
    assert db.parent.is_dir()
    assert not db.exists()  # SQLite creates the file itself


def test_make_parent_dir_leaves_memory_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_parent_dir(":memory:")
    assert list(tmp_path.iterdir()) == []


# -- the secrets every replica must share (read from configuration, never from Redis) -----------------------------

NEW_KEY = bytes(range(32))
OLD_KEY = bytes(range(100, 140))


def test_no_shared_secret_configured() -> None:
    settings = Settings.from_env(KEY)
    assert (settings.confirm_secret, settings.request_state_keys) == (None, ())


def test_request_state_keys_newest_first_in_hex_and_base64() -> None:
    env = {
        "LEDGERBEE_CONFIRM_SECRET": "c" * 40,
        "LEDGERBEE_REQUEST_STATE_KEYS": f" {NEW_KEY.hex()} , {base64.urlsafe_b64encode(OLD_KEY).decode().rstrip('=')},"
        f"base64:{base64.b64encode(b'x' * 32).decode()}, hex:{(b'y' * 32).hex()}",
    }
    settings = Settings.from_env(KEY | env)
    assert settings.confirm_secret is not None
    assert settings.confirm_secret.reveal().encode() == b"c" * 40
    assert settings.request_state_keys == (NEW_KEY, OLD_KEY, b"x" * 32, b"y" * 32)
    assert settings.request_state_keys[0] == NEW_KEY  # the newest seals


def test_the_repr_shows_no_shared_secret() -> None:
    env = {"LEDGERBEE_CONFIRM_SECRET": "c" * 40, "LEDGERBEE_REQUEST_STATE_KEYS": NEW_KEY.hex()}
    settings = Settings.from_env(KEY | env)
    assert "ccc" not in repr(settings)
    assert NEW_KEY.hex() not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LEDGERBEE_CONFIRM_SECRET": "short"}, "at least 32 characters"),
        ({"LEDGERBEE_REQUEST_STATE_KEYS": "not base64 at all!"}, "key 1 is neither hex nor base64"),
        ({"LEDGERBEE_REQUEST_STATE_KEYS": f"{NEW_KEY.hex()},{(b'z' * 8).hex()}"}, "key 2 is 8 bytes"),
        ({"LEDGERBEE_REQUEST_STATE_KEYS": f"{NEW_KEY.hex()},hex:{NEW_KEY.hex()}"}, "key 2 repeats"),
    ],
)
def test_malformed_shared_secrets_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(KEY | env)

