"""server.json is what the MCP registry reads: valid against the registry's schema and true to the package."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema

from ledgerbee_mcp import __version__

ROOT = Path(__file__).parents[2]
VARIABLE = re.compile(r"\bLEDGERBEE_[A-Z0-9_]+\b")


def _server_json() -> dict[str, Any]:
    return json.loads((ROOT / "server.json").read_text())


def _listed_variables() -> set[str]:
    return {e["name"] for e in _server_json()["packages"][0]["environmentVariables"]}


def test_server_json_is_valid_and_matches_the_package() -> None:
    schema = json.loads((ROOT / "tests" / "schemas" / "server.schema.json").read_text())
    doc = _server_json()
    jsonschema.validate(doc, schema, format_checker=jsonschema.FormatChecker())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert doc["version"] == project["version"] == __version__
    package = doc["packages"][0]
    assert (package["registryType"], package["identifier"], package["transport"]["type"]) == (
        "pypi",
        project["name"],
        "stdio",
    )
    secrets = {e["name"] for e in package["environmentVariables"] if e.get("isSecret")}
    assert {"LEDGERBEE_API_KEY", "LEDGERBEE_ACCESS_TOKEN"} <= secrets
    assert doc["repository"]["source"] == "github"
    assert doc["repository"]["url"] == project["urls"]["Repository"]
    # The registry accepts an io.github.<owner>/ name only from that owner's repository.
    owner = doc["name"].removeprefix("io.github.").split("/")[0]
    assert doc["repository"]["url"].startswith(f"https://github.com/{owner}/")


def test_readme_carries_the_registry_marker_and_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"mcp-name: {_server_json()['name']}" in readme
    listed = _listed_variables()
    for name in listed:
        assert re.search(rf"`{name}`", readme), f"{name} is in server.json but not in the README"
    assert set(VARIABLE.findall(readme)) <= listed, "the README documents variables server.json does not list"


def test_every_variable_the_package_reads_is_listed() -> None:
    read = {name for path in (ROOT / "ledgerbee_mcp").rglob("*.py") for name in VARIABLE.findall(path.read_text())}
    assert read <= _listed_variables()
