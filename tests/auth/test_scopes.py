"""The scope model: which scope a tool needs (from its annotations), what a caller may call, and the settings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from mcp_types import Tool, ToolAnnotations

from ledgerbee_mcp.config import ConfigError
from ledgerbee_mcp.server.auth import (
    ALL_SCOPES,
    SCOPE_DESCRIPTIONS,
    SCOPE_READ,
    SCOPE_SEND,
    SCOPE_WRITE,
    AuthConfig,
    missing_scope,
    permitted_tools,
    required_scope,
)
from ledgerbee_mcp.server.tools.spec import ACTION, CREATE, READ, UPDATE

TOOL_LIST = Path(__file__).parents[1] / "server" / "snapshots" / "tools.json"


@dataclass(frozen=True)
class FakeTool:
    name: str
    annotations: ToolAnnotations | None


TABLE = [
    (FakeTool("list_quotes", READ), SCOPE_READ),
    (FakeTool("get_document_pdf", READ), SCOPE_READ),
    (FakeTool("create_quote", CREATE), SCOPE_WRITE),
    (FakeTool("update_quote", UPDATE), SCOPE_WRITE),
    (FakeTool("send_quote", ACTION), SCOPE_SEND),
    (FakeTool("convert_quote", ACTION), SCOPE_SEND),
    # Hints left out fall back to the MCP defaults: not read-only, destructive.
    (FakeTool("unannotated", None), SCOPE_SEND),
    (FakeTool("empty_annotations", ToolAnnotations()), SCOPE_SEND),
    (FakeTool("write_without_destructive_hint", ToolAnnotations(read_only_hint=False)), SCOPE_SEND),
    (FakeTool("explicitly_not_destructive", ToolAnnotations(destructive_hint=False)), SCOPE_WRITE),
    # Read-only wins: a read-only tool cannot be destructive (the spec ignores the hint then).
    (FakeTool("read_only_destructive", ToolAnnotations(read_only_hint=True, destructive_hint=True)), SCOPE_READ),
]


@pytest.mark.parametrize(("tool", "scope"), TABLE, ids=[tool.name for tool, _ in TABLE])
def test_required_scope(tool: FakeTool, scope: str) -> None:
    assert required_scope(tool.annotations) == scope
    assert missing_scope([scope], tool) is None
    others = [s for s in ALL_SCOPES if s != scope]
    assert missing_scope(others, tool) == scope  # scopes are flat: no other scope stands in
    assert missing_scope([], tool) == scope


def test_the_server_s_tools_map_to_the_scope_model() -> None:
    """Over the reviewed tool list: reads need read, drafts write, sends and conversions send."""
    tools = [Tool.model_validate(entry) for entry in json.loads(TOOL_LIST.read_text(encoding="utf-8"))]
    assert tools
    for tool in tools:
        scope = required_scope(tool.annotations)
        verb = tool.name.split("_", 1)[0]
        expected = {"send": SCOPE_SEND, "convert": SCOPE_SEND, "create": SCOPE_WRITE, "update": SCOPE_WRITE}
        assert scope == expected.get(verb, SCOPE_READ), tool.name


def test_permitted_tools_is_what_a_caller_is_shown() -> None:
    tools = [tool for tool, _ in TABLE]
    readable = permitted_tools([SCOPE_READ], tools)
    assert [t.name for t in readable] == ["list_quotes", "get_document_pdf", "read_only_destructive"]
    writer = permitted_tools({SCOPE_READ, SCOPE_WRITE}, tools)
    assert {t.name for t in writer} == {
        "list_quotes",
        "get_document_pdf",
        "create_quote",
        "update_quote",
        "explicitly_not_destructive",
        "read_only_destructive",
    }
    assert permitted_tools(ALL_SCOPES, tools) == tools
    assert permitted_tools([], tools) == []
    assert permitted_tools(["ledgerbee.admin", "openid"], tools) == []


def test_every_scope_is_described() -> None:
    assert set(SCOPE_DESCRIPTIONS) == set(ALL_SCOPES)
    assert ALL_SCOPES == ("ledgerbee.read", "ledgerbee.write", "ledgerbee.send")


# --- AuthConfig ---------------------------------------------------------------------------------------------------

ISSUER = "https://auth.example.test"
AUDIENCE = "https://mcp.example.test/mcp"


def test_from_env_without_auth_is_none() -> None:
    assert AuthConfig.from_env({}) is None
    assert AuthConfig.from_env({"LEDGERBEE_AUTH_ISSUER": " ", "LEDGERBEE_AUTH_AUDIENCE": ""}) is None


def test_from_env_reads_the_settings() -> None:
    config = AuthConfig.from_env({"LEDGERBEE_AUTH_ISSUER": ISSUER, "LEDGERBEE_AUTH_AUDIENCE": AUDIENCE})
    assert config is not None
    assert config == AuthConfig(issuer=ISSUER, audience=AUDIENCE)
    assert config.jwks_url is None
    assert config.required_scopes == (SCOPE_READ,)
    assert config.leeway == 30
    with_jwks = AuthConfig.from_env(
        {
            "LEDGERBEE_AUTH_ISSUER": ISSUER,
            "LEDGERBEE_AUTH_AUDIENCE": AUDIENCE,
            "LEDGERBEE_AUTH_JWKS_URL": f"{ISSUER}/keys",
        }
    )
    assert with_jwks is not None
    assert with_jwks.jwks_url == f"{ISSUER}/keys"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LEDGERBEE_AUTH_ISSUER": ISSUER}, "LEDGERBEE_AUTH_AUDIENCE"),
        ({"LEDGERBEE_AUTH_AUDIENCE": AUDIENCE}, "LEDGERBEE_AUTH_ISSUER"),
        ({"LEDGERBEE_AUTH_JWKS_URL": f"{ISSUER}/keys"}, "LEDGERBEE_AUTH_JWKS_URL"),
        ({"LEDGERBEE_AUTH_ISSUER": "http://auth.example.test", "LEDGERBEE_AUTH_AUDIENCE": AUDIENCE}, "_ISSUER"),
        ({"LEDGERBEE_AUTH_ISSUER": ISSUER, "LEDGERBEE_AUTH_AUDIENCE": "mcp"}, "LEDGERBEE_AUTH_AUDIENCE"),
        (
            {
                "LEDGERBEE_AUTH_ISSUER": ISSUER,
                "LEDGERBEE_AUTH_AUDIENCE": AUDIENCE,
                "LEDGERBEE_AUTH_JWKS_URL": "https://user:pw@auth.example.test/keys",
            },
            "LEDGERBEE_AUTH_JWKS_URL",
        ),
    ],
)
def test_from_env_names_the_variable_at_fault(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        AuthConfig.from_env(env)


def test_plain_http_only_to_this_machine() -> None:
    assert AuthConfig(issuer="http://127.0.0.1:9000", audience="http://localhost:8000/mcp").issuer
    with pytest.raises(ConfigError, match="issuer"):
        AuthConfig(issuer="http://auth.example.test", audience=AUDIENCE)


@pytest.mark.parametrize("leeway", [-1, 301, float("nan"), float("inf")])
def test_leeway_is_small(leeway: float) -> None:
    with pytest.raises(ConfigError, match="leeway"):
        AuthConfig(issuer=ISSUER, audience=AUDIENCE, leeway=leeway)


def test_required_scopes_are_words() -> None:
    with pytest.raises(ConfigError, match="required_scopes"):
        AuthConfig(issuer=ISSUER, audience=AUDIENCE, required_scopes=("ledgerbee.read ledgerbee.write",))


def test_auth_settings_for_the_sdk() -> None:
    settings = AuthConfig(issuer=ISSUER, audience=AUDIENCE, required_scopes=(SCOPE_READ, SCOPE_WRITE)).auth_settings()
    assert str(settings.issuer_url) == ISSUER  # no trailing slash added: the issuer is compared exactly
    assert str(settings.resource_server_url) == AUDIENCE
    assert settings.required_scopes == [SCOPE_READ, SCOPE_WRITE]
    assert settings.validate_token_resource is True
