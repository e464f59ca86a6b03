"""Small hostile inputs that once cost gigabytes or minutes, made on the spot, and what parsing each costs now.

    .venv/bin/python -m bench.hostile

Each case is made and parsed in a process of its own, by the build's worker pool (parsers.pool.run) with its default
limits; the time is the case's wall time in the pool, the peak memory the worker's own (VmHWM).
tests/test_parse_hostile.py asserts the recorded status of each case.
"""

from __future__ import annotations

import functools
import io
import json
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.memory import own_peak_mib
from parsers import parse
from parsers.model import ParseResult
from parsers.pool import Limits, run

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
GIB = 1 << 30
ROOT = Path(__file__).resolve().parent.parent


def _document_xml(body: str) -> bytes:
    return f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'.encode()


def _docx(document_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def docx_grid_span(span: int = 200_000_000) -> bytes:
    """One table cell spanning 200,000,000 grid columns."""
    cell = f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr><w:p/></w:tc>'
    return _docx(_document_xml(f"<w:tbl><w:tr>{cell}</w:tr></w:tbl>"))


@functools.cache
def _deflated_spaces(size: int) -> tuple[bytes, int, int]:
    """`size` spaces deflated (raw deflate, no header), with their CRC-32 and Adler-32. One MiB is deflated once
    and its blocks repeated: a full flush leaves them byte-aligned and referring to nothing before them."""
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    blocks = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc, adler = 0, 1
    for _ in range(size // len(chunk)):
        crc, adler = zlib.crc32(chunk, crc), zlib.adler32(chunk, adler)
    final_empty_block = b"\x03\x00"
    return blocks * (size // len(chunk)) + final_empty_block, crc, adler


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (numbered from 1; the first is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_flate_bomb() -> bytes:
    """One page whose content stream (1 MB) inflates to 1 GiB of spaces."""
    raw, _, adler = _deflated_spaces(GIB)
    stream = b"\x78\xda" + raw + struct.pack(">I", adler)  # the zlib format: header, deflate data, Adler-32
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        ]
    )


def pdf_many_pages(pages: int = 300_000) -> bytes:
    """A page tree of 300,000 empty pages."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    return pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
        + [page] * pages
    )


def zip_bomb_lying_directory() -> bytes:
    """A DOCX whose word/document.xml inflates to 1 GiB while both of the zip's headers say 478 bytes."""
    raw, crc, _ = _deflated_spaces(GIB)
    claimed = 478
    name = b"word/document.xml"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(raw), claimed, len(name), 0) + name
    types = io.BytesIO()
    with zipfile.ZipFile(types, "w", zipfile.ZIP_DEFLATED) as z:  # a well-formed first member, then the bomb
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
    head = types.getvalue()
    first_directory = head.index(b"PK\x01\x02")
    first_entry = head[first_directory : head.index(b"PK\x05\x06")]
    offset = first_directory
    central = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(raw), claimed, len(name), 0, 0, 0, 0, 0, offset
    )
    directory = first_entry + central + name
    start = first_directory + len(local) + len(raw)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, len(directory), start, 0)
    return head[:first_directory] + local + raw + directory + end


def html_spans() -> bytes:
    """400 cells, each with rowspan=200 and colspan=200: 16 million grid positions from 14 KB."""
    row = "<tr>" + '<td rowspan="200" colspan="200">1</td>' * 20 + "</tr>"
    return f"<html><body><table>{row * 20}</table></body></html>".encode()


def docx_big_table() -> bytes:
    """One table of 190 MB of WordprocessingML (1.7 million rows) in a DOCX of about 10 MB."""
    cell = "<w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>"
    head, tail = _document_xml("<w:tbl>SPLIT</w:tbl>").split(b"SPLIT")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            block = "".join("<w:tr>" + cell.format(i) + cell.format(i * 7 % 1000) + "</w:tr>" for i in range(10_000))
            block = block.encode()
            for _ in range(190 * 1_000_000 // len(block)):
                part.write(block)
            part.write(tail)
    return buffer.getvalue()


CASES: dict[str, Callable[[], bytes]] = {
    "docx_grid_span": docx_grid_span,
    "pdf_flate_bomb": pdf_flate_bomb,
    "zip_bomb_lying_directory": zip_bomb_lying_directory,
    "html_spans": html_spans,
    "pdf_many_pages": pdf_many_pages,
    "docx_big_table": docx_big_table,
}


def parse_measured(data: bytes) -> tuple[ParseResult, float]:
    """Worker task: the result and this worker's peak memory (MiB)."""
    return parse(data), own_peak_mib()


def measure(case: str) -> dict[str, Any]:
    """One case through the worker pool with the default limits. Run it in a process of its own (as `nianbao
    build` is one): a forked worker's address space starts as large as its parent's, and counts against the limit."""
    data = CASES[case]()
    started = time.monotonic()
    [(_, outcome)] = list(run(parse_measured, [(case, (data,))], 1, Limits()))
    seconds = time.monotonic() - started
    result, peak = outcome if isinstance(outcome, tuple) else (outcome, None)  # no peak from a killed worker
    return {"case": case, "bytes": len(data), "seconds": round(seconds, 2), "peak_mib": peak, "status": result.status,
            "format": result.format, "error": result.error, "transient": result.transient}  # fmt: skip


def measured(case: str) -> dict[str, Any]:
    """measure(case) in a new process."""
    command = [sys.executable, "-m", "bench.hostile", "--json", case]
    return json.loads(subprocess.run(command, capture_output=True, check=True, cwd=ROOT).stdout)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--json"]:
        print(json.dumps(measure(argv[1])))
        return
    limits = Limits()
    print(f"limits: {limits.seconds:g} s and {limits.memory_mib} MiB of address space per document")
    print(f"{'case':<26} {'input bytes':>11} {'seconds':>8} {'peak MiB':>9}  status: error")
    for case in CASES:
        m = measured(case)
        peak = "-" if m["peak_mib"] is None else f"{m['peak_mib']:.0f}"
        print(f"{case:<26} {m['bytes']:>11} {m['seconds']:>8.2f} {peak:>9}  {m['status']}: {m['error']}")


if __name__ == "__main__":
    main(sys.argv[1:])
