"""Scanned reports read by OCR (parsers.ocr): a seed rendered by the project and scanned reads back exactly, image
attachments and image-only PDFs go through OCR, and misreads are corrected by the template's arithmetic only where
exactly one reading fits (parsers.ocr_fix)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from conftest import SEEDS, gold
from PIL import Image

from common.libreoffice import convert
from common.template import templates
from parsers import parse
from parsers.model import ParseResult
from parsers.ocr import verified
from parsers.ocr_fix import as_number, correct, readings
from parsers.pool import Limits, run
from publish.parsing import summary_of
from publish.rows import cell_rows
from publish.select import is_report
from replica.content import publications
from replica.render import report_docx

SEED = "002_5e19d69b53729175"  # its table 三 has numbers other than 0


@pytest.fixture(scope="module")
def table_three_page(tmp_path_factory) -> bytes:
    """The page of the seed that prints table 三, rendered by LibreOffice and scanned at 300 dpi, as a PNG."""
    work = tmp_path_factory.mktemp("ocr-seed")
    source = work / f"{SEED}.docx"
    source.write_bytes(report_docx(next(p.report for p in publications() if p.report.seed == SEED)))
    [pdf_path] = convert([source], "pdf", work / "pdf", work / "profile")
    pdf = pdfium.PdfDocument(pdf_path.read_bytes())
    page = next(p for p in pdf if "本年新收政府信息公开申请数量" in p.get_textpage().get_text_range())
    gray = page.render(scale=300 / 72, grayscale=True).to_numpy().squeeze()
    return cv2.imencode(".png", gray)[1].tobytes()


@pytest.fixture(scope="module")
def read_page(table_three_page) -> ParseResult:
    """Read as the build reads it: in a parse worker, with the default limits, its result sent back by pickle."""
    return dict(run(parse, [("page", (table_three_page,))], 1, Limits()))["page"]


@pytest.mark.slow
def test_scanned_page_gives_table_three_exactly(read_page):
    g = gold(SEED)
    expected = {k: v for k, v in g["cells"].items() if k.startswith("requests.") and k not in g["unscored"]}
    assert {c.key: c.value for c in read_page.cells if c.table == "requests"} == expected
    assert len(expected) == 161  # 23 rows of 7 columns
    assert expected["requests.received.natural_person"] == 1


@pytest.mark.slow
def test_image_attachment_is_read_by_ocr_with_confidences(read_page):
    assert (read_page.status, read_page.format, read_page.method, read_page.template) == ("ok", "image", "ocr", "2019")
    assert {c.method for c in read_page.cells} == {"ocr"}
    assert all(0.5 < c.confidence <= 1 for c in read_page.cells)


@pytest.mark.slow
def test_image_only_pdf_is_read_by_ocr(table_three_page):
    gray = cv2.imdecode(np.frombuffer(table_three_page, np.uint8), cv2.IMREAD_GRAYSCALE)
    buffer = io.BytesIO()
    Image.fromarray(gray[: gray.shape[0] // 4]).save(buffer, "PDF", resolution=300)  # the top of the page only
    result = parse(buffer.getvalue())
    assert (result.format, result.method) == ("pdf", "ocr")
    assert result.warnings[0] == "read by OCR: a PDF without a text layer (a scan)"
    assert "第二十条" in "".join(c or "" for t in result.document.tables for row in t.rows for c in row)


# --- corrections by the arithmetic: cells as OCR would give them, from the seed's text ---------------------------


def as_ocr(name: str) -> ParseResult:
    """The seed's report as if read by OCR, every cell read clearly."""
    result = parse((SEEDS / f"{name}.txt").read_bytes())
    for cell in result.cells:
        cell.method, cell.confidence = "ocr", 0.99
    return result


def misread(result: ParseResult, key: str, raw: str, confidence: float) -> None:
    cell = result.cell_map()[key]
    cell.raw, cell.value, cell.confidence = raw, int(raw), confidence


def test_readings_replace_one_commonly_confused_character():
    assert readings("7") == ["1", "2"]
    assert readings("1O") == ["4O", "7O", "10"]


def test_misread_that_one_reading_fixes_is_corrected_and_marked():
    result = as_ocr(SEED)
    misread(result, "requests.total.natural_person", "7", 0.62)  # printed 1
    warnings: list[str] = []
    assert correct(result.cells, templates()["2019"], result.text, warnings) is False
    cell = result.cell_map()["requests.total.natural_person"]
    assert (cell.raw, cell.value, cell.method) == ("1", 1, "ocr_corrected")
    assert warnings == ["requests.total.natural_person: OCR read '7', corrected to '1' by the table's arithmetic"]
    checked = verified(result)
    assert checked.status == "ok"
    assert [c.status for c in checked.checks if c.key != "narrative_matches_tables"] == ["pass"] * 4


def test_misread_that_two_readings_fix_stays_null_with_a_warning():
    result = as_ocr(SEED)
    # 行政复议 结果维持 printed 0, read 6; its total printed 0, read with doubt: 0 for the one, 6 for the other fit.
    misread(result, "appeals.review.upheld", "6", 0.7)
    misread(result, "appeals.review.total", "0", 0.8)
    checked = verified(result)
    cells = checked.cell_map()
    assert (cells["appeals.review.upheld"].value, cells["appeals.review.total"].value) == (None, None)
    assert {cells["appeals.review.upheld"].method, cells["appeals.review.total"].method} == {"ocr"}
    options = "(appeals.review.upheld = 0, appeals.review.total = 6)"
    assert [w for w in checked.warnings if "OCR read" in w] == [
        f"appeals.review.upheld: OCR read '6', a misread that more than one reading fixes {options}: left blank",
        f"appeals.review.total: OCR read '0', a misread that more than one reading fixes {options}: left blank",
    ]
    assert checked.status == "ocr_unverified"
    assert checked.error == "read by OCR and not verified (a misread with more than one reading left blank)"


def test_confident_reading_stays_as_printed_and_the_report_is_unverified():
    # A number the agency misprinted (or OCR misread with full confidence) is never changed.
    result = as_ocr(SEED)
    misread(result, "requests.total.natural_person", "7", 0.99)
    checked = verified(result)
    assert checked.cell_map()["requests.total.natural_person"].value == 7
    assert checked.status == "ocr_unverified"
    assert checked.error == (
        "read by OCR and not verified (checks failing: requests_balance, requests_row_totals, requests_outcome_total)"
    )


def test_letters_read_for_digits_stand_for_the_digits():
    assert (as_number("O"), as_number("1O"), as_number("l2"), as_number("。")) == ("0", "10", "12", "0")
    assert (as_number("10"), as_number("行政许可"), as_number("Of"), as_number("")) == (None, None, None, None)


def test_ocr_method_and_confidence_reach_the_database_rows():
    result = as_ocr(SEED)
    misread(result, "requests.total.natural_person", "7", 0.62)
    checked = verified(result)
    rows = {(r["table_key"], r["row_key"], r["column_key"]): r for r in cell_rows("r1", checked)}
    assert {k: rows[("requests", "total", "natural_person")][k] for k in ("value", "method", "confidence")} == {
        "value": 1,
        "method": "ocr_corrected",
        "confidence": 0.62,
    }
    assert (rows[("requests", "total", "total")]["method"], rows[("requests", "total", "total")]["confidence"]) == (
        "ocr",
        0.99,
    )
    assert summary_of(checked)["method"] == "ocr"
    assert is_report({"status": "ocr_unverified", "template": "2019"})
