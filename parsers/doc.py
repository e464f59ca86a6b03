"""Word 97 .doc and Kingsoft .wps (OLE files): LibreOffice converts them to DOCX; antiword gives text if it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from parsers import docx, text
from parsers.model import Document, ExtractionError

CONVERT_TIMEOUT_SECONDS = 120


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes) -> bytes:
    """Convert with LibreOffice headless. Each call has its own profile: parallel conversions sharing one profile
    silently lose outputs."""
    soffice = _soffice()
    if soffice is None:
        raise ExtractionError("LibreOffice (soffice) is not installed; run scripts/install-system-packages")
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        work = Path(tmp)
        source = work / "input.doc"  # fixed name: never a path built from a URL or a file name
        source.write_bytes(data)
        profile = (work / "profile").as_uri()
        cmd = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "docx",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        try:
            subprocess.run(
                cmd, capture_output=True, timeout=CONVERT_TIMEOUT_SECONDS, check=False, env={**os.environ, "HOME": tmp}
            )
        except subprocess.TimeoutExpired as e:
            raise ExtractionError(f"LibreOffice took over {CONVERT_TIMEOUT_SECONDS} s to convert the document") from e
        out = work / "out" / "input.docx"
        if not out.exists():
            raise ExtractionError("LibreOffice could not convert the document to DOCX")
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
    except ExtractionError:
        return _antiword(data)
    document.format = "doc"
    return document
