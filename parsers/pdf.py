"""PDF reports with a text layer: pdfplumber tables (merged cells come back as None) and the text around them.

Tables drawn without ruling lines are rebuilt from the positions of the words: one row per line of words, one cell
per word (a gap between words is a cell boundary), the region of such lines between headings being one table.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfplumber.page import Page

from parsers.limits import MAX_PDF_PAGES, check_pdf
from parsers.model import Document, ExtractionError, Paragraph, Table
from parsers.tables import split_row
from parsers.values import MONEY_UNITS, read

_LINE_TOLERANCE = 3.0  # points: words whose tops differ less than this share a line
_SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_HEADER = re.compile(r"第二十条|信息内容|申请人情况|行政复议|自然人")
MIN_COLUMNS_BY_POSITION = 5  # only the wide tables (三: 7 columns, 四: 15) have their blanks placed by position


def _outside(bboxes: list[tuple[float, float, float, float]]) -> Callable[[dict[str, Any]], bool]:
    def keep(obj: dict[str, Any]) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in bboxes)

    return keep


@dataclass
class _Word:
    text: str
    x: float  # horizontal centre


def _word_lines(page: Page) -> list[tuple[float, list[_Word]]]:
    """(top, words) per line, left to right; a unit printed apart from its number (72.8 万元) joins it."""
    words = sorted(page.extract_words(x_tolerance=1.5, y_tolerance=2), key=lambda w: (w["top"], w["x0"]))
    lines: list[list[dict[str, Any]]] = []
    for word in words:
        if lines and word["top"] - lines[-1][0]["top"] < _LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    result = []
    for line in lines:
        cells: list[_Word] = []
        for word in sorted(line, key=lambda w: w["x0"]):
            if cells and word["text"] in MONEY_UNITS and read(cells[-1].text).numeric:
                cells[-1].text += word["text"]
            else:
                cells.append(_Word(word["text"], (word["x0"] + word["x1"]) / 2))
        result.append((line[0]["top"], cells))
    return result


def _is_table_row(cells: list[str]) -> bool:
    """Labels then numbers (行政许可 11 0 168), or a header of short labels (信息内容 本年新制作数量 …); not a line
    of running text that the layout happened to space out (统计期限自 2020 年 1 月 1 日起)."""
    if len(cells) < 2:
        return False
    _, values = split_row(cells)
    if any(read(v).numeric for v in values):
        return True
    return not any(read(c).numeric for c in cells) and all(len(c) <= 40 for c in cells)


def _nearest(anchors: list[float], x: float) -> int:
    return min(range(len(anchors)), key=lambda i: abs(anchors[i] - x))


def _with_blanks(rows: list[list[_Word]]) -> list[list[str]]:
    """A blank cell leaves no word behind. In the wide tables (三 and 四), a row with one or two numbers fewer than
    the table's full rows gets a blank where the full rows have a number and it has none."""
    texts = [[w.text for w in row] for row in rows]
    counts = [len(split_row(t)[1]) for t in texts]
    full = max(counts, default=0)
    if full < MIN_COLUMNS_BY_POSITION:
        return texts
    anchors = [w.x for w in rows[counts.index(full)][-full:]]
    result = []
    for row, text, count in zip(rows, texts, counts, strict=True):
        if full - 2 <= count < full and count:
            slots = [_nearest(anchors, w.x) for w in row[-count:]]
            if all(a < b for a, b in zip(slots, slots[1:], strict=False)):
                values = [""] * full
                for slot, word in zip(slots, row[-count:], strict=True):
                    values[slot] = word.text
                text = text[: len(text) - count] + values
        result.append(text)
    return result


def _blocks_from_words(page: Page) -> list[tuple[float, Paragraph | Table]]:
    """Tables without ruling lines: runs of lines with several cells, with the short lines inside them (wrapped
    labels, 第二十条 block titles); a section heading or a long line ends a table."""
    placed: list[tuple[float, Paragraph | Table]] = []
    region: list[tuple[float, list[_Word]]] = []

    def close() -> None:
        if sum(_is_table_row([w.text for w in words]) for _, words in region) >= 2:
            grid: list[list[str | None]] = [list(r) for r in _with_blanks([words for _, words in region])]
            placed.append((region[0][0], Table(grid)))
        else:
            placed.extend((top, Paragraph(" ".join(w.text for w in words))) for top, words in region)
        region.clear()

    for top, words in _word_lines(page):
        text = " ".join(w.text for w in words)
        if _is_table_row([w.text for w in words]):
            region.append((top, words))
        elif region and len(text) <= 30 and not _SECTION_HEADING.match(text):
            region.append((top, words))
        else:
            close()
            placed.append((top, Paragraph(text)))
    close()
    return placed


def _blocks_of(page: Page) -> list[tuple[float, Paragraph | Table]]:
    found = page.find_tables()
    if not found:
        return _blocks_from_words(page)
    placed: list[tuple[float, Paragraph | Table]] = [(t.bbox[1], Table(t.extract())) for t in found]
    for line in page.filter(_outside([t.bbox for t in found])).extract_text_lines():
        text = line["text"].strip()
        if text:
            placed.append((line["top"], Paragraph(text)))
    return sorted(placed, key=lambda item: item[0])


def _has_header(table: Table) -> bool:
    return bool(_HEADER.search("".join(c or "" for c in table.rows[0])))


def extract(data: bytes) -> Document:
    check_pdf(data)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - pdfminer raises many kinds for a broken file
        raise ExtractionError(f"not a readable PDF: {type(e).__name__}: {e}") from e
    with pdf:
        pages = len(pdf.pages)
        per_page = [[block for _, block in _blocks_of(page)] for page in pdf.pages[:MAX_PDF_PAGES]]
    blank = sum(1 for blocks in per_page if len(_text_of(blocks)) < _MIN_PAGE_TEXT)
    return Document(blocks=join_pages(per_page), format="pdf", pages=pages, pages_without_text=blank)


_MIN_PAGE_TEXT = 20  # characters: a page with less is a scan (or blank)


def _text_of(blocks: list[Paragraph | Table]) -> str:
    return "".join(b.text if isinstance(b, Paragraph) else "".join(c or "" for r in b.rows for c in r) for b in blocks)


# A page number on a line of its own: 3, - 3 -, 第3页, 第 3 页 共 5 页, 3/5.
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,3}\s*页?\s*(?:(?:[/／]|共)\s*\d{1,3}\s*页?)?[-—–\s]*$")


def _continues(table: Table) -> bool:
    """A table at the top of a page without a header of its own continues the table that ended the page before."""
    return bool(table.rows) and not _has_header(table)


def join_pages(pages: list[list[Paragraph | Table]]) -> list[Paragraph | Table]:
    """The blocks of all pages in order, without page numbers, and with a table that a page continues (its first
    block: a table without a header of its own) joined to the table that ended the page before."""
    blocks: list[Paragraph | Table] = []
    for page in pages:
        content = list(page)
        # A page number stands first or last on its page (header or footer); digits elsewhere are content.
        for end in (0, -1):
            edge = content[end] if content else None
            if isinstance(edge, Paragraph) and _PAGE_NUMBER.match(edge.text):
                content.pop(end)
        for index, block in enumerate(content):
            previous = blocks[-1] if blocks else None
            if index == 0 and isinstance(block, Table) and isinstance(previous, Table) and _continues(block):
                blocks[-1] = Table(previous.rows + block.rows)
            else:
                blocks.append(block)
    return blocks


def text_layer_problem(document: Document, status: str = "ok") -> str | None:
    """Why the PDF's text cannot be trusted, if it cannot: no text at all (a scan), scanned pages where the tables
    should be (`status` is what reading the text gave), or glyph codes without a Unicode map, which pdfminer prints
    as (cid:123). Either way the report needs OCR, not a parser fix."""
    text = _text_of(document.blocks)
    if document.pages and len(text) < _MIN_PAGE_TEXT * document.pages:
        return "a PDF without a text layer (a scan)"
    if document.pages_without_text and status == "no_tables":
        # A report title and typed pages, then the tables as scanned images: the tables need OCR. (A blank or
        # seal-only page in a legacy report or a 解读 is no reason.)
        return f"{document.pages_without_text} of {document.pages} PDF pages have no text layer and no table was read"
    cids = len(re.findall(r"\(cid:\d+\)", text))
    if cids and cids * 8 > len(text) * 0.2:
        return f"a PDF whose fonts have no Unicode map ({cids} glyphs read as (cid:N))"
    return None
