"""Word 97 .doc and Kingsoft .wps (OLE files): LibreOffice converts them to DOCX; antiword gives text if it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from multiprocessing.util import Finalize
from pathlib import Path

from common import libreoffice
from parsers import docx, text
from parsers.model import Document, ExtractionError

# Below the parse worker's default time limit (parsers.pool.Limits): soffice runs in a session of its own, so a worker
# killed for overrunning would leave it running; its own timeout stops it first.
CONVERT_TIMEOUT_SECONDS = 40


_profile: Path | None = None  # this process's LibreOffice profile
_profile_pid = 0  # the process that made it: a forked parse worker must not share its parent's


def _profile_dir() -> Path:
    """One LibreOffice profile for the process, made on first use and removed at exit: a fresh profile costs a
    start-up of its own, and parallel runs sharing a profile lose outputs."""
    global _profile, _profile_pid
    if _profile is None or _profile_pid != os.getpid():
        _profile, _profile_pid = Path(tempfile.mkdtemp(prefix="nianbao-libreoffice-")), os.getpid()
        # multiprocessing's exit hook runs in parse workers too (they leave by os._exit, which skips atexit).
        Finalize(None, shutil.rmtree, args=(_profile,), kwargs={"ignore_errors": True}, exitpriority=0)
    return _profile


def _discard_profile() -> None:
    """After a failure (a killed soffice may leave its profile broken) the next document gets a new profile."""
    global _profile
    if _profile is not None:
        shutil.rmtree(_profile, ignore_errors=True)
        _profile = None


def to_docx(data: bytes) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        work = Path(tmp)
        source = work / "input.doc"  # fixed name: never a path built from a URL or a file name
        source.write_bytes(data)
        try:
            [out] = libreoffice.convert([source], "docx", work / "out", _profile_dir(), CONVERT_TIMEOUT_SECONDS)
        except libreoffice.LibreOfficeError as e:
            _discard_profile()
            raise ExtractionError(str(e)) from e
        return out.read_bytes()


def _antiword(data: bytes) -> Document:
    exe = shutil.which("antiword")
    if exe is None:
        raise ExtractionError("neither LibreOffice nor antiword could read the .doc file")
    with tempfile.NamedTemporaryFile(suffix=".doc") as f:
        f.write(data)
        f.flush()
        proc = subprocess.run(
            [exe, "-m", "UTF-8.txt", "-w", "0", f.name],
            capture_output=True,
            timeout=CONVERT_TIMEOUT_SECONDS,
            check=False,
        )
    if proc.returncode != 0:
        raise ExtractionError(f"antiword failed: {proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
    # antiword prints table rows as |cell|cell|; turn them into tab-separated rows.
    lines = [
        "\t".join(c.strip() for c in line.strip().strip("|").split("|")) if line.lstrip().startswith("|") else line
        for line in proc.stdout.decode("utf-8", "replace").splitlines()
    ]
    document = text.extract("\n".join(lines))
    document.format = "doc"
    return document


def extract(data: bytes) -> Document:
    try:
        document = docx.extract(to_docx(data))
    except ExtractionError as e:
        document = _antiword(data)
        # antiword prints merged cells as broken rows: most cells of the national tables are lost, never misread.
        document.warnings.append(f"read as text by antiword, tables likely incomplete ({e})"[:300])
        return document
    document.format = "doc"
    return document
