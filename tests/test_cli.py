from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledgerbee_mcp.cli import main

# The sandbox's own third-party dependency made unimportable, as when installed without the `sandbox` extra.
WITHOUT_FPDF = (
    "import sys; sys.modules['fpdf'] = None; from ledgerbee_mcp.cli import main; raise SystemExit(main(sys.argv[1:]))"
)


def test_no_credential_exits_with_a_clear_message() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBEE_")}
    done = subprocess.run(
        [sys.executable, "-m", "ledgerbee_mcp"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""  # stdout belongs to the MCP protocol
    assert "LEDGERBEE_API_KEY" in done.stderr
    assert "--sandbox" in done.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("ledgerbee-mcp ")


def test_start_up_to_tools_list_loads_no_http_stack_sandbox_or_pdf_library() -> None:
    # Cold start is what every MCP client pays on launch: answering tools/list must not import what only a
    # tool call (httpx, stamina) or the sandbox (starlette app, fpdf2, sqlite schema) needs.
    probe = """
import sys
import ledgerbee_mcp.cli
from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.server import build_server
build_server(Settings(api_key="lb_key"))
heavy = ("httpx", "stamina", "fpdf", "ledgerbee_mcp.sandbox", "ledgerbee_mcp.api._client", "sqlite3")
print(",".join(m for m in heavy if m in sys.modules))
"""
    command = [sys.executable, "-c", probe]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)  # noqa: S603 -- our own probe
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("args", [["demo"], ["sandbox", "--port", "0"], ["--sandbox"]])
def test_sandbox_without_its_extra_says_which_extra_to_install(args: list[str], tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBEE_")} | {"HOME": str(tmp_path)}
    done = subprocess.run(  # noqa: S603 -- our own entry point
        [sys.executable, "-c", WITHOUT_FPDF, *args],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("ledgerbee-mcp: the sandbox needs the 'sandbox' extra")
    assert "pip install 'ledgerbee-mcp[sandbox]'" in line
    assert f"uvx --from 'ledgerbee-mcp[sandbox]' ledgerbee-mcp {args[0]}" in line
    assert list(tmp_path.iterdir()) == []  # stopped before creating anything
