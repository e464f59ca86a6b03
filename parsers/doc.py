"""Word 97 .doc and Kingsoft .wps (OLE files): LibreOffice converts them to DOCX; antiword gives text if it fails."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from parsers import docx, libreoffice, text
from parsers.model import Document, ExtractionError

CONVERT_TIMEOUT_SECONDS = 120


def to_docx(data: bytes) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        work = Path(tmp)
        source = work / "input.doc"  # fixed name: never a path built from a URL or a file name
        source.write_bytes(data)
        try:
            [out] = libreoffice.convert([source], "docx", work / "out", work / "profile", CONVERT_TIMEOUT_SECONDS)
        except libreoffice.LibreOfficeError as e:
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
    except ExtractionError:
        return _antiword(data)
    document.format = "doc"
    return document
