"""Running the sandbox as a local HTTP server (uvicorn), logging to stderr only."""

from __future__ import annotations

import copy
import logging
import os
from pathlib import Path
from typing import Any

from ledgerbee_mcp.paths import state_dir
from ledgerbee_mcp.sandbox.app import create_app

__all__ = ["default_db_path", "serve"]

_log = logging.getLogger(__name__)


def default_db_path() -> Path:
    """`<state dir>/sandbox.sqlite3`, creating the state directory."""
    folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "sandbox.sqlite3"


def _stderr_logging() -> dict[str, Any]:
    import uvicorn.config

    # uvicorn's default sends access logs to stdout; stdout may be a protocol channel (MCP over stdio).
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    for handler in config["handlers"].values():
        handler["stream"] = "ext://sys.stderr"
    return config


def serve(*, host: str = "127.0.0.1", port: int = 8080, db: str | os.PathLike[str] | None = None) -> None:
    """Serve the sandbox until interrupted; `db` defaults to `default_db_path()`, ":memory:" works too."""
    import uvicorn

    path = default_db_path() if db is None else db
    _log.info("LedgerBee sandbox on http://%s:%d (database %s)", host, port, os.fspath(path))
    uvicorn.run(create_app(path), host=host, port=port, log_config=_stderr_logging())
