"""LibreOffice headless conversions, shared by the DOC parser (DOC/WPS -> DOCX) and the replica (DOCX -> PDF/DOC).

One soffice run converts many files (it starts slowly). Runs that may overlap need their own profile directories,
because parallel runs sharing a profile silently drop outputs; the DOC parser keeps one per process. A timeout kills
soffice.bin too, not only its launcher script.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TIMEOUT_SECONDS = 600
INSTALL_HINT = "install the Debian package libreoffice-writer-nogui (scripts/install-system-packages does it, as root)"


class LibreOfficeError(RuntimeError):
    pass


@contextmanager
def _without_memory_limit() -> Iterator[None]:
    """soffice is a program of its own, bounded by its timeout: it does not inherit the memory limit of the parse
    worker that starts it (LibreOffice maps far more address space than it uses)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def convert(
    sources: list[Path], target: str, out_dir: Path, profile_dir: Path, timeout: float = TIMEOUT_SECONDS
) -> list[Path]:
    """Convert `sources` with `--convert-to target` (e.g. "pdf", "docx", "doc:MS Word 97"); returns the outputs in
    `sources` order, or raises LibreOfficeError saying what went wrong."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise LibreOfficeError(f"LibreOffice (soffice) is not installed: {INSTALL_HINT}")
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        soffice, f"-env:UserInstallation={profile_dir.resolve().as_uri()}", "--headless", "--norestore",
        "--convert-to", target, "--outdir", str(out_dir), *map(str, sources),
    ]  # fmt: skip
    with _without_memory_limit():
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                env={**os.environ, "HOME": str(profile_dir)})  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise LibreOfficeError(f"LibreOffice took more than {timeout:.0f} s converting to {target}") from None
    extension = target.split(":", 1)[0]
    outputs = [out_dir / f"{s.stem}.{extension}" for s in sources]
    missing = [p.name for p in outputs if not p.exists()]
    if missing:
        log = (stdout + stderr).decode("utf-8", "replace").strip()[-800:]
        raise LibreOfficeError(
            f"LibreOffice did not produce {', '.join(missing)} (exit code {proc.returncode}); soffice said: {log}"
        )
    return outputs
