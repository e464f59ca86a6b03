"""PDF reports with a text layer: pdfplumber tables (merged cells come back as None) and the text around them."""

from __future__ import annotations

import io
import re

import pdfplumber

from parsers.model import Document, Paragraph, Table

MAX_PAGES = 300


def _outside(bboxes: list[tuple[float, float, float, float]]):
    def keep(obj: dict) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in bboxes)

    return keep


def extract(data: bytes) -> Document:
    blocks: list[Paragraph | Table] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
        for page in pdf.pages[:MAX_PAGES]:
            found = page.find_tables()
            placed: list[tuple[float, Paragraph | Table]] = []
            for t in found:
                rows = [[None if c is None else c for c in row] for row in t.extract()]
                placed.append((t.bbox[1], Table(rows)))
            text_page = page.filter(_outside([t.bbox for t in found])) if found else page
            for line in text_page.extract_text_lines():
                text = line["text"].strip()
                if text:
                    placed.append((line["top"], Paragraph(text)))
            placed.sort(key=lambda item: item[0])
            for index, (_, block) in enumerate(placed):
                # A table continued from the previous page: same width, no header of its own.
                if (
                    index == 0
                    and isinstance(block, Table)
                    and blocks
                    and isinstance(blocks[-1], Table)
                    and block.rows
                    and len(block.rows[0]) == len(blocks[-1].rows[-1])
                    and not _has_header(block)
                ):
                    blocks[-1].rows.extend(block.rows)
                else:
                    blocks.append(block)
    return Document(blocks=blocks, format="pdf", pages=pages)


def _has_header(table: Table) -> bool:
    first = "".join(c or "" for c in table.rows[0])
    return bool(re.search(r"第二十条|信息内容|申请人情况|行政复议|自然人", first))


def is_scanned(document: Document) -> bool:
    """A PDF whose pages give (almost) no text is a scan: it needs OCR, not a parser fix."""
    chars = sum(len(p) for p in document.paragraphs) + sum(
        len(c or "") for t in document.tables for r in t.rows for c in r
    )
    return bool(document.pages) and chars < 20 * (document.pages or 1)
