"""Format detection and dispatch: bytes -> Document -> report. Any failure is a recorded status, never an exception."""

from __future__ import annotations

import io
import resource
import zipfile

from parsers import doc, docx, html, limits, ocr, ofd, pdf, sheet, text
from parsers.model import ExtractionError, ParseResult
from parsers.report import read_report

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
_HTML_MARKERS = (b"<html", b"<!doctype html", b"<head", b"<body", b"<table", b"<div", b"<meta", b"<p>", b"<title")


def sniff(data: bytes, content_type: str | None = None) -> str:
    """The format from the bytes themselves (magic numbers), not from the extension or the server's claim."""
    if data[:1024].lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                for marker, fmt in (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("OFD.xml", "ofd")):
                    if marker in names:
                        return fmt
                return "zip"
        except Exception:  # noqa: BLE001 - a damaged zip raises more than BadZipFile (NotImplementedError, …)
            return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An OLE compound file: Word 97 .doc and Kingsoft .wps hold a "WordDocument" stream (its directory names
        # are UTF-16); spreadsheets (.xls, Kingsoft .et) a "Workbook" (BIFF8) or "Book" (BIFF5) one; slides neither.
        if "WordDocument".encode("utf-16-le") in data:
            return "doc"
        return "xls" if any(n.encode("utf-16-le") in data for n in ("Workbook", "Book")) else "ole"
    if data.startswith(_IMAGE_MAGIC):
        return "image"
    head = data[:2048].lower()
    if any(m in head for m in _HTML_MARKERS) or (content_type or "").lower().startswith(
        ("text/html", "application/xhtml")
    ):
        return "html"
    return "text"


def parse(data: bytes, content_type: str | None = None) -> ParseResult:
    directory = limits.zip_directory_bytes(data) if data.startswith(b"PK\x03\x04") else 0
    if directory > limits.MAX_ZIP_DIRECTORY_BYTES:  # before sniff() has zipfile read it
        error = f"a zip directory of {directory} bytes (limit {limits.mib(limits.MAX_ZIP_DIRECTORY_BYTES)}): refused"
        return ParseResult(status="error", format="zip", error=error)
    fmt = sniff(data, content_type)
    if len(data) > limits.MAX_INPUT_BYTES:
        error = f"input too large: {len(data)} bytes (limit {limits.mib(limits.MAX_INPUT_BYTES)})"
        return ParseResult(status="error", format=fmt, error=error)
    try:
        if fmt == "image":
            return ocr.parse_scanned(data, fmt)
        if fmt == "zip":
            return ParseResult(
                status="error", format=fmt, error="a zip archive that is not a readable DOCX, XLSX or OFD document"
            )
        if fmt == "ole":
            return ParseResult(
                status="error", format=fmt, error="an OLE file that is neither a Word document nor a workbook (slides?)"
            )
        if fmt == "html":
            document = html.extract(data, content_type)
        elif fmt == "docx":
            document = docx.extract(data)
        elif fmt == "pdf":
            result = read_report(document := pdf.extract(data))
            problem = pdf.text_layer_problem(document, result.status)
            if problem:
                scanned = ocr.parse_scanned(data, fmt)
                scanned.warnings.insert(0, f"read by OCR: {problem}")
                return scanned
            return result
        elif fmt == "doc":
            document = doc.extract(data)
        elif fmt == "ofd":
            document = ofd.extract(data)
        elif fmt == "xlsx":
            document = sheet.extract_xlsx(data)
        elif fmt == "xls":
            document = sheet.extract_xls(data)
        else:
            document = text.extract(text.decode(data))
        return read_report(document)
    except MemoryError:
        return ParseResult(status="error", format=fmt, error=_out_of_memory(), transient=True)
    except Exception as e:  # noqa: BLE001 - any failure becomes a recorded status with its reason
        if isinstance(e.__cause__ or e.__context__, MemoryError):  # pdfplumber wraps pdfminer's exceptions
            return ParseResult(status="error", format=fmt, error=_out_of_memory(), transient=True)
        reason = str(e) if isinstance(e, ExtractionError) else f"{type(e).__name__}: {e}"
        return ParseResult(status="error", format=fmt, error=reason[:500])


def _out_of_memory() -> str:
    """Says which limit: in a parse worker, the address space that parsers.pool gave it."""
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return "out of memory: the document needs more than allowed"
    return f"memory limit: parsing needed more than the worker's {limits.mib(limit)} of address space"
