"""Build stage "rows": the database rows of documents, reports, cells and extra rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from common.outcomes import Outcome
from common.recognise import agency_of, is_unit_name, without_extension, year_of
from common.template import templates, yuan_per_unit
from parsers.model import ParseResult
from publish.agencies import NO_REGION
from publish.select import Found

UNKNOWN_AGENCY = "(unknown)"


def add_document(documents: dict[str, dict[str, Any]], fetch: Mapping[str, Any]) -> None:
    """Count a fetch into the row of the distinct payload (by SHA-256) it archived, located at its first fetch."""
    if fetch["outcome"] != Outcome.OK or not fetch["sha256"]:
        return
    doc = documents.get(fetch["sha256"])
    if doc is None:
        documents[fetch["sha256"]] = {
            "sha256": fetch["sha256"],
            "url": fetch["url"],
            "site": fetch["site"],
            "content_type": fetch["content_type"],
            "format": None,
            "size": fetch["length"],
            "first_seen": fetch["fetched_at"],
            "last_seen": fetch["fetched_at"],
            "fetch_count": 1,
            "warc_file": fetch["warc_file"],
            "warc_offset": fetch["warc_offset"],
            "warc_record_id": fetch["warc_record_id"],
        }
    else:
        doc["first_seen"] = min(doc["first_seen"], fetch["fetched_at"])
        doc["last_seen"] = max(doc["last_seen"], fetch["fetched_at"])
        doc["fetch_count"] += 1


def _unit_of(column: str | None) -> str | None:
    """A list column's link text as the publishing unit, when it names one (区财政局; not 政府信息公开年报)."""
    return column if column and is_unit_name(column) else None


def report_row(found: Found, also_at: list[str], region: Mapping[str, str | None] | None) -> dict[str, Any]:
    """A report's row from its parse summary and where it was found; the agency as printed (or as its list says),
    resolved to an agency id (and the report's id) later. Text, warnings and check counts come with the whole result
    when it is written."""
    c, s = found.candidate, found.summary
    return {
        "agency": s["agency"] or agency_of(c.list_title or "") or _unit_of(c.column) or UNKNOWN_AGENCY,
        "year": s["year"] or year_of(c.list_title or ""),
        "title": s["title"] or (without_extension(c.list_title) if c.list_title else None),
        "template": s["template"],
        "published_on": s["published_on"] or found.page["published_on"],
        "site": c.site,
        **(region or NO_REGION),
        "detail_url": c.detail_url,
        "also_at": json.dumps(also_at) if also_at else None,
        "document_url": c.url,
        "document_sha256": c.sha256,
        "format": s["format"],
        "method": s["method"] or "text",
        "parse_status": s["status"],
        "cells_count": s["cells_count"],
        "list_title": c.list_title,
    }


def result_fields(result: ParseResult) -> dict[str, Any]:
    """The report row's fields that need the whole parse result."""
    return {
        "parse_error": result.error,
        "parse_warnings": json.dumps(result.warnings, ensure_ascii=False) if result.warnings else None,
        "body": result.text,
    }


def cell_rows(report_id: str, result: ParseResult) -> list[dict[str, Any]]:
    tpl = templates().get(result.template or "")
    factors = yuan_per_unit()
    rows = []
    for position, c in enumerate(result.cells, 1):
        row_label, column_label = tpl.label_of(c.table, c.row, c.column) if tpl else (None, None)
        factor = factors.get(c.unit or "")
        rows.append(
            {
                "report_id": report_id,
                "table_key": c.table,
                "row_key": c.row,
                "column_key": c.column,
                "row_label": row_label,
                "column_label": column_label,
                "value": c.value,
                "raw": c.raw,
                "unit": c.unit,
                "value_yuan": c.value * factor if factor and c.value is not None else None,
                "position": position,
                "method": c.method or result.format,  # ocr / ocr_corrected, else read from the document's text
                "confidence": c.confidence,  # OCR's; None for text, which is certain
            }
        )
    return rows


def extra_rows(report_id: str, result: ParseResult) -> list[dict[str, Any]]:
    rows = [
        {
            "report_id": report_id,
            "table_key": e.table,
            "position": i,
            "labels": json.dumps(e.labels, ensure_ascii=False),
            "cell_texts": json.dumps(e.values, ensure_ascii=False),
        }
        for i, e in enumerate(result.extra_rows)
    ]
    return sorted(rows, key=lambda e: (e["table_key"], e["position"]))
