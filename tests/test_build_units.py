"""Pieces of the database build that need no archive: what each run fetched and found, coverage and deadlines, and the Datasette
metadata against the schema."""

from __future__ import annotations

import sqlite3

import yaml

from archive.stats import site_runs
from publish.coverage import coverage_rows, deadline
from publish.serve import METADATA
from publish.views import wide_views_sql
from publish.write import SCHEMA


def test_report_pages_attachments_and_outcomes_per_run():
    def fetch(run, url, sha, outcome="ok"):
        return {"run_id": run, "url": url, "sha256": sha, "outcome": outcome, "site": "www.hc.gov.cn"}

    def found(run, url, kind="report_page"):
        return {"run_id": run, "url": url, "kind": kind, "site": "www.hc.gov.cn"}

    fetches = [
        fetch("r1", "a", "1"),
        fetch("r1", "b", "2"),
        fetch("r1", "x", None, "challenge"),
        fetch("r2", "a", "1"),
        fetch("r2", "b", "9"),
        fetch("r2", "c", "3"),
    ]
    discoveries = [
        found("r1", "a"),
        found("r1", "b"),
        found("r2", "a"),
        found("r2", "b"),
        found("r2", "c", "attachment"),
    ]
    # Which reports were new or changed needs their parsed content: tests/test_build_versions.py.
    runs = site_runs(fetches, discoveries)
    r1, r2 = runs[("r1", "www.hc.gov.cn")], runs[("r2", "www.hc.gov.cn")]
    assert (r1.report_pages, r1.attachments) == (2, 0)
    assert (r2.report_pages, r2.attachments) == (2, 1)
    assert (r1.outcomes.fetched, r1.outcomes["ok"], r1.outcomes["challenge"], r1.outcomes.errors) == (3, 2, 1, 0)


def test_legal_deadlines():
    assert deadline("部门", 2023) == "2024-01-31"
    assert deadline("区县", 2023) == "2024-03-31"
    assert deadline("乡镇", 2023) == "2024-01-31"


def test_coverage_lists_found_missing_and_late_years():
    agencies = {"g": {"name": "重庆市合川区人民政府", "site": "www.hc.gov.cn", "level": "区县"}}
    reports = [
        {"id": "r21", "agency_id": "g", "year": 2021, "published_on": "2022-03-20", "parse_status": "ok"},
        {"id": "r23", "agency_id": "g", "year": 2023, "published_on": "2024-04-15", "parse_status": "ok"},
    ]
    rows = coverage_rows(reports, agencies, as_of="2025-05-01T00:00:00Z")
    assert [(r["year"], r["status"], r["deadline"], r["days_late"]) for r in rows] == [
        (2021, "found", "2022-03-31", -11),
        (2022, "missing", "2023-03-31", None),
        (2023, "found", "2024-03-31", 15),
        (2024, "missing", "2025-03-31", None),  # due by the time of the last crawl, and not found
    ]
    # Before its deadline a year is not yet missing.
    assert [r["year"] for r in coverage_rows(reports, agencies, as_of="2025-03-01T00:00:00Z")] == [2021, 2022, 2023]


def test_datasette_metadata_parses_and_names_only_real_tables_and_columns():
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA.read_text(encoding="utf-8"))
    db.executescript(wide_views_sql())
    tables = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["reports"]["tables"]
    for name, meta in tables.items():
        columns = {row[1] for row in db.execute(f"pragma table_info({name})")}
        assert columns, f"metadata describes {name}, which the schema does not create"
        named = set(meta.get("columns", {})) | set(meta.get("facets", [])) | {meta.get("sort_desc") or "rowid"}
        assert named - columns - {"rowid"} == set(), name
    assert set(tables) >= {"reports", "cells", "checks", "agencies", "documents", "fetches", "crawl_runs", "coverage"}
    assert set(tables) >= {"requests_wide", "appeals_wide", "active_wide", "report_summary"}
