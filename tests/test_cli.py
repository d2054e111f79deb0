from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ledgerbee_mcp.cli import main


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
