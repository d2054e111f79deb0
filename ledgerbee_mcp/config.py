"""Settings read from the environment, checked once at start-up."""

from __future__ import annotations

import base64
import binascii
import enum
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ledgerbee_mcp.guardrails.addresses import AddressError, normalise_domain
from ledgerbee_mcp.paths import default_sandbox_db, state_dir

__all__ = [
    "DEFAULT_BASE_URL",
    "TOOLSETS",
    "ConfigError",
    "ConfirmMode",
    "Secret",
    "Settings",
    "decode_state_keys",
    "sandbox_db",
    "toolsets",
]

DEFAULT_BASE_URL = "https://api.ledgerbee.com/api"
SANDBOX_API_KEY = "lb_sandbox_full"  # the sandbox's published demo key, not a secret


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class ConfirmMode(enum.StrEnum):
    AUTO = "auto"
    """Ask the person: by elicitation when the client can, else on the approval page where a browser can be
    opened, else require a confirmation token."""
    ELICIT = "elicit"
    """Always ask the person; refuse on clients that cannot ask (fail closed)."""
    PAGE = "page"
    """Always ask the person on the approval page in their browser; refuse where no browser can be opened."""
    TOKEN = "token"  # noqa: S105 -- a mode name, not a password
    """Never elicit: preview first, act on a second call carrying the confirmation token."""


class Secret:
    """A credential that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {raw!r}")
    return value


def _domains(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("LEDGERBEE_RECIPIENT_DOMAINS", "")
    domains: list[str] = []
    for part in raw.split(","):
        entry = part.strip().lstrip("@")
        if not entry:
            continue
        try:
            domains.append(normalise_domain(entry))
        except AddressError as error:
            raise ConfigError(f"LEDGERBEE_RECIPIENT_DOMAINS has an invalid domain: {error}") from None
    return tuple(domains)


TOOLSETS = ("quotes", "order_confirmations", "invoices", "lookups")


def toolsets(raw: str, *, source: str = "LEDGERBEE_TOOLSETS") -> frozenset[str]:
    """`LEDGERBEE_TOOLSETS` / `--toolsets`: comma-separated names, or all of them when empty."""
    names = {part.strip().lower() for part in raw.split(",") if part.strip()}
    if not names or names == {"all"}:
        return frozenset(TOOLSETS)
    unknown = sorted(names - set(TOOLSETS))
    if unknown:
        raise ConfigError(
            f"{source} has unknown toolsets {', '.join(unknown)}; choose from {', '.join(TOOLSETS)} "
            "(e.g. quotes,lookups)"
        )
    return frozenset(names)


def sandbox_db(env: Mapping[str, str]) -> str:
    """`LEDGERBEE_SANDBOX_DB`, else the default file in the state directory."""
    raw = env.get("LEDGERBEE_SANDBOX_DB", "").strip()
    # SQLite does not expand "~", a shell does not either inside a client's JSON config.
    return str(Path(raw).expanduser()) if raw else str(default_sandbox_db(env))


MIN_STATE_KEY_BYTES = 32
_HEX = re.compile(r"[0-9a-fA-F]+")


def _decode_state_key(text: str, position: int) -> bytes:
    where = f"LEDGERBEE_REQUEST_STATE_KEYS key {position}"
    kind, _, body = text.partition(":") if text.startswith(("hex:", "base64:")) else ("", "", text)
    try:
        if kind == "hex" or (not kind and len(body) % 2 == 0 and _HEX.fullmatch(body)):
            key = bytes.fromhex(body)
        else:
            standard = body.replace("-", "+").replace("_", "/")
            key = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(f"{where} is neither hex nor base64") from None
    if len(key) < MIN_STATE_KEY_BYTES:
        raise ConfigError(f"{where} is {len(key)} bytes; keys must be at least {MIN_STATE_KEY_BYTES} bytes")
    return key


def decode_state_keys(raw: str) -> tuple[bytes, ...]:
    """`LEDGERBEE_REQUEST_STATE_KEYS`: comma-separated keys, newest first, each of at least 32 bytes in hex or
    base64 (standard or URL-safe, padding optional), or marked `hex:` / `base64:`. Errors name the key's position,
    never its value."""
    keys: list[bytes] = []
    for position, part in enumerate(raw.split(","), start=1):
        text = part.strip()
        if not text:
            continue
        key = _decode_state_key(text, position)
        if key in keys:
            raise ConfigError(f"LEDGERBEE_REQUEST_STATE_KEYS key {position} repeats an earlier key")
        keys.append(key)
    return tuple(keys)


def _redis_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("LEDGERBEE_REDIS_URL", "").strip()
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("LEDGERBEE_REDIS_URL must be a redis://, rediss:// or unix:// URL")
    return raw


def _words(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told, with the defaults a new user gets."""

    base_url: str = DEFAULT_BASE_URL
    api_key: Secret | None = None
    access_token: Secret | None = None
    sandbox: bool = False
    """Serve against an embedded, in-process sandbox instead of the real API."""
    sandbox_db: str = field(default_factory=lambda: str(default_sandbox_db()))
    confirm: ConfirmMode = ConfirmMode.AUTO
    read_only: bool = False
    toolsets: frozenset[str] = frozenset(TOOLSETS)
    """Which groups of tools are offered: quotes, order_confirmations, invoices, lookups."""
    allow_email: bool = True
    recipient_domains: tuple[str, ...] = ()
    audit_log: Path | None = None
    draft_memory: Path | None = None
    """SQLite file of what this server last wrote to each draft (`server/written.py`); None: memory only."""
    confirm_secret: Secret | None = None
    """HMAC key for confirmation tokens; random per process when unset."""
    token_ttl_seconds: float = 600.0
    approval_timeout_seconds: float = 300.0
    """Seconds the approval page waits for the person's answer; no answer is no consent."""
    timeout_seconds: float = 30.0
    pdf_inline_max_bytes: int = 1_000_000
    """PDFs up to this size are embedded in a tool result; larger ones are linked as resources."""
    http: bool = False
    """Served over streamable HTTP (a remote server) rather than stdio."""
    redis_url: str | None = None
    """The Redis every replica shares (locks, audit stream); None: one process keeps its state in memory."""
    lock_ttl_seconds: float = 30.0
    """How long a document's Redis lock outlives its holder's last renewal (a crashed replica's lock expires)."""
    lock_wait_seconds: float = 60.0
    """How long a call waits for another call's lock on the same document before it is refused."""
    request_state_keys: tuple[bytes, ...] = field(default=(), repr=False)
    """Keys sealing the SDK's request state, newest first; empty: a random key per process."""
    allowed_hosts: tuple[str, ...] = ()
    """Host header values the HTTP transport accepts (besides loopback); empty: derived from the auth audience."""
    allowed_origins: tuple[str, ...] = ()
    """Origin header values the HTTP transport accepts (besides loopback); empty: the auth audience's origin."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, sandbox: bool = False, http: bool = False) -> Settings:
        """`http`: serving over streamable HTTP, where consent defaults to elicitation (a remote caller is an
        agent) and the approval page, which opens a browser on this machine, is refused."""
        env = os.environ if env is None else env
        api_key = env.get("LEDGERBEE_API_KEY", "").strip()
        access_token = env.get("LEDGERBEE_ACCESS_TOKEN", "").strip()
        if api_key and access_token:
            raise ConfigError("set LEDGERBEE_API_KEY or LEDGERBEE_ACCESS_TOKEN, not both")
        if not sandbox and not (api_key or access_token):
            raise ConfigError(
                "no LedgerBee credential: set LEDGERBEE_API_KEY (or LEDGERBEE_ACCESS_TOKEN for OAuth), "
                "or start with --sandbox to try it against the local sandbox"
            )
        default_confirm = "elicit" if http else "auto"
        confirm_raw = env.get("LEDGERBEE_CONFIRM", default_confirm).strip().lower() or default_confirm
        try:
            confirm = ConfirmMode(confirm_raw)
        except ValueError:
            raise ConfigError(f"LEDGERBEE_CONFIRM must be auto, elicit, page or token, got {confirm_raw!r}") from None
        if http and confirm is ConfirmMode.PAGE:
            raise ConfigError(
                "LEDGERBEE_CONFIRM=page opens a browser on the server's machine, for local use only; over HTTP use "
                "elicit (the default) or token"
            )
        base_url = env.get("LEDGERBEE_BASE_URL", "").strip() or DEFAULT_BASE_URL
        if not base_url.startswith(("https://", "http://")):
            raise ConfigError(f"LEDGERBEE_BASE_URL must be an http(s) URL, got {base_url!r}")
        secret = env.get("LEDGERBEE_CONFIRM_SECRET", "")
        if secret and len(secret) < 32:
            raise ConfigError("LEDGERBEE_CONFIRM_SECRET must be at least 32 characters")
        redis = _redis_url(env)
        if redis is not None and not secret:
            raise ConfigError(
                "LEDGERBEE_REDIS_URL is set but LEDGERBEE_CONFIRM_SECRET is not: replicas sharing a Redis must "
                "share the confirmation secret (32+ characters, the same on every replica)"
            )
        audit = env.get("LEDGERBEE_AUDIT_LOG", "").strip()
        audit_log = (
            None if audit.lower() == "off" else Path(audit).expanduser() if audit else state_dir(env) / "audit.jsonl"
        )
        memory = env.get("LEDGERBEE_DRAFT_MEMORY", "").strip()
        draft_memory = (
            None
            if memory.lower() == "off"
            else Path(memory).expanduser()
            if memory
            else state_dir(env) / "drafts.sqlite3"
        )
        return cls(
            base_url=base_url,
            api_key=Secret(api_key) if api_key else None,
            access_token=Secret(access_token) if access_token else None,
            sandbox=sandbox,
            sandbox_db=sandbox_db(env),
            confirm=confirm,
            read_only=_flag(env, "LEDGERBEE_READ_ONLY", False),
            allow_email=_flag(env, "LEDGERBEE_ALLOW_EMAIL", True),
            recipient_domains=_domains(env),
            audit_log=audit_log,
            draft_memory=draft_memory,
            toolsets=toolsets(env.get("LEDGERBEE_TOOLSETS", "")),
            confirm_secret=Secret(secret) if secret else None,
            token_ttl_seconds=_number(env, "LEDGERBEE_CONFIRM_TTL", 600, low=30, high=3600),
            approval_timeout_seconds=_number(env, "LEDGERBEE_APPROVAL_TIMEOUT_SECONDS", 300, low=1, high=3600),
            timeout_seconds=_number(env, "LEDGERBEE_TIMEOUT", 30, low=1, high=300),
            pdf_inline_max_bytes=int(_number(env, "LEDGERBEE_PDF_INLINE_MAX_BYTES", 1_000_000, low=0, high=50_000_000)),
            http=http,
            redis_url=redis,
            lock_ttl_seconds=_number(env, "LEDGERBEE_LOCK_TTL_SECONDS", 30, low=0.5, high=600),
            lock_wait_seconds=_number(env, "LEDGERBEE_LOCK_WAIT_SECONDS", 60, low=0, high=600),
            request_state_keys=decode_state_keys(env.get("LEDGERBEE_REQUEST_STATE_KEYS", "")),
            allowed_hosts=_words(env, "LEDGERBEE_ALLOWED_HOSTS"),
            allowed_origins=_words(env, "LEDGERBEE_ALLOWED_ORIGINS"),
        )
