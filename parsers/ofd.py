"""OFD (GB/T 33190 版式文档), the Chinese fixed-layout format some offices publish instead of PDF.

An OFD file is a zip: OFD.xml names the document (DocRoot), whose Document.xml lists the pages, each a Content.xml
of text objects placed in millimetres (TextObject Boundary="x y w h", its TextCode X/Y inside). The text is laid out
as `pdftotext -layout` lays out a PDF: one line of text per baseline, each run at the character column of its x,
so that parsers/layout.py reads its tables by their columns. Members are read through parsers/limits.py.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

from parsers import layout, limits
from parsers.model import Document, ExtractionError

NS = "{http://www.ofdspec.org/2016}"
MM_PER_COLUMN = 1.8  # one character column of the laid-out text (about half a 10.5-point Chinese character)
SAME_LINE_MM = 1.5  # runs whose baselines are this close stand on one line
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _xml(data: bytes, z: zipfile.ZipFile, name: str) -> etree._Element:
    name = name.lstrip("/")
    if name not in z.NameToInfo:
        raise ExtractionError(f"an OFD file without its part {name}")
    return etree.fromstring(limits.read_zip_member(data, z, name, limits.MAX_ZIP_PART_BYTES), _PARSER)


def _width(text: str, size: float) -> float:
    """Millimetres a run takes: a Chinese character its font size, a Latin letter or digit half of it."""
    return sum(size if ord(c) >= 0x2E80 else size / 2 for c in text)


def _runs(page: etree._Element) -> list[tuple[float, float, str, float]]:
    """(baseline y, x, text, font size) of each text run of a page, in millimetres."""
    runs = []
    for obj in page.iter(f"{NS}TextObject"):
        try:
            bx, by, *_ = (float(v) for v in (obj.get("Boundary") or "").split())
            size = float(obj.get("Size") or 3.5)
        except ValueError:
            continue
        for code in obj.iter(f"{NS}TextCode"):
            text = (code.text or "").strip()
            if text:
                runs.append((by + float(code.get("Y") or 0), bx + float(code.get("X") or 0), text, size))
    return sorted(runs)


def _lines(runs: list[tuple[float, float, str, float]]) -> list[str]:
    lines: list[list[tuple[float, str, float]]] = []
    baseline = None
    for y, x, text, size in runs:
        if baseline is None or y - baseline > SAME_LINE_MM:
            lines.append([])
            baseline = y
        lines[-1].append((x, text, size))
    laid_out = []
    for line in lines:
        out, end = "", None
        for x, text, size in sorted(line):
            if end is not None and x - end < size * 0.8:  # the run goes on: one field
                out += text
            else:
                out = out.ljust(max(round(x / MM_PER_COLUMN), len(out) + 2 if out else 0)) + text
            end = x + _width(text, size)
        laid_out.append(out)
    return laid_out


def extract(data: bytes) -> Document:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            root = _xml(data, z, "OFD.xml")
            doc_root = (root.findtext(f".//{NS}DocRoot") or "").strip().lstrip("/")
            document = _xml(data, z, doc_root)
            pages = [p.get("BaseLoc") or "" for p in document.iter(f"{NS}Page")]
            if len(pages) > limits.MAX_PDF_PAGES:
                raise ExtractionError(f"an OFD of {len(pages)} pages (limit {limits.MAX_PDF_PAGES}): refused unread")
            lines: list[str] = []
            for page in pages:
                lines += _lines(_runs(_xml(data, z, posixpath.join(posixpath.dirname(doc_root), page))))
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError) as e:
        raise ExtractionError(f"not a readable OFD document: {e}") from e
    return Document(layout.read(lines), format="ofd")
