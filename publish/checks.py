"""Build stage "checks": each report's own checks (from its parse result) and the cross-year check, which pairs a
report with the same agency's report of the year before (from the parse summaries, not from database rows)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from common.template import templates
from parsers.model import CheckResult, ParseResult

Number = int | float
REQUEST_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")


def carry_over_chain(current: dict[str, Any], previous: dict[str, Any] | None, year: int) -> CheckResult:
    """Same agency: carried_over of year N equals carried_forward of year N-1, per column where both exist."""
    if previous is None:
        reason = f"no {year - 1} report of this agency in the archive"
        return CheckResult(
            "carry_over_chain",
            "not_assessable",
            "error",
            [{"where": "total", "status": "not_assessable", "reason": reason}],
        )
    details = []
    for col in REQUEST_COLUMNS:
        now, before = current.get(f"requests.carried_over.{col}"), previous.get(f"requests.carried_forward.{col}")
        status = "not_assessable" if now is None or before is None else "pass" if now == before else "fail"
        details.append({"where": col, "status": status, "carried_over": now, "previous_carried_forward": before})
    statuses = {d["status"] for d in details}
    status = "fail" if "fail" in statuses else "not_assessable" if "not_assessable" in statuses else "pass"
    return CheckResult("carry_over_chain", status, "error", details)


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
