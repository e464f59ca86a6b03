"""The five seeds as other tools give their text: tests/fixtures/other-tools/, made from the project's own renderings.

    .venv/bin/python -m bench.other_text_fixtures        # rewrites tests/fixtures/other-tools/ (needs LibreOffice
                                                         # and pdftotext: scripts/install-system-packages)

Seven kinds per seed (NAME.KIND.txt; NAME.KIND.md for the Markdown ones, NAME.ofd.ofd for the OFD):
- flat: the HTML page (replica.render.report_html) as web archivers flatten it: a line per paragraph and per table
  row, the row's cells glued with all whitespace between them dropped (一、本年新收政府信息公开申请数量801000081);
- pdftotext and pdftotext-layout: poppler's pdftotext, default and -layout, on the PDF LibreOffice makes of the
  seed's DOCX (as the replica serves it);
- markdown: a PDF converter's Markdown: the paragraphs, and the PDF's tables as pdfplumber finds them, written as
  pipe tables without padding; merged cells are empty, a row's leading empty cells are dropped and a table broken
  over a page continues with its own column count, so the rows do not line up;
- markdown-repeated: Markdown as converters that repeat a merged cell's text in every cell it covers write it, from
  the HTML tables' spans (本年增/减 | 本年增/减 over a value and its copy);
- ofd: the PDF written as an OFD converter writes it (a text object per word, placed in millimetres).
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pdfplumber
from lxml import html as lxml_html

from common.libreoffice import convert
from replica.content import publications
from replica.model import ReportContent, TableSlot
from replica.render import report_docx, report_html, table_rows

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "other-tools"
SEEDS = ROOT / "replica" / "content" / "seeds"
KINDS = ("flat", "flat-tables", "pdftotext", "pdftotext-layout", "markdown", "markdown-repeated", "ofd")


def fixture_path(name: str, kind: str) -> Path:
    return OUT / f"{name}.{kind}.{'md' if kind.startswith('markdown') else 'ofd' if kind == 'ofd' else 'txt'}"


def seed_content(name: str) -> ReportContent:
    return next(p.report for p in publications() if p.report.seed == name)


def _text(element: lxml_html.HtmlElement) -> str:
    return "".join(element.itertext()).strip()


def flattened(page_html: str, *, row_lines: bool = True) -> str:
    """A line per paragraph and per table row (or per table: row_lines=False); a row's cells glued without any
    whitespace between them."""
    root = lxml_html.fragment_fromstring(page_html, create_parent="div")
    lines = []
    for element in root:
        if element.tag == "table":
            rows = ["".join(re.sub(r"\s+", "", _text(td)) for td in tr.iter("td")) for tr in element.iter("tr")]
            lines += rows if row_lines else ["".join(rows)]
        else:
            lines.append(_text(element))
    return "\n".join(line for line in lines if line) + "\n"


def _md_cell(text: str | None) -> str:
    return (text or "").strip().replace("\n", "<br>").replace("|", "\\|")


def _without_leading_blanks(row: list[str | None]) -> list[str | None]:
    while len(row) > 1 and not (row[0] or "").strip():
        row = row[1:]
    return row


def markdown(pdf: bytes) -> str:
    """Paragraph lines and pipe tables in page order, as a PDF-to-Markdown converter writes them."""
    out: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]

            def outside(obj: dict[str, Any], boxes: list[Any] = boxes) -> bool:
                x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

            items = [(line["top"], line["text"]) for line in page.filter(outside).extract_text_lines()]
            for table in tables:
                rows = [_without_leading_blanks(row) for row in table.extract()]
                lines = ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
                lines.insert(1, "|" + "---|" * len(rows[0]))
                items.append((table.bbox[1], "\n" + "\n".join(lines) + "\n"))
            out += [text for _, text in sorted(items, key=lambda item: item[0])]
    return "\n".join(out) + "\n"


_OFD = "http://www.ofdspec.org/2016"
_MM_PER_POINT = 25.4 / 72


def ofd(pdf: bytes) -> bytes:
    """The PDF as an OFD (GB/T 33190) converter writes it: a zip of page XML, one TextObject per word of the PDF
    (pdfplumber's words), placed in millimetres, with its font size; no ruling lines (they do not matter here)."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            objects = []
            for n, word in enumerate(page.extract_words(), 1):
                x, y = word["x0"] * _MM_PER_POINT, word["top"] * _MM_PER_POINT
                w, h = (word["x1"] - word["x0"]) * _MM_PER_POINT, (word["bottom"] - word["top"]) * _MM_PER_POINT
                text = word["text"].replace("&", "&amp;").replace("<", "&lt;")
                objects.append(
                    f'<ofd:TextObject ID="{n}" Boundary="{x:.2f} {y:.2f} {w:.2f} {h:.2f}" Font="1" Size="{h:.2f}">'
                    f'<ofd:TextCode X="0" Y="{h * 0.85:.2f}">{text}</ofd:TextCode></ofd:TextObject>'
                )
            pages.append(f'<ofd:Page xmlns:ofd="{_OFD}"><ofd:Content><ofd:Layer>{"".join(objects)}</ofd:Layer>'
                         "</ofd:Content></ofd:Page>")  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<ofd:OFD xmlns:ofd="{_OFD}" Version="1.0"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
                              "</ofd:DocRoot></ofd:DocBody></ofd:OFD>")  # fmt: skip
        listed = "".join(f'<ofd:Page ID="{i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        z.writestr(
            "Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="{_OFD}"><ofd:Pages>{listed}</ofd:Pages></ofd:Document>'
        )
        for i, content in enumerate(pages):
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", content)
    return out.getvalue()


def markdown_repeated(content: ReportContent) -> str:
    """Title, paragraphs and pipe tables whose merged cells repeat their text in every position they cover."""
    out = list(content.title_lines)
    for block in content.blocks:
        if not isinstance(block, TableSlot):
            out.append(block.text)
            continue
        grid: dict[tuple[int, int], str] = {}
        for r, row in enumerate(table_rows(block.kind, content)):
            c = 0
            for cell in row:
                while (r, c) in grid:
                    c += 1
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        grid[(r + dr, c + dc)] = cell.text
                c += cell.colspan
        n_rows, n_cols = max(r for r, _ in grid) + 1, max(c for _, c in grid) + 1
        lines = ["| " + " | ".join(_md_cell(grid.get((r, c))) for c in range(n_cols)) + " |" for r in range(n_rows)]
        lines.insert(1, "|" + "---|" * n_cols)
        out += ["", *lines, ""]
    return "\n".join(out) + "\n"


def main() -> None:
    names = sorted(p.stem for p in SEEDS.glob("*.txt"))
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nianbao-other-tools-") as tmp:
        work = Path(tmp)
        sources = []
        for name in names:
            sources.append(work / f"{name}.docx")
            sources[-1].write_bytes(report_docx(seed_content(name)))
        pdfs = convert(sources, "pdf", work / "pdf", work / "profile")
        for name, pdf in zip(names, pdfs, strict=True):
            page = report_html(seed_content(name))
            fixture_path(name, "flat").write_text(flattened(page), encoding="utf-8")
            fixture_path(name, "flat-tables").write_text(flattened(page, row_lines=False), encoding="utf-8")
            for kind, options in (("pdftotext", []), ("pdftotext-layout", ["-layout"])):
                text = subprocess.run(
                    ["pdftotext", *options, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
                ).stdout
                fixture_path(name, kind).write_bytes(text)
            fixture_path(name, "markdown").write_text(markdown(pdf.read_bytes()), encoding="utf-8")
            fixture_path(name, "ofd").write_bytes(ofd(pdf.read_bytes()))
            repeated = markdown_repeated(seed_content(name))
            fixture_path(name, "markdown-repeated").write_text(repeated, encoding="utf-8")
            print(f"{name}: {', '.join(KINDS)}")
    print(f"written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
