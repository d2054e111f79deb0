"""Where ledgerbee-mcp keeps local state (the sandbox database, demo output)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["state_dir"]

_APP = "ledgerbee-mcp"


def state_dir() -> Path:
    """The per-user state directory, following each platform's convention.

    `LEDGERBEE_STATE_DIR` overrides it; the directory is not created here.
    """
    override = os.environ.get("LEDGERBEE_STATE_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / _APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / _APP
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / _APP
