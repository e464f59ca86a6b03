"""Scanned reports read by OCR: image-only PDF pages (rendered with pypdfium2) and page images (JPG, PNG, …).

Each page is brought to about 300 dpi and straightened; its ruled tables become grids (parsers.ocr_grid) whose cells
are read one text line at a time by RapidOCR's recogniser; the text around the tables is read by RapidOCR's detector
and recogniser. The result is the same Document every other format gives, so the template mapping is shared; each
table cell's text carries the recogniser's confidence (OcrText) into the report's cells.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
from collections.abc import Iterator
from difflib import SequenceMatcher
from functools import cache
from typing import Any

import cv2
import numpy as np

from common.template import templates
from parsers import limits
from parsers.checks import run_checks
from parsers.model import Document, ExtractionError, Paragraph, ParseResult, Table
from parsers.ocr_fix import CORRECTED_METHOD, as_number, correct
from parsers.ocr_grid import Grid, find_tables, straighten
from parsers.pdf import join_pages
from parsers.report import read_report
from parsers.values import is_value_like

OCR_METHOD = "ocr"
PAGE_WIDTH = 2480  # pixels: an A4 page at 300 dpi, the resolution the recogniser reads cells best at
RENDER_DPI = 300
MAX_OCR_PAGES = 20  # a report is a few pages (5-20 s each); a longer scan is read no further than this
MAX_RENDER_SIDE = 7000  # pixels: an A4 page at 300 dpi is 3508 high; a huge page is rendered at a lower resolution
MEMORY_BYTES = 2 * 1024**3  # the rulings: RapidOCR's address space peaks just above 1 GiB on an A4 page at 300 dpi
_CELL_MARGIN = 4  # pixels inside a cell's ruling lines that are never text
_LABEL_SIMILARITY = 0.75  # difflib ratio from which a misread label is taken for the template's spelling
LOOKALIKE_CONFIDENCE = 0.5  # a number read from letters is in doubt: below ocr_fix.LOW_CONFIDENCE


class OcrText(str):
    """A cell's text as OCR read it, with the recogniser's confidence (0–1; the least of its lines) and the method
    ("ocr", or "ocr_corrected" for letters read as the digits they stand for). It passes through the table mappers
    as the str it is, and parsers.tables.make_cell keeps its method and confidence."""

    confidence: float
    method: str

    def __new__(cls, text: str, confidence: float, method: str = OCR_METHOD) -> OcrText:
        made = super().__new__(cls, text)
        made.confidence, made.method = confidence, method
        return made

    def __getnewargs__(self) -> tuple[str, float, str]:  # type: ignore[override]
        # A parse worker's result travels to the build by pickle: without these, it cannot be read back there.
        return str(self), self.confidence, self.method


@cache
def _label_spellings() -> frozenset[str]:
    """Every label the templates print (rows, columns, their parent headers, the 第二十条 items)."""
    found: set[str] = set()
    for tpl in templates().values():
        labels = [*tpl.requests_rows, *tpl.requests_columns, *tpl.appeals_rows, *tpl.appeals_columns]
        for block in tpl.active_blocks:
            labels += [*block.rows, *block.columns]
            found.add(block.item)
        for label in labels:
            found.update(label.spellings)
            found.update(label.path)
    return frozenset(s for s in found if len(s) >= 3)


def _label(text: str) -> str:
    """A label OCR misread in a character or two (（一）子以公开) as the template's spelling it is closest to, when
    one is clearly closest; other text as read. Labels only place the numbers: they are not data."""
    if len(text) < 3 or is_value_like(text) or text in _label_spellings():
        return text
    scored = sorted(((SequenceMatcher(None, text, s).ratio(), s) for s in _label_spellings()), reverse=True)
    (best, spelling), (second, _) = scored[0], scored[1]
    return spelling if best >= _LABEL_SIMILARITY and best - second >= 0.05 else text


def _cell_text(text: str, confidence: float, warnings: list[str]) -> OcrText:
    number = as_number(text)
    if number is not None:
        # Letters read where a number stands (O for 0): read as the digits, with doubt, so the arithmetic checks it.
        warnings.append(f"OCR read {text!r} where a number stands: taken as {number!r}")
        return OcrText(number, min(confidence, LOOKALIKE_CONFIDENCE), CORRECTED_METHOD)
    return OcrText(_label(text), confidence)


_engine: Any = None


def _ocr() -> Any:
    """RapidOCR, loaded once per process (its models ship inside the wheel: nothing is downloaded)."""
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR

        threads = 1 if os.environ.get(limits.IN_WORKER) else -1  # -1: ONNX Runtime's default, every core
        _engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=threads)
    return _engine


def _address_space() -> int:
    """Bytes of address space this process holds now (a worker forked from a large process starts with its own)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


@contextlib.contextmanager
def _ocr_memory() -> Iterator[None]:
    """A parse worker's address-space limit (parsers.pool) raised while OCR runs, to MEMORY_BYTES more than the
    worker holds; memory that OpenCV or ONNX Runtime cannot get is a MemoryError, which says which limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    wanted = _address_space() + MEMORY_BYTES
    raised = soft != resource.RLIM_INFINITY and soft < wanted
    if raised:
        limits.set_address_space(wanted)
    try:
        yield
    except cv2.error as e:
        if "memory" in str(e).lower() or "allocate" in str(e).lower():
            raise MemoryError(str(e)) from e
        raise
    finally:
        if raised:
            limits.set_address_space(soft)


def _normalised(gray: np.ndarray) -> np.ndarray:
    """The page at about PAGE_WIDTH pixels wide: small scans are enlarged (the recogniser misreads small digits),
    huge ones reduced."""
    scale = PAGE_WIDTH / gray.shape[1]
    if 0.9 <= scale <= 1.1:
        return gray
    if scale < 1:
        return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def _text_lines(text_ink: np.ndarray, box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """The boxes of the text lines inside a cell: runs of rows with ink, each cut to the columns with ink."""
    x0, y0, x1, y1 = box[0] + _CELL_MARGIN, box[1] + _CELL_MARGIN, box[2] - _CELL_MARGIN, box[3] - _CELL_MARGIN
    if x1 - x0 < 4 or y1 - y0 < 4:
        return []
    cell = cv2.morphologyEx(text_ink[y0:y1, x0:x1], cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # no specks
    rows = np.flatnonzero(cell.sum(axis=1))
    if rows.size == 0:
        return []
    runs: list[list[int]] = []
    for y in rows.tolist():
        if runs and y - runs[-1][1] <= 4:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    lines = []
    for top, bottom in runs:
        if bottom - top < 8:  # a speck or the remains of a ruling line, not a line of text
            continue
        columns = np.flatnonzero(cell[top : bottom + 1].sum(axis=0))
        pad = 6
        lines.append(
            (
                max(x0 + columns[0] - pad, 0),
                max(y0 + top - pad, 0),
                x0 + columns[-1] + pad + 1,
                y0 + bottom + pad + 1,
            )
        )
    return lines


def _table(gray: np.ndarray, text_ink: np.ndarray, grid: Grid, warnings: list[str]) -> Table:
    """A grid's cells read line by line (all lines of the table in one batch); merged positions None."""
    rows: list[list[str | None]] = [[None] * grid.n_columns for _ in range(grid.n_rows)]
    # The recogniser sees the ink on clean white: a noisy scan's grain around a digit is read as more characters.
    near_ink = cv2.dilate(text_ink, np.ones((5, 5), np.uint8))
    clean = np.where(near_ink > 0, gray, np.uint8(255))
    crops, owners = [], []
    for index, region in enumerate(grid.regions):
        for x0, y0, x1, y1 in _text_lines(text_ink, region.box):
            crops.append(cv2.cvtColor(clean[y0:y1, x0:x1], cv2.COLOR_GRAY2BGR))
            owners.append(index)
    read: list[tuple[str, float]] = _ocr().text_rec(crops)[0] if crops else []
    texts: dict[int, list[tuple[str, float]]] = {}
    for owner, (text, score) in zip(owners, read, strict=True):
        texts.setdefault(owner, []).append((text.strip(), float(score)))
    for index, region in enumerate(grid.regions):
        lines = [(t, s) for t, s in texts.get(index, []) if t]
        # A blank cell has no ink: the absence of text is as certain as a clear reading.
        confidence = min((s for _, s in lines), default=1.0)
        rows[region.row][region.column] = _cell_text("".join(t for t, _ in lines), round(confidence, 4), warnings)
    return Table(rows)


def _paragraphs(gray: np.ndarray, grids: list[Grid]) -> list[tuple[int, Paragraph]]:
    """The text outside the tables, one Paragraph per printed paragraph: a line joins the one before unless it is
    indented (a new paragraph) or the one before ended short (a heading, a paragraph's last line)."""
    page = gray.copy()
    for grid in grids:
        x0, y0, x1, y1 = grid.box
        page[max(y0 - 3, 0) : y1 + 3, max(x0 - 3, 0) : x1 + 3] = 255
    found, _ = _ocr()(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR))
    boxes = []
    for points, text, _score in found or []:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes.append((min(ys), max(ys), min(xs), max(xs), text.strip()))
    lines: list[list[tuple[float, float, float, float, str]]] = []
    for box in sorted(boxes):
        top, bottom = box[0], box[1]
        if lines and top < (lines[-1][0][0] + lines[-1][0][1]) / 2 < bottom:
            lines[-1].append(box)
        else:
            lines.append([box])
    if not lines:
        return []
    left = min(min(b[2] for b in line) for line in lines)
    right = max(max(b[3] for b in line) for line in lines)
    height = float(np.median([b[1] - b[0] for line in lines for b in line]))
    placed: list[tuple[int, Paragraph]] = []
    previous_right = right
    for line in lines:
        line.sort(key=lambda b: b[2])
        text = "".join(b[4] for b in line)
        starts_paragraph = line[0][2] - left > height or previous_right < right - 2 * height
        if placed and not starts_paragraph:
            placed[-1][1].text += text
        else:
            placed.append((int(line[0][0]), Paragraph(text)))
        previous_right = line[-1][3]
    return placed


def read_page(gray: np.ndarray, warnings: list[str]) -> list[Paragraph | Table]:
    """One page image (grey, any resolution) as blocks, top to bottom; what was read with doubt goes to `warnings`."""
    page = straighten(_normalised(gray))
    grids, text_ink = find_tables(page)
    placed: list[tuple[int, Paragraph | Table]] = [(g.box[1], _table(page, text_ink, g, warnings)) for g in grids]
    placed += _paragraphs(page, grids)
    return [block for _, block in sorted(placed, key=lambda item: item[0])]


def _decode(data: bytes) -> np.ndarray:
    """An image file (PNG, JPEG, GIF, TIFF, BMP: its first frame) as grey pixels. Pillow refuses decompression
    bombs (far more pixels than any page scan)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert("L"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise ExtractionError(f"an image that cannot be decoded: {e}") from e


def _pdf_pages(data: bytes, warnings: list[str]) -> Iterator[np.ndarray]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(io.BytesIO(data))
    except pdfium.PdfiumError as e:
        raise ExtractionError(f"not a readable PDF: {e}") from e
    if len(pdf) > MAX_OCR_PAGES:
        warnings.append(f"only the first {MAX_OCR_PAGES} of {len(pdf)} pages read by OCR")
    try:
        for index in range(min(len(pdf), MAX_OCR_PAGES)):
            page = pdf[index]
            scale = min(RENDER_DPI / 72, MAX_RENDER_SIDE / max(page.get_width(), page.get_height(), 1))
            bitmap = page.render(scale=scale, grayscale=True)
            yield bitmap.to_numpy().copy().squeeze()
    finally:
        pdf.close()


def extract(data: bytes, fmt: str) -> Document:
    """A scanned document (fmt "pdf" or "image") as a Document; ExtractionError when it cannot be read."""
    warnings: list[str] = []
    with _ocr_memory():
        images = _pdf_pages(data, warnings) if fmt == "pdf" else iter([_decode(data)])
        pages = [read_page(gray, warnings) for gray in images]
    return Document(blocks=join_pages(pages), format=fmt, pages=len(pages), warnings=warnings)


def parse_scanned(data: bytes, fmt: str) -> ParseResult:
    return verified(read_report(extract(data, fmt)))


def verified(result: ParseResult) -> ParseResult:
    """A report read by OCR, its misreads corrected where the arithmetic allows only one reading. A report whose
    checks still fail (or whose misread had several readings) is `ocr_unverified`, never published as exact."""
    result.method = OCR_METHOD
    for cell in result.cells:
        cell.method = cell.method or OCR_METHOD
    tpl = templates().get(result.template or "")
    if result.status != "ok" or tpl is None:
        return result
    unresolved = correct(result.cells, tpl, result.text, result.warnings)
    result.checks = run_checks(result.cells, tpl, result.text)
    failed = [c.key for c in result.checks if c.status == "fail"]
    if failed or unresolved:
        result.status = "ocr_unverified"
        why = f"checks failing: {', '.join(failed)}" if failed else "a misread with more than one reading left blank"
        result.error = f"read by OCR and not verified ({why})"
    return result
