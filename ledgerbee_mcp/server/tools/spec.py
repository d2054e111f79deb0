"""A tool as data: the function plus what the agent is told about it. Policies filter these in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcp_types import ToolAnnotations

__all__ = ["ACTION", "CREATE", "READ", "UPDATE", "ToolSpec"]

# Every hint is spelled out: a client must not have to guess a default for a tool that books money.
READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)
CREATE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True)
UPDATE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=True)
ACTION = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True)


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Any]
    name: str
    title: str
    description: str
    annotations: ToolAnnotations
    toolsets: frozenset[str] = field(default=frozenset({"lookups"}))
    """Of quotes, order_confirmations, invoices and lookups: `--toolsets` keeps the tool when it names one."""

    @property
    def read_only(self) -> bool:
        return self.annotations.read_only_hint is True
