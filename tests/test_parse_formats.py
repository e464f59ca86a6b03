"""The five seed reports rendered by the project itself as HTML (rowspan/colspan), DOCX (python-docx merges), and
PDF and DOC (LibreOffice from the DOCX) parse to the same gold cells as their text."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import SEED_NAMES, SEEDS, gold
from lxml import etree

import parsers.doc
from common.libreoffice import convert
from parsers import parse
from parsers.model import ExtractionError
from replica.content import publications
from replica.render import report_docx, report_html, report_text


def seed_content(name: str):
    return next(p.report for p in publications() if p.report.seed == name)


def expected_cells(name: str) -> dict:
    g = gold(name)
    return {k: v for k, v in g["cells"].items() if k not in g["unscored"]}


def check(result, name: str) -> None:
    g = gold(name)
    assert result.status == "ok", result.error
    assert (result.template, result.year) == (g["template"], g["year"])
    assert g["agency_contains"] in result.agency
    assert {c.key: c.value for c in result.cells} == expected_cells(name)
    assert {c.key: c.unit for c in result.cells if c.unit} == g["units"]
    # The rest must agree with the seed's own text too: raw cell text, local sub-rows, title, checks.
    seed = parse((SEEDS / f"{name}.txt").read_bytes())
    assert {c.key: c.raw for c in result.cells if c.key in g["cells"]} == {
        c.key: c.raw for c in seed.cells if c.key in g["cells"]
    }
    assert [(e.table, e.labels, e.values) for e in result.extra_rows] == [
        (e.table, e.labels, e.values) for e in seed.extra_rows
    ]
    assert result.title == seed.title
    assert [(c.key, c.status) for c in result.checks] == [(c.key, c.status) for c in seed.checks]


@pytest.mark.parametrize("name", SEED_NAMES)
def test_html(name):
    page = f'<html><head><meta charset="utf-8"></head><body><div class="TRS_Editor">{report_html(seed_content(name))}'
    check(parse(f"{page}</div></body></html>".encode()), name)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_docx(name):
    check(parse(report_docx(seed_content(name))), name)


def without_ruling_lines(docx_bytes: bytes) -> bytes:
    """The same document with its tables drawn without borders, as some reports are."""
    document = docx.Document(io.BytesIO(docx_bytes))
    for table in document.tables:
        table.style = document.styles["Normal Table"]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every seed as PDF, as PDF without table borders, and as DOC: three LibreOffice runs in all."""
    work = tmp_path_factory.mktemp("seed-documents")
    ruled, borderless = [], []
    for name in SEED_NAMES:
        ruled.append(work / "ruled" / f"{name}.docx")
        borderless.append(work / "borderless" / f"{name}.docx")
        ruled[-1].parent.mkdir(exist_ok=True)
        borderless[-1].parent.mkdir(exist_ok=True)
        ruled[-1].write_bytes(report_docx(seed_content(name)))
        borderless[-1].write_bytes(without_ruling_lines(ruled[-1].read_bytes()))
    files = {}
    for fmt, sources, target in (
        ("pdf", ruled, "pdf"),
        ("pdf-borderless", borderless, "pdf"),
        ("doc", ruled, "doc:MS Word 97"),
    ):
        for name, out in zip(SEED_NAMES, convert(sources, target, work / fmt, work / "profile"), strict=True):
            files[(name, fmt)] = out
    return files


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pdf", "pdf-borderless", "doc"])
@pytest.mark.parametrize("name", SEED_NAMES)
def test_libreoffice_formats(converted, name, fmt):
    result = parse(converted[(name, fmt)].read_bytes())
    assert result.format == fmt.split("-")[0]
    check(result, name)


@pytest.mark.parametrize("render", ["text", "html", "docx"])
def test_every_replica_report_reads_back_the_cells_it_prints(render):
    # Generated variations included: both templates, every printed form of an amount, blanks, local sub-rows.
    for publication in publications():
        content = publication.report
        if render == "text":
            data = report_text(content).encode("utf-8")
        elif render == "html":
            data = f'<html><body><div id="zoom">{report_html(content)}</div></body></html>'.encode()
        else:
            data = report_docx(content)
        result = parse(data)
        assert (result.status, result.template, result.year) == ("ok", content.template, content.year), content.slug
        assert {c.key: c.raw for c in result.cells} == content.cells, content.slug
        assert result.warnings == [], content.slug


def in_content_controls(docx_bytes: bytes) -> bytes:
    """The same document with every table and every table row inside a content control (w:sdt), as form-like
    templates deliver them."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

    def wrap(element) -> None:
        sdt = etree.Element(f"{w}sdt")
        etree.SubElement(sdt, f"{w}sdtPr")
        content = etree.SubElement(sdt, f"{w}sdtContent")
        element.addprevious(sdt)
        content.append(element)

    source = zipfile.ZipFile(io.BytesIO(docx_bytes))
    root = etree.fromstring(source.read("word/document.xml"))
    for table in root.iter(f"{w}tbl"):
        for row in list(table.iterchildren(f"{w}tr"))[1:]:
            wrap(row)
        wrap(table)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = etree.tostring(root) if item.filename == "word/document.xml" else source.read(item.filename)
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("name", SEED_NAMES)
def test_docx_tables_inside_content_controls(name):
    data = in_content_controls(report_docx(seed_content(name)))
    assert b"<w:sdtContent><w:tbl>" in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    check(parse(data), name)


@pytest.mark.slow
def test_doc_falls_back_to_antiword_and_says_so(converted, monkeypatch):
    def broken(data: bytes) -> bytes:
        raise ExtractionError("LibreOffice did not produce input.docx")

    monkeypatch.setattr(parsers.doc, "to_docx", broken)
    result = parse(converted[("004_faf2576bdefa9143", "doc")].read_bytes())
    assert (result.status, result.format, result.template, result.year) == ("ok", "doc", "2019", 2019)
    assert result.agency == "重庆市渝北区人民政府王家街道办事处"
    assert result.warnings == [
        "read as text by antiword, tables likely incomplete (LibreOffice did not produce input.docx)"
    ]
    # What antiword does read is read right: table 二 comes through whole; 三 and 四 are lost, never misread.
    gold_cells = expected_cells("004_faf2576bdefa9143")
    assert {c.key: c.value for c in result.cells} == {k: v for k, v in gold_cells.items() if k.startswith("active.")}
