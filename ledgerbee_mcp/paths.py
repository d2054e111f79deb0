"""Where ledgerbee-mcp keeps local state (the sandbox database, demo output)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["default_sandbox_db", "make_parent_dir", "state_dir"]

_APP = "ledgerbee-mcp"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """The per-user state directory, following each platform's convention.

    `LEDGERBEE_STATE_DIR` overrides it; the directory is not created here.
    """
    env = os.environ if env is None else env
    override = env.get("LEDGERBEE_STATE_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / _APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / _APP
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / _APP


def default_sandbox_db(env: Mapping[str, str] | None = None) -> Path:
    """The sandbox's SQLite file when neither `--db` nor `LEDGERBEE_SANDBOX_DB` says otherwise."""
    return state_dir(env) / "sandbox.sqlite3"


def make_parent_dir(db: str) -> None:
    """Create the folder a SQLite file goes in: SQLite creates the file but not its folder, so a first run
    on a new machine could not open the database."""
    if db != ":memory:":
        Path(db).parent.mkdir(parents=True, exist_ok=True)
