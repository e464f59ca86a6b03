"""The template's consistency checks: one implementation per check of the spec (common/template.json "checks"),
which gives each its rule and severity. They report; they never change a number.

A check runs over several instances (a column, a row); each instance is pass, fail, or not_assessable when an input
is null or missing. The check fails when any instance fails, else is not_assessable when any instance is, else passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from common.template import Label, Template, all_columns, check_specs
from parsers.model import Cell, CheckResult
from parsers.values import clean

Number = int | float
Values = dict[str, Number | None]  # cell key (requests.received.total) -> value
Instance = dict[str, Any]


def _outcome(instances: list[Instance]) -> str:
    statuses = {i["status"] for i in instances}
    if "fail" in statuses:
        return "fail"
    if "not_assessable" in statuses or not instances:
        return "not_assessable"
    return "pass"


def _equation(where: str, left: Values, right: Values) -> Instance:
    """One instance: sum(left) == sum(right), with the inputs that decided it."""
    inputs = {**left, **right}
    missing = [k for k, v in inputs.items() if v is None]
    if missing:
        return {"where": where, "status": "not_assessable", "null_inputs": missing, "inputs": inputs}
    lhs = sum(v for v in left.values() if v is not None)
    rhs = sum(v for v in right.values() if v is not None)
    status = "pass" if abs(lhs - rhs) < 1e-9 else "fail"
    return {"where": where, "status": status, "left": lhs, "right": rhs, "inputs": inputs}


def _check(key: str, instances: list[Instance]) -> CheckResult:
    return CheckResult(key, _outcome(instances), check_specs()[key].severity, instances)


def _cells(values: Values, keys: list[str]) -> Values:
    return {k: values.get(k) for k in keys}


# --- checks of one report --------------------------------------------------------------------------------------


def requests_balance(values: Values, tpl: Template, narrative: str) -> list[Instance]:
    return [
        _equation(
            col.key,
            _cells(values, [f"requests.received.{col.key}", f"requests.carried_over.{col.key}"]),
            _cells(values, [f"requests.total.{col.key}", f"requests.carried_forward.{col.key}"]),
        )
        for col in tpl.requests_columns
    ]


def _row_totals(values: Values, table: str, rows: tuple[Label, ...], columns: tuple[Label, ...]) -> list[Instance]:
    """For every row: its total column is the sum of its other columns."""
    parts = [c.key for c in columns if c.key != "total"]
    return [
        _equation(
            row.key,
            _cells(values, [f"{table}.{row.key}.total"]),
            _cells(values, [f"{table}.{row.key}.{c}" for c in parts]),
        )
        for row in rows
    ]


def requests_row_totals(values: Values, tpl: Template, narrative: str) -> list[Instance]:
    return _row_totals(values, "requests", tpl.requests_rows, tpl.requests_columns)


def requests_outcome_total(values: Values, tpl: Template, narrative: str) -> list[Instance]:
    not_outcomes = ("received", "carried_over", "total", "carried_forward")
    outcomes = [r.key for r in tpl.requests_rows if r.key not in not_outcomes]
    return [
        _equation(
            col.key,
            _cells(values, [f"requests.total.{col.key}"]),
            _cells(values, [f"requests.{r}.{col.key}" for r in outcomes]),
        )
        for col in tpl.requests_columns
    ]


def appeals_totals(values: Values, tpl: Template, narrative: str) -> list[Instance]:
    return _row_totals(values, "appeals", tpl.appeals_rows, tpl.appeals_columns)


_NONE_RECEIVED = re.compile(r"未(?:收到|受理)[^。;]{0,16}?(?:政府信息公开|依申请公开)申请")
_RECEIVED = re.compile(
    r"(?:新)?(?:收到|受理)[^。;,]{0,16}?(?:政府信息公开|依申请公开)?申请(?:共)?(\d+)件(?:\((?:其中)?含上年度?结转(\d+)件\))?"
)


def narrative_matches_tables(values: Values, tpl: Template, narrative: str) -> list[Instance]:
    """The request count stated in the text (收到申请X件) agrees with the table."""
    text = clean(narrative)
    m = _RECEIVED.search(text)
    if m:
        stated = int(m.group(1))
        includes_carried = m.group(2) is not None
        keys = ["requests.received.total", *(["requests.carried_over.total"] if includes_carried else [])]
        found = _equation("narrative", {"stated": stated}, _cells(values, keys))
        return [{**found, "quote": m.group(0)}]
    none = _NONE_RECEIVED.search(text)
    if none:
        found = _equation("narrative", {"stated": 0}, _cells(values, ["requests.received.total"]))
        return [{**found, "quote": none.group(0)}]
    return []


REPORT_CHECKS: dict[str, Callable[[Values, Template, str], list[Instance]]] = {
    "requests_balance": requests_balance,
    "requests_row_totals": requests_row_totals,
    "requests_outcome_total": requests_outcome_total,
    "appeals_totals": appeals_totals,
    "narrative_matches_tables": narrative_matches_tables,
}


def run_checks(cells: list[Cell], tpl: Template, narrative: str = "") -> list[CheckResult]:
    """Every check of one report, in the spec's order."""
    values: Values = {c.key: c.value for c in cells}
    return [
        _check(key, REPORT_CHECKS[key](values, tpl, narrative))
        for key, spec in check_specs().items()
        if spec.scope == "report"
    ]


# --- checks across years -----------------------------------------------------------------------------------------


def carry_over_chain(current: Values, previous: Values | None, year: int) -> CheckResult:
    """Same agency: carried_over of year N equals carried_forward of year N-1, per request column where both exist.
    `previous` holds the cells of the agency's report of year N-1, None when there is none."""
    if previous is None:
        reason = f"no {year - 1} report of this agency in the archive"
        return _check("carry_over_chain", [{"where": "total", "status": "not_assessable", "reason": reason}])
    instances = []
    for col in (c.key for c in all_columns("requests")):
        now, before = current.get(f"requests.carried_over.{col}"), previous.get(f"requests.carried_forward.{col}")
        status = "not_assessable" if now is None or before is None else "pass" if now == before else "fail"
        instances.append({"where": col, "status": status, "carried_over": now, "previous_carried_forward": before})
    return _check("carry_over_chain", instances)


ACROSS_YEARS_CHECKS: dict[str, Callable[[Values, Values | None, int], CheckResult]] = {
    "carry_over_chain": carry_over_chain,
}
# The cells the checks across years read of each report: (table, row) pairs, every column.
ACROSS_YEARS_CELLS = (("requests", "carried_over"), ("requests", "carried_forward"))
