"""HTML report pages: locate the report body on CMS pages, read tables structurally (rowspan/colspan expanded)."""

from __future__ import annotations

import re

import lxml.html
import trafilatura
from lxml import etree

from common.families import body_selectors
from parsers.labels import first_date, stated_date
from parsers.limits import MAX_SPAN, MAX_TABLE_CELLS
from parsers.model import Document, ExtractionError, Paragraph, Table

BODY_CONTAINERS = body_selectors()  # the report body containers of the CMS families, most specific first

_BLOCK_TAGS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "blockquote",
    "pre",
    "tr",
    "td",
    "th",
    "center",
    "header",
    "footer",
    "form",
    "dl",
    "dt",
    "dd",
    "table",
    "tbody",
    "thead",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "select", "option", "button", "iframe", "object"}


def _charset_from_content_type(content_type: str | None) -> str | None:
    m = re.search(r"charset=[\"']?([\w-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def _charset_from_meta(data: bytes) -> str | None:
    m = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    return m.group(1).decode("ascii") if m else None


def decode(data: bytes, content_type: str | None = None) -> str:
    """HTTP charset, then <meta charset>, then UTF-8, then GB18030 (the superset of GBK/GB2312 that sites use)."""
    for name in (_charset_from_content_type(content_type), _charset_from_meta(data)):
        if not name:
            continue
        if name.lower().replace("_", "") in ("gb2312", "gbk", "gb18030", "x-gbk"):
            name = "gb18030"
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _meta(root: etree._Element, name: str) -> str | None:
    for el in root.xpath("//meta[@name]"):
        content = str(el.get("content", "")).strip()
        if el.get("name", "").lower() == name.lower() and content:
            return content
    return None


def _text_len(el: etree._Element) -> int:
    return len(re.sub(r"\s+", "", el.text_content()))


def _link_text_len(el: etree._Element) -> int:
    return sum(_text_len(a) for a in el.iter("a"))


def find_body(root: etree._Element) -> tuple[etree._Element, bool]:
    """The report body: a known CMS container (True), else the deepest block holding most of the page's non-link
    text (False)."""
    for selector in BODY_CONTAINERS:
        found = root.cssselect(selector)
        if found:
            return max(found, key=_text_len), True
    body = root.find("body")
    body = body if body is not None else root
    total = _text_len(body) - _link_text_len(body)
    best = body
    for el in body.iter("div", "td", "section", "article"):
        own = _text_len(el) - _link_text_len(el)
        if own >= 0.6 * total and len(list(el.iterancestors())) > len(list(best.iterancestors())):
            best = el
    return best, False


def _cell_text(cell: etree._Element) -> str:
    parts: list[str] = []
    for node in cell.iter():
        if node.tag in _SKIP_TAGS:
            continue
        if node.tag in ("br", "p", "div") and parts:
            parts.append("\n")
        if node.text and node.tag not in _SKIP_TAGS:
            parts.append(node.text)
        if node is not cell and node.tail:
            parts.append(node.tail)
    return re.sub(r"[ \t\r\f\v\u3000\xa0]+", " ", "".join(parts)).strip()


def _span(cell: etree._Element, name: str) -> int:
    """A rowspan/colspan beyond MAX_SPAN is malformed markup, not a table layout: cut to MAX_SPAN, as browsers cut
    theirs."""
    try:
        return max(1, min(int(re.sub(r"\D", "", cell.get(name, "1")) or 1), MAX_SPAN))
    except ValueError:
        return 1


def table_grid(table: etree._Element) -> Table:
    """Expand rowspan/colspan into a grid: the text at the merge origin, None in every covered position. A table
    of more than MAX_TABLE_CELLS positions is refused before it is expanded."""
    rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    grid: list[list[str | None]] = []
    pending: dict[tuple[int, int], None] = {}  # positions covered by a rowspan from above
    positions = 0
    for r, tr in enumerate(rows):
        out: list[str | None] = []
        c = 0
        for cell in tr.xpath("./td|./th"):
            while (r, c) in pending:
                out.append(None)
                c += 1
            rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
            positions += rowspan * colspan
            if positions > MAX_TABLE_CELLS:
                raise ExtractionError(f"an HTML table of more than {MAX_TABLE_CELLS} cells, spans expanded: refused")
            out.append(_cell_text(cell))
            out.extend([None] * (colspan - 1))
            for dr in range(1, rowspan):
                for dc in range(colspan):
                    pending[(r + dr, c + dc)] = None
            c += colspan
        while (r, c) in pending:
            out.append(None)
            c += 1
        grid.append(out)
    return Table(grid)


def _flush(blocks: list, buf: list[str]) -> None:
    """The inline text gathered so far becomes one paragraph."""
    text = re.sub(r"\s+", " ", "".join(buf)).strip()
    buf.clear()
    if text:
        blocks.append(Paragraph(text))


def _walk(el: etree._Element, blocks: list, buf: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP_TAGS or not tag:
        return
    if tag == "table" and not el.xpath(".//table"):
        _flush(blocks, buf)
        blocks.append(table_grid(el))
        return
    is_block = tag in _BLOCK_TAGS
    if is_block or tag == "br":
        _flush(blocks, buf)
    if el.text:
        buf.append(el.text)
    for child in el:
        _walk(child, blocks, buf)
        if child.tail:
            buf.append(child.tail)
    if is_block:
        _flush(blocks, buf)


def extract(data: bytes, content_type: str | None = None) -> Document:
    text = decode(data, content_type)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    root = lxml.html.document_fromstring(text or "<html></html>")
    body, known_cms = find_body(root)
    blocks: list = []
    buf: list[str] = []
    _walk(body, blocks, buf)
    _flush(blocks, buf)
    title = _meta(root, "ArticleTitle")
    if not title:
        t = root.find(".//title")
        title = t.text_content().strip() if t is not None else None
    pub = _meta(root, "PubDate") or _meta(root, "firstpublishedtime")
    published_on = first_date(pub or "") or stated_date(root.text_content())
    # On a page of an unknown CMS the densest block may still hold menus; trafilatura (slower) knows boilerplate.
    narrative = None if known_cms else trafilatura.extract(text, include_tables=False, include_comments=False)
    return Document(
        blocks=blocks,
        format="html",
        narrative=narrative,
        title=title,
        published_on=published_on,
        source=_meta(root, "ContentSource"),
    )
