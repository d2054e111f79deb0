"""Every tool, and the one place where policies decide which are registered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mcp.server.mcpserver.tools import Tool
from pydantic import ConfigDict

from ledgerbee_mcp.server._sdk import ArgModelBase
from ledgerbee_mcp.server.compact import compact_tool
from ledgerbee_mcp.server.crashes import crash_safe
from ledgerbee_mcp.server.kinds import KINDS, DocKind
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.activity import activity_tools
from ledgerbee_mcp.server.tools.batch import batch_send_tool
from ledgerbee_mcp.server.tools.drafts import create_tool, update_tool
from ledgerbee_mcp.server.tools.guarded_tools import convert_tool, send_tool
from ledgerbee_mcp.server.tools.lookups import lookup_tools
from ledgerbee_mcp.server.tools.pdf import pdf_tools
from ledgerbee_mcp.server.tools.reading import get_tool, list_tool
from ledgerbee_mcp.server.tools.spec import ToolSpec

__all__ = ["ToolSpec", "all_tools", "build_tools", "chosen_tools"]


def _kind_tools(rt: Runtime, kind: DocKind) -> list[ToolSpec]:
    made = [list_tool(rt, kind), get_tool(rt, kind)]
    if kind.drafts:
        made += [create_tool(rt, kind), update_tool(rt, kind)]
    made.append(send_tool(rt, kind))
    if kind.convert_targets:
        made.append(convert_tool(rt, kind))
    return [replace(spec, toolsets=frozenset({kind.toolset})) for spec in made]


def all_tools(rt: Runtime, kinds: Sequence[DocKind] | None = None) -> list[ToolSpec]:
    """Every tool for these kinds (all of them by default), and the tools that serve every kind."""
    kinds = list(KINDS.values()) if kinds is None else kinds
    per_kind = [spec for kind in kinds for spec in _kind_tools(rt, kind)]
    batch = [batch_send_tool(rt, kinds)] if kinds else []
    return [*per_kind, *batch, *lookup_tools(rt), *activity_tools(rt), *pdf_tools(rt)]


def chosen_tools(rt: Runtime) -> list[ToolSpec]:
    """The one place where policies pick the tools: the toolsets asked for (the batch send offers only their
    kinds), and read-only mode."""
    settings = rt.settings
    kinds = [kind for kind in KINDS.values() if kind.toolset in settings.toolsets]
    return [
        spec
        for spec in all_tools(rt, kinds)
        if spec.toolsets & settings.toolsets and (spec.read_only or not settings.read_only)
    ]


def _refusing_unknown_arguments(tool: Tool) -> Tool:
    """A misspelt argument (`note` for `notes`) is refused by name instead of silently dropped: on a tool that
    sends e-mail, a dropped `recipient` would send to someone else than the agent meant."""
    loose = tool.fn_metadata.arg_model

    class Arguments(loose):
        model_config = ConfigDict(extra="forbid")  # merged with the base's config by pydantic

    Arguments.__name__ = Arguments.__qualname__ = loose.__name__
    strict: type[ArgModelBase] = Arguments
    tool.fn_metadata.arg_model = strict
    # Not advertised as `additionalProperties: false`: the refusal above names the argument and the one meant,
    # which a client's own schema check would not, and the keyword is 28 bytes in every tool on every turn
    # (and outside Gemini's schema subset).
    return tool


def build_tools(rt: Runtime) -> list[Tool]:
    """The tools the settings allow, ready to serve; read-only mode leaves out every tool that writes."""
    chosen = chosen_tools(rt)
    return [
        crash_safe(
            compact_tool(
                _refusing_unknown_arguments(
                    Tool.from_function(
                        spec.fn,
                        name=spec.name,
                        title=spec.title,
                        description=spec.description,
                        annotations=spec.annotations,
                    )
                )
            ),
            rt.audit,
        )
        for spec in chosen
    ]
