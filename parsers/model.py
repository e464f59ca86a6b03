"""One document model for every format, and the parse result the rest of nianbao consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from common.template import check_specs


class ExtractionError(Exception):
    """A document that cannot be read, with a reason a person can act on."""


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    """A table as a grid. None marks a position covered by a merged cell (its text sits at the merge origin);
    "" is a cell that is really there and blank. Text formats cannot see merges: their rows are simply shorter."""

    rows: list[list[str | None]]


Block = Paragraph | Table


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    format: str = "text"  # html | text | docx | pdf | doc
    title: str | None = None  # from page metadata (<meta name="ArticleTitle">), when there is any
    published_on: str | None = None  # YYYY-MM-DD from page metadata
    source: str | None = None  # <meta name="ContentSource">
    pages: int | None = None  # PDF page count
    pages_without_text: int = 0  # PDF pages with (almost) no text layer: scanned pages
    narrative: str | None = None  # the running text, when an extractor reads it better than the blocks give it
    warnings: list[str] = field(default_factory=list)  # what the extractor read with doubt (e.g. a fallback tool)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Paragraph)]

    def text(self) -> str:
        return self.narrative or "\n".join(self.paragraphs)


@dataclass
class Cell:
    table: str
    row: str
    column: str
    value: int | float | None  # what the document prints, as a number; None for blank, "/", "无" …
    raw: str  # the cell text as printed
    unit: str | None = None  # 元 / 万元, from the cell or its header
    method: str | None = None  # how it was read when not from a text layer: "ocr", or "ocr_corrected" (parsers.ocr_fix)
    confidence: float | None = None  # the OCR recogniser's confidence (0-1); None for text, which is certain

    @property
    def key(self) -> str:
        return f"{self.table}.{self.row}.{self.column}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "raw": self.raw,
            "unit": self.unit,
            "method": self.method,
            "confidence": self.confidence,
        }


@dataclass
class ExtraRow:
    """A row the report adds beyond the template, kept with its own labels, never forced into canonical cells."""

    table: str
    labels: list[str]
    values: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "labels": self.labels, "values": self.values}


@dataclass
class CheckResult:
    key: str
    status: str  # pass | fail | not_assessable
    severity: str  # error | warning
    details: list[dict[str, Any]]  # one entry per column/row checked, with the numbers that decided it

    @property
    def rule(self) -> str:
        """The rule this check tests, as the template spec states it."""
        return check_specs()[self.key].rule

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "status": self.status, "severity": self.severity, "details": self.details}


@dataclass
class ParseResult:
    status: str  # ok | ocr_unverified (read by OCR, checks failing) | not_report | no_tables | needs_ocr | error
    format: str | None = None
    method: str | None = None  # "ocr" when the cells were read from page images; None when from the document's text
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    template: str | None = None  # "2019" | "2021" | "legacy" | None when not a report
    published_on: str | None = None
    cells: list[Cell] = field(default_factory=list)
    extra_rows: list[ExtraRow] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None  # why status is error / needs_ocr / not_report
    warnings: list[str] = field(default_factory=list)  # what was read with doubt, or could not be placed
    text: str = ""  # narrative text (paragraphs), for search
    document: Document | None = None
    # Says something of this run, not of the document (a memory or time limit hit, an archive record that could not
    # be read): such a result is never cached, so the next build tries again.
    transient: bool = False

    def cell_map(self) -> dict[str, Cell]:
        return {c.key: c for c in self.cells}

    def to_record(self) -> dict[str, Any]:
        """Everything the build uses, as JSON-ready data (the parse cache stores this; the document model stays out)."""
        return {**self.as_json(), "text": self.text}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ParseResult:
        return cls(
            status=record["status"],
            format=record["format"],
            method=record.get("method"),  # absent from results cached before OCR existed
            title=record["title"],
            agency=record["agency"],
            year=record["year"],
            template=record["template"],
            published_on=record["published_on"],
            cells=[Cell(**c) for c in record["cells"]],
            extra_rows=[ExtraRow(**r) for r in record["extra_rows"]],
            checks=[CheckResult(**c) for c in record["checks"]],
            error=record["error"],
            warnings=record["warnings"],
            text=record["text"],
        )

    def as_json(self, file: str | None = None) -> dict[str, Any]:
        """The `nianbao parse --json` contract."""
        return {
            "file": file,
            "status": self.status,
            "error": self.error,
            "format": self.format,
            "method": self.method,
            "title": self.title,
            "agency": self.agency,
            "year": self.year,
            "template": self.template,
            "published_on": self.published_on,
            "cells": [c.as_dict() for c in self.cells],
            "extra_rows": [r.as_dict() for r in self.extra_rows],
            "checks": [c.as_dict() for c in self.checks],
            "warnings": self.warnings,
        }
