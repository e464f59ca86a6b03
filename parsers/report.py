"""The report layer: from a Document to title, agency, year, template, canonical cells and checks."""

from __future__ import annotations

import re

from common.recognise import YEAR, agency_of, chinese_year, is_report_title, year_of
from common.template import legacy_template, template_for_year, templates
from parsers.checks import run_checks
from parsers.labels import signature_date, stated_date
from parsers.model import Document, ParseResult, Table
from parsers.tables import MAPPERS, classify, detect_template

_AGENCY_SUFFIX = re.compile(
    r"(?:政府|办公室|办公厅|局|委员会|委|镇|乡|街道|办事处|中心|院|所|厅|部|署|会|处|队|站|区|县|市)$"
)


def _looks_like_agency(line: str) -> bool:
    s = line.strip()
    return 2 <= len(s) <= 40 and not re.search(r"[。，,；;：:]", s) and bool(_AGENCY_SUFFIX.search(s))


_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")


def tidy_title(title: str) -> str:
    """A title without the spaces PDF text puts between Chinese and digits (竹亭镇 2020 年度… -> 竹亭镇2020年度…)."""
    return _SPACE_BY_CJK.sub("", title.strip())


def find_title(paragraphs: list[str]) -> str | None:
    """The report title among the first lines. It may wrap onto the next line (PDF), and an agency printed on the
    line above belongs to it."""
    lines = [chinese_year(p.strip()) for p in paragraphs[:8]]
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        # A title wrapped onto the next line; never a line (分享到:, a breadcrumb) glued before a whole title.
        wrapped = line + following if following and not is_report_title(following) else ""
        for candidate in (line, wrapped):
            if candidate and len(candidate) <= 80 and is_report_title(candidate):
                if i > 0 and _starts_with_year(candidate) and _looks_like_agency(lines[i - 1]):
                    return lines[i - 1] + candidate
                return candidate
    return None


def _starts_with_year(title: str) -> bool:
    """True when nothing but 关于 stands before the year: the agency must be on the line above."""
    m = YEAR.search(title)
    return m is not None and title[: m.start()].strip() in ("", "关于")


def read_report(doc: Document) -> ParseResult:
    paragraphs = doc.paragraphs
    title = tidy_title(find_title(paragraphs) or doc.title or "") or None
    year = year_of(title) if title else None
    result = ParseResult(
        status="ok",
        format=doc.format,
        title=title,
        agency=agency_of(title) if title else None,
        year=year,
        published_on=doc.published_on or stated_date("\n".join(paragraphs[:12])) or signature_date(paragraphs),
        text=doc.text(),
        document=doc,
        warnings=list(doc.warnings),
    )
    if result.agency is None and doc.source:
        result.agency = doc.source

    kinds: dict[int, str] = {}
    for index, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            kind = classify(block)
            if kind:
                kinds[index] = kind
    tables = [doc.blocks[i] for i in kinds]
    template = detect_template([t for t in tables if isinstance(t, Table)])
    if template is None and tables and year and template_for_year(year) in templates():
        # National tables whose headers name no template-specific column (table 三 alone): the year decides.
        template = template_for_year(year)
        result.warnings.append(f"template {template} taken from the report year: no table header tells")

    if template is None:
        if title and year and template_for_year(year) == legacy_template():
            result.template = legacy_template()
        elif title:
            result.status = "no_tables"
            result.error = "a report title, but none of the national tables (the report may be an attachment)"
        else:
            result.status = "not_report"
            result.error = "no report title and no national tables"
        return result

    result.template = template
    tpl = templates()[template]
    for index, kind in kinds.items():
        block = doc.blocks[index]
        assert isinstance(block, Table)
        mapped = MAPPERS[kind](block, tpl)
        known = {c.key for c in result.cells}
        result.cells += [c for c in mapped.cells if c.key not in known]
        result.extra_rows += mapped.extra_rows
        result.warnings += mapped.problems
    if not result.cells:
        result.status = "error"
        result.error = "national tables found, but no cell could be read: " + "; ".join(result.warnings)[:400]
    result.checks = run_checks(result.cells, tpl, result.text)
    return result
