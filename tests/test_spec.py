"""The template spec (common/template.json) in charge: templates and years, keys in printed order, units, table
markers, checks and the wide views are all read from it."""

from __future__ import annotations

import json
import sqlite3

from conftest import ROOT

from common.template import (
    SPEC_PATH,
    TABLES,
    all_columns,
    all_row_keys,
    check_specs,
    report_templates,
    template_for_year,
    templates,
    yuan_per_unit,
)
from parsers.checks import ACROSS_YEARS_CHECKS, REPORT_CHECKS, run_checks
from parsers.model import Cell, Table
from parsers.tables import REQUESTS_HEADER_CELLS, classify, detect_template
from parsers.values import header_unit, read
from publish.views import wide_views_sql

SCHEMA = ROOT / "publish" / "schema.sql"


def test_templates_apply_to_the_report_years_of_the_spec():
    assert report_templates() == ("2019", "2021", "legacy")
    assert [template_for_year(y) for y in (2008, 2018, 2019, 2020, 2021, 2025)] == [
        "legacy",
        "legacy",
        "2019",
        "2019",
        "2021",
        "2021",
    ]
    assert [(t.report_years.first, t.report_years.last) for t in templates().values()] == [(2019, 2020), (2021, None)]


def test_keys_over_all_templates_keep_each_templates_printed_order():
    assert all_row_keys("appeals") == ("review", "litigation_direct", "litigation_after_review")
    assert [c.key for c in all_columns("active")] == [
        "issued",
        "repealed",
        "in_force",
        "made",
        "published",
        "total_published",
        "previous_items",
        "change",
        "decisions",
        "projects",
        "amount",
    ]
    assert all_row_keys("requests")[19:] == (
        "not_processed_confirmation",
        "other",  # 2019
        "other_no_correction",  # 2021
        "other_unpaid_fee",
        "other_misc",
        "total",
        "carried_forward",
    )
    for tpl in templates().values():
        for table in TABLES:
            own_rows = [r.key for r in tpl.rows(table)]
            own_columns = [c.key for c in tpl.columns(table)]
            assert [k for k in all_row_keys(table) if k in own_rows] == own_rows
            assert [c.key for c in all_columns(table) if c.key in own_columns] == own_columns


def test_money_units_and_their_factor_to_yuan():
    assert yuan_per_unit() == {"元": 1, "万元": 10_000, "亿元": 100_000_000}
    assert [(read(t).value, read(t).unit) for t in ("72.8万元", "517200元", "1.2亿元", "3件")] == [
        (72.8, "万元"),
        (517200, "元"),
        (1.2, "亿元"),
        (3, None),
    ]
    assert header_unit("本年收费金额（单位：万元）") == "万元"
    assert [c.key for c in all_columns("active") if c.money] == ["amount"]


def test_table_headers_and_markers_come_from_the_spec():
    # The parts of the applicant column labels, but not 其他 and 总计, which are row labels too.
    assert REQUESTS_HEADER_CELLS == {
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
    }
    assert classify(Table([["第二十条第（一）项"]])) == "active"
    assert classify(Table([["行政复议", "行政诉讼"], ["1", "0"]])) == "appeals"
    assert classify(Table([["行政复议"], ["1"]])) is None  # one marker is not enough
    assert detect_template([Table([["信息内容", "本年制发件数", "本年废止件数"]])]) == "2021"
    assert detect_template([Table([["自然人"]])]) is None


def test_every_check_of_the_spec_has_exactly_one_implementation():
    assert not set(REPORT_CHECKS) & set(ACROSS_YEARS_CHECKS)
    implemented = {**dict.fromkeys(REPORT_CHECKS, "report"), **dict.fromkeys(ACROSS_YEARS_CHECKS, "across_years")}
    assert {key: c.scope for key, c in check_specs().items()} == implemented
    assert list(check_specs()) == [
        "requests_balance",
        "requests_row_totals",
        "requests_outcome_total",
        "appeals_totals",
        "carry_over_chain",
        "narrative_matches_tables",
    ]


def test_check_results_carry_rule_and_severity_from_the_spec():
    written = {c["key"]: c for c in json.loads(SPEC_PATH.read_text(encoding="utf-8"))["checks"]}
    cells = [Cell("requests", "received", "total", 2, "2"), Cell("requests", "carried_over", "total", 0, "0")]
    results = run_checks(cells, templates()["2021"], "全年共收到政府信息公开申请2件。")
    assert [r.key for r in results] == [k for k, c in check_specs().items() if c.scope == "report"]
    for result in results:
        assert (result.rule, result.severity) == (written[result.key]["rule"], written[result.key]["severity"])
    by_key = {r.key: r for r in results}
    assert by_key["requests_balance"].rule == (
        "for every column c: received[c] + carried_over[c] = total[c] + carried_forward[c]"
    )
    assert (by_key["narrative_matches_tables"].status, by_key["narrative_matches_tables"].severity) == (
        "pass",
        "warning",
    )


def _database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA.read_text(encoding="utf-8"))
    db.executescript(wide_views_sql())
    db.execute("INSERT INTO agencies (id, name) VALUES ('ag-a', '某某县某某镇人民政府')")
    db.executemany(
        "INSERT INTO reports (id, agency_id, agency, year, template) VALUES (?, ?, ?, ?, ?)",
        [("a", "ag-a", "某某镇人民政府", 2020, "2019"), ("b", None, "某某区财政局", 2022, "2021")],
    )
    cells = [
        # report a (2019), rows printed out of key order
        ("a", "requests", "total", "total", "三、本年度办理结果/（七）总计", 4, None),
        ("a", "requests", "received", "natural_person", "一、本年新收政府信息公开申请数量", 3, None),
        ("a", "requests", "received", "total", "一、本年新收政府信息公开申请数量", 4, None),
        ("a", "requests", "other", "total", "三、本年度办理结果/（六）其他处理", 1, None),
        ("a", "appeals", "review", "pending", "行政复议", 1, None),
        ("a", "active", "procurement", "amount", "政府集中采购", 72.8, 728000),
        ("a", "active", "rules", "made", "规章", 2, None),
        # report b (2021)
        ("b", "requests", "other_misc", "total", "三、本年度办理结果/（六）其他处理/3.其他", 2, None),
        ("b", "active", "fees", "amount", "行政事业性收费", 1.5, 15000),
        ("b", "active", "rules", "issued", "规章", 1, None),
    ]
    db.executemany(
        "INSERT INTO cells (report_id, table_key, row_key, column_key, row_label, value, value_yuan, position)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(*cell, position) for position, cell in enumerate(cells, 1)],
    )
    return db


def _view(db: sqlite3.Connection, name: str) -> tuple[list[str], list[tuple]]:
    cursor = db.execute(f"SELECT * FROM {name}")
    return [d[0] for d in cursor.description], cursor.fetchall()


def test_wide_views_are_generated_from_the_spec():
    db = _database()
    head = ["report_id", "agency_id", "agency_name", "agency", "year", "template", "row_order", "row_key", "row_label"]
    columns, rows = _view(db, "requests_wide")
    assert columns == [
        *head,
        "natural_person",
        "commercial",
        "research",
        "social_welfare",
        "legal_services",
        "other_org",
        "total",
    ]
    assert [(r[0], r[6], r[7], r[9], r[-1]) for r in rows] == [
        ("a", 1, "received", 3, 4),
        ("a", 21, "other", None, 1),
        ("a", 25, "total", None, 4),
        ("b", 24, "other_misc", None, 2),
    ]
    columns, rows = _view(db, "appeals_wide")
    assert columns == [*head, "upheld", "corrected", "other", "pending", "total"]
    assert rows == [
        (
            "a",
            "ag-a",
            "某某县某某镇人民政府",
            "某某镇人民政府",
            2020,
            "2019",
            1,
            "review",
            "行政复议",
            None,
            None,
            None,
            1,
            None,
        )
    ]
    columns, rows = _view(db, "active_wide")
    assert columns == [
        *head,
        "issued",
        "repealed",
        "in_force",
        "made",
        "published",
        "total_published",
        "previous_items",
        "change",
        "decisions",
        "projects",
        "amount_yuan",
    ]
    assert [(r[0], r[7], r[9], r[12], r[-1]) for r in rows] == [
        ("a", "rules", None, 2, None),
        ("a", "procurement", None, None, 728000),
        ("b", "rules", 1, None, None),
        ("b", "fees", None, None, 15000),
    ]
