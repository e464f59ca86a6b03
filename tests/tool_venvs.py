"""Virtualenvs of outside tools the slow tests run (pywb, py-wacz) but nianbao must never import: pywb is GPL and
pins old packages, py-wacz brings heavy dependencies. Each is installed from PyPI on first use under the clone's
gitignored `.venv-tools/NAME` and reused while its requirement is unchanged."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

TOOLS = ROOT / ".venv-tools"


def tool_bin(name: str, requirement: str) -> Path:
    """The bin/ folder of `.venv-tools/NAME` with `requirement` (e.g. "pywb==2.10.0") installed."""
    venv = TOOLS / name
    marker = venv / f".installed-{requirement}"
    TOOLS.mkdir(exist_ok=True)
    with (TOOLS / f"{name}.lock").open("w") as lock:  # pytest-xdist workers install it once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (marker.exists() and (venv / "bin" / "python").exists()):
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", requirement],
                check=True,
                timeout=900,
            )
            marker.touch()
    return venv / "bin"
