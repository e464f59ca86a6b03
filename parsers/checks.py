"""The template's consistency checks (spec/template.json "checks"). They report; they never change a number.

A check runs over several instances (a column, a row); each instance is pass, fail, or not_assessable when an input
is null or missing. The check fails when any instance fails, else is not_assessable when any instance is, else passes.
"""

from __future__ import annotations

import re
from typing import Any

from common.template import Template
from parsers.model import Cell, CheckResult
from parsers.values import clean

Number = int | float


def _outcome(instances: list[dict[str, Any]]) -> str:
    statuses = {i["status"] for i in instances}
    if "fail" in statuses:
        return "fail"
    if "not_assessable" in statuses or not instances:
        return "not_assessable"
    return "pass"


def _equation(where: str, left: dict[str, Number | None], right: dict[str, Number | None]) -> dict[str, Any]:
    """One instance: sum(left) == sum(right), with the inputs that decided it."""
    inputs = {**left, **right}
    missing = [k for k, v in inputs.items() if v is None]
    if missing:
        return {"where": where, "status": "not_assessable", "null_inputs": missing, "inputs": inputs}
    lhs = sum(v for v in left.values() if v is not None)
    rhs = sum(v for v in right.values() if v is not None)
    status = "pass" if abs(lhs - rhs) < 1e-9 else "fail"
    return {"where": where, "status": status, "left": lhs, "right": rhs, "inputs": inputs}


def _check(key: str, instances: list[dict[str, Any]], severity: str = "error") -> CheckResult:
    return CheckResult(key, _outcome(instances), severity, instances)


def run_checks(cells: list[Cell], tpl: Template, narrative: str = "") -> list[CheckResult]:
    values: dict[str, Number | None] = {c.key: c.value for c in cells}

    def v(key: str) -> Number | None:
        return values.get(key)

    columns = [c.key for c in tpl.requests_columns]
    applicant_columns = [c for c in columns if c != "total"]
    outcome_rows = [
        r.key for r in tpl.requests_rows if r.key not in ("received", "carried_over", "total", "carried_forward")
    ]
    results = [
        _check(
            "requests_balance",
            [
                _equation(
                    col,
                    {
                        f"requests.received.{col}": v(f"requests.received.{col}"),
                        f"requests.carried_over.{col}": v(f"requests.carried_over.{col}"),
                    },
                    {
                        f"requests.total.{col}": v(f"requests.total.{col}"),
                        f"requests.carried_forward.{col}": v(f"requests.carried_forward.{col}"),
                    },
                )
                for col in columns
            ],
        ),
        _check(
            "requests_row_totals",
            [
                _equation(
                    row.key,
                    {f"requests.{row.key}.total": v(f"requests.{row.key}.total")},
                    {f"requests.{row.key}.{c}": v(f"requests.{row.key}.{c}") for c in applicant_columns},
                )
                for row in tpl.requests_rows
            ],
        ),
        _check(
            "requests_outcome_total",
            [
                _equation(
                    col,
                    {f"requests.total.{col}": v(f"requests.total.{col}")},
                    {f"requests.{r}.{col}": v(f"requests.{r}.{col}") for r in outcome_rows},
                )
                for col in columns
            ],
        ),
        _check(
            "appeals_totals",
            [
                _equation(
                    row.key,
                    {f"appeals.{row.key}.total": v(f"appeals.{row.key}.total")},
                    {
                        f"appeals.{row.key}.{c.key}": v(f"appeals.{row.key}.{c.key}")
                        for c in tpl.appeals_columns
                        if c.key != "total"
                    },
                )
                for row in tpl.appeals_rows
            ],
        ),
        narrative_check(narrative, v("requests.received.total"), v("requests.carried_over.total")),
    ]
    return results


_NONE_RECEIVED = re.compile(r"未(?:收到|受理)[^。;]{0,16}?(?:政府信息公开|依申请公开)申请")
_RECEIVED = re.compile(
    r"(?:新)?(?:收到|受理)[^。;,]{0,16}?(?:政府信息公开|依申请公开)?申请(?:共)?(\d+)件(?:\((?:其中)?含上年度?结转(\d+)件\))?"
)


def narrative_check(narrative: str, received: Number | None, carried_over: Number | None) -> CheckResult:
    """The request count stated in the text (收到申请X件) agrees with the table (a warning, never an error)."""
    text = clean(narrative)
    instances: list[dict[str, Any]] = []
    m = _RECEIVED.search(text)
    if m:
        stated = int(m.group(1))
        includes_carried = m.group(2) is not None
        inputs = {"requests.received.total": received}
        if includes_carried:
            inputs["requests.carried_over.total"] = carried_over
        found = _equation("narrative", {"stated": stated}, inputs)
        found["quote"] = m.group(0)
        instances.append(found)
    elif _NONE_RECEIVED.search(text):
        found = _equation("narrative", {"stated": 0}, {"requests.received.total": received})
        found["quote"] = _NONE_RECEIVED.search(text).group(0)  # type: ignore[union-attr]
        instances.append(found)
    return _check("narrative_matches_tables", instances, severity="warning")
