"""A new user's first run: the installed console script, a home whose state directory does not exist yet."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

pytestmark = pytest.mark.anyio

SCRIPT = shutil.which("ledgerbee-mcp", path=str(Path(sys.executable).parent))


def _script() -> str:
    # The console script is what a user (or uvx, or an MCP client) launches; `python -m` would skip the
    # entry point the package declares.
    assert SCRIPT, f"no ledgerbee-mcp console script next to {sys.executable}"
    return SCRIPT


def _fresh_home(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBEE_") and k != "XDG_STATE_HOME"}
    return env | {"HOME": str(home), "USERPROFILE": str(home), "LOCALAPPDATA": str(home / "AppData" / "Local")}


def _databases(env: dict[str, str]) -> list[Path]:
    return list(Path(env["HOME"]).rglob("sandbox.sqlite3"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve_sandbox(env: dict[str, str], *args: str) -> tuple[int, bytes]:
    """Start `ledgerbee-mcp sandbox`, answer its first `GET /v1/customers`, stop it."""
    port = _free_port()
    command = [_script(), "sandbox", "--port", str(port), *args]
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/customers", headers={"x-api-key": "lb_sandbox_full"})
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 -- loopback, built here
                    return answer.status, answer.read()
            except urllib.error.HTTPError as refused:
                return refused.code, refused.read()
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    pytest.fail(f"the sandbox exited with {server.returncode}: {server.communicate()[1]!r}")
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        server.terminate()
        server.communicate(timeout=10)


async def test_sandbox_over_stdio_answers_on_a_new_machine(tmp_path: Path) -> None:
    env = _fresh_home(tmp_path) | {"LEDGERBEE_CONFIRM": "token"}
    params = StdioServerParameters(command=_script(), args=["--sandbox"], env=env)
    with anyio.fail_after(60):
        async with Client(params) as client:
            result = await client.call_tool("list_customers", {})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert result.structured_content["items"]
    assert len(_databases(env)) == 1


def test_sandbox_over_http_answers_on_a_new_machine(tmp_path: Path) -> None:
    env = _fresh_home(tmp_path)
    status, body = _serve_sandbox(env)
    assert status == 200
    assert b"Fjord Foods" in body
    assert len(_databases(env)) == 1


def test_sandbox_over_http_uses_the_variable_and_the_flag_wins(tmp_path: Path) -> None:
    from_env = tmp_path / "from-env" / "nested" / "sb.sqlite3"
    from_flag = tmp_path / "from-flag" / "nested" / "sb.sqlite3"
    env = _fresh_home(tmp_path) | {"LEDGERBEE_SANDBOX_DB": str(from_env)}
    assert _serve_sandbox(env)[0] == 200
    assert from_env.exists()
    assert _serve_sandbox(env, "--db", str(from_flag))[0] == 200
    assert from_flag.exists()
    assert _databases(env) == []


def test_demo_runs_on_a_new_machine(tmp_path: Path) -> None:
    env = _fresh_home(tmp_path)
    out = tmp_path / "not" / "yet" / "there"
    done = subprocess.run(  # noqa: S603 -- our own console script
        [_script(), "demo", "--out", str(out)], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "1-quote-draft-preview.pdf",
        "2-quote.pdf",
        "3-order-confirmation.pdf",
        "4-invoice.pdf",
    ]
