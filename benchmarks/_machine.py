"""A description of the machine and software a run measured, for the head of RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["REPO_ROOT", "describe_machine", "load_average"]

REPO_ROOT = Path(__file__).resolve().parents[1]

_PACKAGES = ("mcp", "pydantic", "httpx", "anyio", "starlette", "uvicorn", "fpdf2")


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip().strip(chr(34))}, {platform.machine()}"
    except OSError:
        pass
    return platform.platform()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith(("model name", "hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cores() -> str:
    logical = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = logical
    return f"{usable} usable ({logical} logical)"


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _revision() -> str:
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607 -- git from PATH, as a developer runs it
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    revision = done.stdout.strip()
    if not revision:
        return "unknown"
    # "-dirty": the numbers include uncommitted changes to the package, so the commit alone does not reproduce them.
    return revision.replace("-dirty", " with uncommitted changes")


def describe_machine() -> list[tuple[str, str]]:
    """(label, value) pairs; no host names, user names or paths."""
    return [
        ("date (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")),
        ("OS", _os_name()),
        ("CPU", _cpu_model()),
        ("cores", _cores()),
        ("load average at the start", load_average()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", ", ".join(f"{p} {_version(p)}" for p in _PACKAGES)),
        ("ledgerbee-mcp", f"{_version('ledgerbee-mcp')}, revision {_revision()}"),
    ]
