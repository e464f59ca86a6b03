"""Bad input never raises: it becomes a recorded status with a reason a person can act on."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import SEED_NAMES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import common.libreoffice
import parsers.doc
import parsers.extract
import parsers.limits
from parsers import parse
from parsers.model import ExtractionError
from replica.content import publications
from replica.render import report_docx, report_html

STATUSES = {"ok", "ocr_unverified", "not_report", "no_tables", "needs_ocr", "error"}


def test_truncated_pdf_is_an_error_with_its_reason():
    result = parse(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R")
    assert (result.status, result.format) == ("error", "pdf")
    assert result.error


def test_zip_bomb_docx_is_refused_once_a_part_passes_its_limit():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(260):  # 260 MiB of zeros, a few hundred KiB compressed
                part.write(chunk)
    result = parse(buffer.getvalue())
    assert (result.status, result.format) == ("error", "docx")
    assert result.error == (
        "zip member word/document.xml inflates to more than 32 MiB (the zip's directory says 272629760 bytes): refused"
    )


def test_malformed_html_does_not_raise():
    result = parse(b"<html><body><table><tr><td rowspan=abc colspan=99999>1<td>\xff\xfe<tr><td rowspan=0>")
    assert result.status == "not_report"


def test_gbk_page_without_declared_charset_is_read():
    page = "<html><body><p>袁州区工业和信息化委员会2016年政府信息公开工作年度报告</p><p>一、概述</p></body></html>"
    result = parse(page.encode("gbk"), "text/html")
    assert (result.status, result.template, result.year) == ("ok", "legacy", 2016)
    assert result.agency == "袁州区工业和信息化委员会"


def test_challenge_page_is_not_a_report():
    body = b"<html><head><script>$_ts=window['$_ts'];$_ts.nsd=1;</script></head><body></body></html>"
    assert parse(body, "text/html").status == "not_report"


def test_undecodable_image_is_an_error_with_its_reason():
    # A readable image goes through OCR (tests/test_parse_ocr.py); a broken one says why it was not read.
    result = parse(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert (result.status, result.format) == ("error", "image")
    assert result.error.startswith("an image that cannot be decoded")


def test_huge_input_is_refused(monkeypatch):
    monkeypatch.setattr(parsers.limits, "MAX_INPUT_BYTES", 1000)
    result = parse(b"x" * 1001)
    assert result.status == "error" and "too large" in result.error


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096) | st.text(max_size=2000).map(lambda s: s.encode("utf-8")))
def test_any_bytes_give_a_status_not_an_exception(data):
    result = parse(data)
    assert result.status in STATUSES
    assert result.status == "ok" or result.error


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "\t",
                "\n",
                "0",
                "总计",
                "一、本年新收政府信息公开申请数量",
                "第二十条第（一）项",
                "信息内容",
                "规章",
                " ",
                "/",
                "-3",
                "72.8万元",
                "自然人",
                "行政复议",
            ]
        ),
        max_size=300,
    )
)
def test_table_like_text_gives_a_status_not_an_exception(tokens):
    result = parse("".join(tokens).encode("utf-8"))
    assert result.status in STATUSES


def test_pdf_text_layer_problems_route_to_ocr():
    from parsers.model import Document, Paragraph
    from parsers.pdf import text_layer_problem

    scan = Document([Paragraph("")], format="pdf", pages=3)
    assert text_layer_problem(scan) == "a PDF without a text layer (a scan)"
    no_unicode_map = Document([Paragraph("(cid:1234)" * 40 + "年度报告")], format="pdf", pages=1)
    assert text_layer_problem(no_unicode_map) == "a PDF whose fonts have no Unicode map (40 glyphs read as (cid:N))"
    fine = Document([Paragraph("重庆市巴南区安澜镇人民政府2019年政府信息公开工作年度报告" * 2)], format="pdf", pages=1)
    assert text_layer_problem(fine) is None
    # Two typed pages of text, then the tables as three scanned pages.
    typed = [Paragraph("一、总体情况。本机关认真贯彻落实《条例》，扎实推进政府信息公开工作。" * 4)]
    partly = Document(typed, format="pdf", pages=5, pages_without_text=3)
    assert text_layer_problem(partly, "no_tables") == "3 of 5 PDF pages have no text layer and no table was read"
    assert text_layer_problem(partly, "ok") is None  # e.g. a legacy report with a blank page: read as it is


def _mutated(original: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(original[: max(cut, 1)])
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data)


def _damage():
    return st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), max_size=16), st.integers(0, 2**20)


SEED_DOCX = report_docx(next(p.report for p in publications() if p.report.seed == SEED_NAMES[1]))
SEED_HTML = report_html(next(p.report for p in publications() if p.report.seed == SEED_NAMES[0])).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*_damage())
def test_damaged_docx_gives_a_status_not_an_exception(edits, cut):
    # Damage inside the zip's directory used to escape as NotImplementedError ("zip file version 8.6").
    result = parse(_mutated(SEED_DOCX, edits, cut))
    assert result.status in STATUSES
    assert result.status == "ok" or result.error


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*_damage())
def test_damaged_html_gives_a_status_not_an_exception(edits, cut):
    result = parse(_mutated(SEED_HTML, edits, cut))
    assert result.status in STATUSES
    assert result.status == "ok" or result.error


def test_zip_whose_directory_names_an_unknown_version_is_an_error():
    data = bytearray(SEED_DOCX)
    directory = data.rindex(b"PK\x01\x02")  # the last central directory entry
    data[directory + 6] = 86  # "version needed to extract": 8.6
    result = parse(bytes(data))
    assert (result.status, result.format) == ("error", "zip")


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def test_ole_files_are_told_apart_by_their_streams():
    word = OLE_MAGIC + b"\0" * 500 + "WordDocument".encode("utf-16-le") + b"\0" * 100
    workbook = OLE_MAGIC + b"\0" * 500 + "Workbook".encode("utf-16-le") + b"\0" * 100
    slides = OLE_MAGIC + b"\0" * 500 + "PowerPoint Document".encode("utf-16-le") + b"\0" * 100
    sniffed = [parsers.extract.sniff(d) for d in (word, workbook, slides)]
    assert sniffed == ["doc", "xls", "ole"]
    result = parse(slides)
    assert (result.status, result.format) == ("error", "ole")
    assert result.error == "an OLE file that is neither a Word document nor a workbook (slides?)"
    result = parse(workbook)  # the stream's name, but no workbook in it
    assert (result.status, result.format) == ("error", "xls")
    assert result.error.startswith("not a readable XLS workbook: ")


def test_a_failed_conversion_discards_the_libreoffice_profile(monkeypatch):
    def killed(*args, **kwargs):
        raise common.libreoffice.LibreOfficeError("LibreOffice took more than 120 s converting to docx")

    first = parsers.doc._profile_dir()
    assert parsers.doc._profile_dir() == first  # one per process
    monkeypatch.setattr(common.libreoffice, "convert", killed)
    with pytest.raises(ExtractionError, match="took more than 120 s"):
        parsers.doc.to_docx(b"\xd0\xcf\x11\xe0")
    assert not first.exists()
    assert parsers.doc._profile_dir() != first
