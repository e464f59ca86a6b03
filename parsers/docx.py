"""DOCX reports: paragraphs and tables in document order, merged cells marked as in every other format."""

from __future__ import annotations

import io
import zipfile

import docx as python_docx
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from parsers.model import Document, ExtractionError, Paragraph, Table

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # real DOCX parts compress ~10x; a zip bomb compresses thousands of times


def check_zip(data: bytes) -> None:
    """Refuse zip bombs before python-docx inflates anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile as e:
        raise ExtractionError(f"not a readable DOCX (zip): {e}") from e
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ExtractionError(f"DOCX inflates to {total} bytes (limit {MAX_UNCOMPRESSED_BYTES}): refused as a zip bomb")
    for i in infos:
        if i.compress_size and i.file_size / i.compress_size > MAX_COMPRESSION_RATIO and i.file_size > 10_000_000:
            raise ExtractionError(f"DOCX part {i.filename} compressed {i.file_size // i.compress_size}:1: refused")


def _grid(table: DocxTable) -> Table:
    """python-docx repeats a merged cell in every position it covers; keep it at its origin, None elsewhere."""
    elements = [[cell._tc for cell in row.cells] for row in table.rows]
    grid: list[list[str | None]] = []
    for r, row in enumerate(table.rows):
        out: list[str | None] = []
        for c, cell in enumerate(row.cells):
            tc = elements[r][c]
            left = c > 0 and elements[r][c - 1] is tc
            above = r > 0 and c < len(elements[r - 1]) and elements[r - 1][c] is tc
            out.append(None if left or above else "\n".join(p.text for p in cell.paragraphs))
        grid.append(out)
    return Table(grid)


def extract(data: bytes) -> Document:
    check_zip(data)
    document = python_docx.Document(io.BytesIO(data))
    blocks: list[Paragraph | Table] = []
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            text = item.text.strip()
            if text:
                blocks.append(Paragraph(text))
        elif isinstance(item, DocxTable):
            blocks.append(_grid(item))
    title = (document.core_properties.title or "").strip() or None
    return Document(blocks=blocks, format="docx", title=title)
