"""The report page (`/reports/reports/{id}`, template row-reports-reports.html): what it shows, gathered here from the
database and the template spec; the template only lays it out."""

from __future__ import annotations

import json
import re
from typing import Any

from datasette import hookimpl
from datasette.utils import urlsafe_components

from common.template import TABLES, check_specs, table_specs, templates
from publish.report_layout import number, table_grids

TEMPLATE = "row-reports-reports.html"
STATUS_WORDS = {"pass": "通过", "fail": "未通过", "not_assessable": "无法判断"}
SEVERITY_WORDS = {"error": "错误", "warning": "提示"}
_NO_REPORT_BEFORE = re.compile(r"no (\d+) report of this agency in the archive")  # parsers.checks.carry_over_chain
CHANGE_WORDS = {"new": "新发现", "changed": "内容更新", "gone": "已下线"}


async def _rows(db: Any, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in (await db.execute(sql, params)).rows]


def _json_list(text: str | None) -> list[Any]:
    return json.loads(text) if text else []


def _cell_name(template: str, key: str) -> str:
    """A cell key (requests.received.total) in its official labels' words."""
    table, _, rest = key.partition(".")
    row, _, column = rest.partition(".")
    try:
        row_label, column_label = templates()[template].label_of(table, row, column)
    except KeyError:
        return {"stated": "文字所述"}.get(key, key)
    return f"{row_label.split('/')[-1]}｜{column_label.split('/')[-1]}"


def _where(template: str, instance: dict[str, Any]) -> str:
    """Where an instance of a check applies: the column or row all its inputs share, in official words."""
    where = str(instance.get("where", ""))
    tpl = templates().get(template)
    if tpl is None or where == "narrative":
        return {"narrative": "总体情况"}.get(where, where)
    parts = [k.split(".") for k in instance.get("inputs", {}) if k.count(".") == 2]
    table = parts[0][0] if parts else "requests"
    if parts and all(p[1] == where for p in parts):
        labels = {r.key: r.label for r in tpl.rows(table)}
    else:
        labels = {c.key: c.label for c in tpl.columns(table)}
    return labels.get(where, where).split("/")[-1]


def _instance(template: str, instance: dict[str, Any]) -> dict[str, Any]:
    fmt = lambda v: "空白" if v is None else number(v)  # noqa: E731
    inputs = [(_cell_name(template, k), fmt(v)) for k, v in instance.get("inputs", {}).items()]
    if "carried_over" in instance:
        inputs = [
            ("本年上年结转", fmt(instance["carried_over"])),
            ("上年结转下年度", fmt(instance["previous_carried_forward"])),
        ]
    sides = ""
    if "left" in instance:
        sides = f"{number(instance['left'])} {'=' if instance['status'] == 'pass' else '≠'} {number(instance['right'])}"
    return {
        "where": _where(template, instance),
        "status": instance["status"],
        "status_words": STATUS_WORDS.get(instance["status"], instance["status"]),
        "sides": sides,
        "inputs": inputs,
        "note": instance.get("quote")
        or _NO_REPORT_BEFORE.sub(r"档案中没有该机关 \1 年度的报告", instance.get("reason", "")),
    }


def _check(template: str, row: dict[str, Any]) -> dict[str, Any]:
    spec = check_specs().get(row["check_key"])
    instances = [_instance(template, i) for i in _json_list(row["details"])]
    return {
        "key": row["check_key"],
        "title": spec.title if spec else row["check_key"],
        "rule": spec.rule if spec else "",
        "status": row["status"],
        "status_words": STATUS_WORDS.get(row["status"], row["status"]),
        "severity_words": SEVERITY_WORDS.get(row["severity"], row["severity"]),
        "deciding": [i for i in instances if i["status"] != "pass"],
        "passing": [i for i in instances if i["status"] == "pass"],
    }


def _deadline(coverage: dict[str, Any] | None) -> str:
    if not coverage or coverage["days_late"] is None:
        return ""
    days = coverage["days_late"]
    timing = f"逾期 {days} 天" if days > 0 else "按期发布" if days == 0 else f"提前 {-days} 天"
    return f"法定期限 {coverage['deadline']}，{timing}"


def _tables(report: dict[str, Any], cells: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tpl = templates().get(report["template"] or "")
    if tpl is None:
        return []
    by_key = {(c["table_key"], c["row_key"], c["column_key"]): c for c in cells}
    return [
        {
            "key": table,
            "title": tpl.titles[table],
            "grids": table_grids(tpl, table, table_specs()[table].header, by_key),
            "read": any(k[0] == table for k in by_key),
            "extra_rows": [
                {"labels": " / ".join(_json_list(e["labels"])), "cells": _json_list(e["cell_texts"])}
                for e in extra
                if e["table_key"] == table
            ],
        }
        for table in TABLES
    ]


async def report_context(datasette: Any, database: str, report_id: str) -> dict[str, Any]:
    db = datasette.get_database(database)
    params = {"id": report_id}
    found = await _rows(db, "select * from reports where id = :id", params)
    if not found:
        return {}
    report = found[0]
    agency = await _rows(db, "select * from agencies where id = :a", {"a": report["agency_id"]})
    coverage = await _rows(db, "select * from coverage where report_id = :id", params)
    cells = await _rows(db, "select * from cells where report_id = :id", params)
    extra = await _rows(db, "select * from extra_rows where report_id = :id order by table_key, position", params)
    checks = await _rows(db, "select * from checks where report_id = :id", params)
    order = list(check_specs())
    checks.sort(key=lambda c: order.index(c["check_key"]) if c["check_key"] in order else len(order))
    versions = await _rows(db, "select * from report_versions where report_id = :id order by version desc", params)
    changes = await _rows(db, "select * from changes where report_id = :id order by run_id, version", params)
    cell_changes = await _rows(db, "select * from cell_changes where report_id = :id order by run_id", params)
    detail_page = await _rows(db, "select sha256 from documents where url = :u", {"u": report["detail_url"]})
    archive = lambda sha: datasette.urls.path(f"/-/archive/{sha}") if sha else None  # noqa: E731
    return {
        "report": report,
        "agency": agency[0] if agency else None,
        "deadline": _deadline(coverage[0] if coverage else None),
        "tables": _tables(report, cells, extra),
        "checks": [_check(report["template"] or "", c) for c in checks],
        "warnings": _json_list(report["parse_warnings"]),
        "also_at": _json_list(report["also_at"]),
        "archived_document": archive(report["document_sha256"]),
        "archived_detail_page": archive(detail_page[0]["sha256"]) if detail_page else None,
        "versions": [{**v, "archived": archive(v["document_sha256"])} for v in versions],
        "changes": [{**c, "words": CHANGE_WORDS.get(c["change"], c["change"])} for c in changes],
        "cell_changes": [
            {**c, "name": _cell_name(report["template"] or "", f"{c['table_key']}.{c['row_key']}.{c['column_key']}")}
            for c in cell_changes
        ],
    }


@hookimpl
def extra_template_vars(template: str, database: str, request: Any, datasette: Any) -> Any:
    if template != TEMPLATE:
        return {}

    async def page() -> dict[str, Any]:
        (report_id,) = urlsafe_components(request.url_vars["pks"])
        return {"page": await report_context(datasette, database, report_id)}

    return page
