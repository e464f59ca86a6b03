"""Build stage "checks": each report's own checks (from its parse result) and the checks across years, which pair a
report with the same agency's report of the year before (from the parse summaries, not from database rows)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from common.template import templates
from parsers.checks import ACROSS_YEARS_CHECKS
from parsers.model import CheckResult, ParseResult
from publish.select import by_agency_and_year

Values = Mapping[str, int | float | None]


class CrossYear:
    """The checks across years (the spec's `across_years` checks, e.g. carry_over_chain): each report with a template
    is paired with the report that stands for its agency's year before."""

    def __init__(self, reports: Iterable[Mapping[str, Any]], cells: Mapping[str, Values]):
        self.cells = cells  # report id -> the cells the checks read
        self.standing = by_agency_and_year(reports)

    def checks(self, report: Mapping[str, Any]) -> list[CheckResult]:
        if report["template"] not in templates() or not report["year"]:
            return []
        previous = self.standing.get((report["agency_id"], report["year"] - 1))
        before = dict(self.cells[previous["id"]]) if previous else None
        current = dict(self.cells[report["id"]])
        return [check(current, before, report["year"]) for check in ACROSS_YEARS_CHECKS.values()]


def check_rows(report: Mapping[str, Any], result: ParseResult, cross_year: CrossYear) -> list[dict[str, Any]]:
    return [
        {
            "report_id": report["id"],
            "check_key": c.key,
            "status": c.status,
            "severity": c.severity,
            "details": json.dumps(c.details, ensure_ascii=False),
        }
        for c in sorted([*result.checks, *cross_year.checks(report)], key=lambda c: c.key)
    ]


def check_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The report row's counts of its checks (errors only: a warning never fails a report)."""
    statuses = Counter(r["status"] for r in rows if r["severity"] == "error")
    return {
        "checks_passed": statuses["pass"],
        "checks_failed": statuses["fail"],
        "checks_not_assessable": statuses["not_assessable"],
    }
