"""Which parts of the package may import which: read from the source with `ast`, so an import hidden in a
function body or a TYPE_CHECKING block counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "ledgerbee_mcp"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, absolute, with each `from x import y` also counted as `x.y` (y may be a
    submodule)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _within(name: str, layer: str) -> bool:
    return name == layer or name.startswith(layer + ".")


def _offenders(importers: str, imported: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if _within(module, importers) and not any(_within(module, a) for a in allowed)
        for target in targets
        if _within(target, imported) and not _within(module, imported)
    )


def test_the_graph_sees_the_package() -> None:
    graph = _graph()
    assert "ledgerbee_mcp.cli" in graph
    assert "ledgerbee_mcp.server.app" in graph
    assert "ledgerbee_mcp.config" in graph["ledgerbee_mcp.server.app"]


def test_the_sandbox_is_reached_only_from_the_composition_root() -> None:
    # The server gets the sandbox as a transport handed in; it never builds one itself.
    roots = ("ledgerbee_mcp.cli", "ledgerbee_mcp.demo")
    assert _offenders("ledgerbee_mcp", "ledgerbee_mcp.sandbox", allowed=roots) == []


@pytest.mark.parametrize("layer", ["server", "guardrails", "sandbox", "cli", "config", "demo"])
def test_the_api_client_stands_alone(layer: str) -> None:
    assert _offenders("ledgerbee_mcp.api", f"ledgerbee_mcp.{layer}") == []


@pytest.mark.parametrize("layer", ["cli", "demo"])
def test_the_server_does_not_reach_up_to_the_entry_points(layer: str) -> None:
    assert _offenders("ledgerbee_mcp.server", f"ledgerbee_mcp.{layer}") == []


def test_nothing_imports_the_cli() -> None:
    # `python -m ledgerbee_mcp` is the one exception: it is the CLI's other way in.
    assert _offenders("ledgerbee_mcp", "ledgerbee_mcp.cli", allowed=("ledgerbee_mcp.__main__",)) == []


def test_the_guardrails_are_a_pure_core() -> None:
    # The checks and the consent flow must be testable without a client and must not depend on the MCP SDK,
    # pydantic or the settings: they import only the API client and the standard library.
    import sys

    stdlib = sys.stdlib_module_names
    offenders = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if _within(module, "ledgerbee_mcp.guardrails")
        for target in targets
        if not (
            _within(target, "ledgerbee_mcp.guardrails")
            or _within(target, "ledgerbee_mcp.api")
            or target.split(".")[0] in stdlib
            or target == "__future__"
            or target.startswith("__future__.")
        )
    )
    assert offenders == []
