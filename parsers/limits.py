"""What one input may cost: the checks that refuse a hostile or broken file before it is expanded.

They come before the parse worker's own limits (parsers.pool.Limits: time and address space per document), which
catch whatever these do not. Each bound is far above what any annual report needs; the refusal says which was hit.
"""

from __future__ import annotations

import re
import resource
import struct
import zipfile
import zlib
from collections.abc import Iterator

import pypdfium2

from parsers.model import ExtractionError

MAX_INPUT_BYTES = 100 * 1024 * 1024  # a fetched document
MAX_ZIP_PART_BYTES = 32 * 1024 * 1024  # one inflated zip member that is parsed (a long report's document.xml: a few MB)
MAX_ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024  # zipfile makes an object per member listed (a DOCX lists ~100 in ~10 KB)
MAX_SPAN = 200  # grid columns or rows one table cell may span
MAX_TABLE_CELLS = 100_000  # grid positions of one table, spans expanded (the template's largest table has ~300)
MAX_SHEET_CELLS = 1_000_000  # one spreadsheet's rows x columns (the national tables fill a few hundred)
# Set in each parse worker (parsers/pool.py): the pool runs one worker per core, so a library that would use every
# core (ONNX Runtime, for OCR: parsers/ocr.py) uses one.
IN_WORKER = "NIANBAO_PARSE_WORKER"
MAX_PDF_PAGES = 300  # a long report has under 100; beyond this, a compilation or a hostile page tree
MAX_PDF_STREAM_BYTES = 32 * 1024 * 1024  # one inflated Flate stream that the parser reads (content, fonts, maps)
MAX_PDF_IMAGE_BYTES = 256 * 1024 * 1024  # one inflated image (an A4 page at 600 dpi in colour is about 100 MB)


def set_address_space(limit: int) -> None:
    """This process's soft RLIMIT_AS, in bytes, kept under the hard limit (a worker of parsers/pool.py; OCR raises its
    own while it reads)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB"


def _inflated(data: memoryview, inflater: zlib._Decompress) -> Iterator[bytes]:
    """What `inflater` makes of `data` up to the end of its stream, 1 MiB at most at a time (64 KiB in): a bomb is
    counted as it inflates, never held. Raises zlib.error on damaged data."""
    for at in range(0, len(data), 1 << 16):
        pending: bytes | memoryview = data[at : at + (1 << 16)]
        while pending and not inflater.eof:
            yield inflater.decompress(pending, 1 << 20)
            pending = inflater.unconsumed_tail
        if inflater.eof:
            return


# --- zip (DOCX) -------------------------------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_MAX_COMMENT = 0xFFFF


def zip_directory_bytes(data: bytes) -> int:
    """The size of the central directory that zipfile would read, from the zip's end record (zip64's when there is
    one); 0 if there is none (zipfile then refuses the file itself)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - _MAX_COMMENT))
    if end < 0 or end + 22 > len(data):
        return 0
    size = int(struct.unpack_from("<L", data, end + 12)[0])
    locator = end - 20
    if locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":  # zip64: its end record says
        record = struct.unpack_from("<Q", data, locator + 8)[0]
        if data[record : record + 4] == b"PK\x06\x06" and record + 56 <= len(data):
            size = max(size, int(struct.unpack_from("<Q", data, record + 40)[0]))
    return size


def read_zip_member(data: bytes, z: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A zip member's bytes, inflated here with a running count that stops past `limit`. The sizes a zip's directory
    states are not trusted: zipfile inflates a whole compressed chunk before it cuts it to the stated size."""
    info = z.getinfo(name)
    if info.flag_bits & 0x1:
        raise ExtractionError(f"{name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ExtractionError(f"{name} uses a compression Word does not write (method {info.compress_type})")
    try:
        signature, *_, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    except struct.error:
        signature = b""
    if signature != b"PK\x03\x04":
        raise ExtractionError(f"{name} is damaged (no local header where the zip directory points)")
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = memoryview(data)[start : start + info.compress_size]
    deflated = info.compress_type == zipfile.ZIP_DEFLATED
    parts: list[bytes] = []
    size = 0
    try:
        for chunk in _inflated(raw, zlib.decompressobj(-zlib.MAX_WBITS)) if deflated else [bytes(raw)]:
            size += len(chunk)
            if size > limit:
                raise ExtractionError(
                    f"zip member {name} inflates to more than {mib(limit)} (the zip's directory says "
                    f"{info.file_size} bytes): refused"
                )
            parts.append(chunk)
    except zlib.error as e:
        raise ExtractionError(f"{name} is damaged ({e})") from e
    content = b"".join(parts)
    if zlib.crc32(content) != info.CRC:
        raise ExtractionError(f"{name} is damaged (its CRC-32 does not match)")
    return content


# --- PDF --------------------------------------------------------------------------------------------------------


def check_pdf(data: bytes) -> None:
    """Refuse a PDF of too many pages, or with a Flate stream that inflates too far, before pdfminer loads it."""
    pages = _page_count(data)
    if pages is not None and pages > MAX_PDF_PAGES:
        raise ExtractionError(f"a PDF of {pages} pages (limit {MAX_PDF_PAGES}): refused unread")
    check_streams(data)


def _page_count(data: bytes) -> int | None:
    """The page count from PDFium, which reads it from the page tree without loading the pages (pdfminer loads
    them all first); None if PDFium cannot open the file (pdfminer may still)."""
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    with document:
        return len(document)


_STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")


def _inflated_size(data: memoryview, limit: int) -> int:
    """How much the zlib stream at the start of `data` inflates to, counted up to just past `limit` (0 if the
    stream is not zlib)."""
    size = 0
    try:
        for chunk in _inflated(data, zlib.decompressobj()):
            size += len(chunk)
            if size > limit:
                break
    except zlib.error:
        pass  # not zlib, or damaged past the point counted
    return size


def check_streams(data: bytes) -> None:
    """Refuse a Flate stream that inflates beyond its limit before pdfminer inflates it whole. Each stream is
    inflated from its start to the end of its own zlib data (its stated /Length and `endstream` are not trusted)."""
    view = memoryview(data)
    for match in _STREAM_START.finditer(data):
        before = data[max(0, match.start() - 2048) : match.start()]
        image = _IMAGE.search(before[before.rfind(b"obj") + 3 :])  # in the stream's own dictionary
        limit = MAX_PDF_IMAGE_BYTES if image else MAX_PDF_STREAM_BYTES
        if _inflated_size(view[match.end() :], limit) > limit:
            what = "an image" if image else "a stream"
            raise ExtractionError(f"a PDF with {what} that inflates to more than {mib(limit)}: refused")
