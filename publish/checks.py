"""Build stage "checks": each report's own checks (from its parse result) and the cross-year check, which pairs a
report with the same agency's report of the year before (from the parse summaries, not from database rows)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from common.template import templates
from parsers.checks import carry_over_chain
from parsers.model import CheckResult, ParseResult

Number = int | float


class CrossYear:
    """The chain cells of every report with a template, by (agency, year), to pair each with the year before."""

    def __init__(self, reports: Iterable[Mapping[str, Any]], chains: Mapping[str, Mapping[str, Number | None]]):
        self.chains = chains
        self.by_agency_year = {(r["agency_id"], r["year"]): r["id"] for r in reports if r["template"] in templates()}

    def check(self, report: Mapping[str, Any]) -> CheckResult | None:
        if report["template"] not in templates() or not report["year"]:
            return None
        previous = self.by_agency_year.get((report["agency_id"], report["year"] - 1))
        return carry_over_chain(
            dict(self.chains[report["id"]]), dict(self.chains[previous]) if previous else None, report["year"]
        )


def check_rows(report: Mapping[str, Any], result: ParseResult, cross_year: CrossYear) -> list[dict[str, Any]]:
    chain = cross_year.check(report)
    return [
        {
            "report_id": report["id"],
            "check_key": c.key,
            "status": c.status,
            "severity": c.severity,
            "details": json.dumps(c.details, ensure_ascii=False),
        }
        for c in sorted([*result.checks, *([chain] if chain else [])], key=lambda c: c.key)
    ]


def check_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The report row's counts of its checks (errors only: a warning never fails a report)."""
    statuses = Counter(r["status"] for r in rows if r["severity"] == "error")
    return {
        "checks_passed": statuses["pass"],
        "checks_failed": statuses["fail"],
        "checks_not_assessable": statuses["not_assessable"],
    }
