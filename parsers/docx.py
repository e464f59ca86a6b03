"""DOCX reports: paragraphs and tables in document order, merged cells marked as in every other format.

Reads word/document.xml with lxml directly: python-docx resolves every vertical merge with XPath queries, which made
it the slowest part of parsing a report; the WordprocessingML needed here is small (w:p, w:tbl, w:gridSpan, w:vMerge).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from lxml import etree

from parsers.limits import MAX_SPAN, MAX_TABLE_CELLS, MAX_ZIP_PART_BYTES, read_zip_member
from parsers.model import Document, ExtractionError, Paragraph, Table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _text(element: etree._Element) -> str:
    """The text of a paragraph as Word shows it: runs, tabs and line breaks."""
    parts = []
    for node in element.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        else:
            parts.append("\t" if node.tag == f"{W}tab" else "\n")
    return "".join(parts)


def _property(tc: etree._Element, name: str) -> str | None:
    """A cell property's w:val: w:gridSpan, w:vMerge ("" when present without a value, None when absent)."""
    element = tc.find(f"{W}tcPr/{W}{name}")
    return None if element is None else element.get(f"{W}val", "")


_WRAPPERS = (f"{W}sdt", f"{W}sdtContent", f"{W}customXml")  # content controls and custom XML around content


def _children(parent: etree._Element, *tags: str) -> Iterator[etree._Element]:
    """The children with these tags, also those wrapped in content controls (w:sdt) or custom XML, in order."""
    for child in parent.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, *tags)


def _span(element: etree._Element | None) -> int:
    """w:gridSpan or w:gridBefore, refused beyond MAX_SPAN before any grid position is made."""
    span = int(element.get(f"{W}val", "1")) if element is not None else 1
    if span > MAX_SPAN:
        name = etree.QName(element).localname if element is not None else ""
        raise ExtractionError(f"a DOCX table spans {span} grid columns (w:{name}; limit {MAX_SPAN}): refused")
    return max(1, span)


def _grid(tbl: etree._Element) -> Table:
    """A merged cell's text at its origin, None in each position it covers (across: gridSpan; down: vMerge)."""
    grid: list[list[str | None]] = []
    cells = 0
    for tr in _children(tbl, f"{W}tr"):
        before = tr.find(f"{W}trPr/{W}gridBefore")
        row: list[str | None] = [None] * _span(before) if before is not None else []
        for tc in _children(tr, f"{W}tc"):
            span = _span(tc.find(f"{W}tcPr/{W}gridSpan"))
            continues_above = _property(tc, "vMerge") not in (None, "restart")
            text = "\n".join(_text(p) for p in _children(tc, f"{W}p"))
            row.append(None if continues_above else text)
            row.extend([None] * (span - 1))
        cells += len(row)
        if cells > MAX_TABLE_CELLS:
            raise ExtractionError(f"a DOCX table of more than {MAX_TABLE_CELLS} cells: refused")
        grid.append(row)
    return Table(grid)


def extract(data: bytes) -> Document:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise ExtractionError(f"not a readable DOCX (zip): {e}") from e
    with z:
        try:
            document_xml = read_zip_member(data, z, "word/document.xml", MAX_ZIP_PART_BYTES)
            has_core = "docProps/core.xml" in z.namelist()
            core_xml = read_zip_member(data, z, "docProps/core.xml", MAX_ZIP_PART_BYTES) if has_core else None
        except KeyError as e:
            raise ExtractionError(f"not a readable DOCX (no word/document.xml): {e}") from e
    try:
        body = etree.fromstring(document_xml, _PARSER).find(f"{W}body")
        core = etree.fromstring(core_xml, _PARSER) if core_xml else None
    except etree.XMLSyntaxError as e:
        raise ExtractionError(f"not a readable DOCX (document.xml): {e}") from e
    blocks: list[Paragraph | Table] = []
    for child in _children(body, f"{W}p", f"{W}tbl") if body is not None else []:
        if child.tag == f"{W}p":
            text = _text(child).strip()
            if text:
                blocks.append(Paragraph(text))
        elif child.tag == f"{W}tbl":
            blocks.append(_grid(child))
    title_element = core.find(_DC_TITLE) if core is not None else None
    title = (title_element.text or "").strip() or None if title_element is not None else None
    return Document(blocks=blocks, format="docx", title=title)
