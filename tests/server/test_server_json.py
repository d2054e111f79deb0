"""server.json is what the MCP registry reads: valid against the registry's schema and true to the package."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema

from ledgerbee_mcp import __version__

ROOT = Path(__file__).parents[2]


def test_server_json_is_valid_and_matches_the_package() -> None:
    schema = json.loads((ROOT / "tests" / "schemas" / "server.schema.json").read_text())
    doc = json.loads((ROOT / "server.json").read_text())
    jsonschema.validate(doc, schema)
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


def test_readme_carries_the_registry_marker_and_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    doc = json.loads((ROOT / "server.json").read_text())
    assert f"mcp-name: {doc['name']}" in readme
    for variable in doc["packages"][0]["environmentVariables"]:
        assert re.search(rf"`{variable['name']}`", readme), variable["name"]
