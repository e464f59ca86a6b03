"""The living archive end to end: the replica crawled, then crawled again as its edition 2 (a full sweep), built
once after the first crawl and once after the second. The database's `changes` must be exactly the replica's
catalogue of changes; report ids hold through versions; the archive still verifies."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from replica.catalog import changes, redesigned

pytestmark = pytest.mark.slow

NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def run(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([NIANBAO, *args], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def crawl(data: Path, server, *options: str) -> None:
    replica = ("--proxy", server.proxy_url, "--replica-ca", str(server.ca_cert_path))
    run("crawl", "--data-dir", str(data), *replica, "--delay", "0", *options)


def query(data: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(data / "reports.db") as db:
        return db.execute(sql, params).fetchall()


@dataclass
class Editions:
    data: Path
    first_ids: dict[str, str]  # detail URL -> report id, built after the first crawl
    run_ids: list[str]  # oldest first


@pytest.fixture(scope="module")
def editions(tmp_path_factory, replica_full_server) -> Editions:
    data = tmp_path_factory.mktemp("editions")
    try:
        replica_full_server.set_edition(1)
        crawl(data, replica_full_server)
        run("build", "--data-dir", str(data))
        first_ids = dict(query(data, "select detail_url, id from reports"))
        replica_full_server.set_edition(2)
        crawl(data, replica_full_server, "--full")  # rulings: only a full sweep may say a report is gone
    finally:
        replica_full_server.set_edition(1)  # the server is shared by the session
    run("build", "--data-dir", str(data))
    run_ids = [r for (r,) in query(data, "select distinct run_id from crawl_runs order by started_at, run_id")]
    return Editions(data, first_ids, run_ids)


def test_the_second_runs_changes_are_the_replicas_catalogue(editions):
    expected = {(c.kind, c.detail_url, c.agency, c.year) for c in changes(edition=2)}
    found = query(editions.data, "select change, detail_url, agency, year from changes where run_id = ?",
                  editions.run_ids[-1])  # fmt: skip
    assert sorted(found) == sorted(expected)
    assert len(expected) == 6  # 3 changed in place, 2 new, 1 gone


def test_each_changed_report_names_its_changed_cells_old_and_new(editions):
    found = query(editions.data, "select detail_url, cells from changes where run_id = ? and change = 'changed'",
                  editions.run_ids[-1])  # fmt: skip
    expected = {
        c.detail_url: {k: list(v) for k, v in c.cells.items()} for c in changes(edition=2) if c.kind == "changed"
    }
    assert {url: json.loads(cells) for url, cells in found} == expected
    for change in changes(edition=2):
        if change.kind == "changed":
            rows = query(
                editions.data,
                "select table_key || '.' || row_key || '.' || column_key, old_raw, new_raw from cell_changes"
                " where run_id = ? and report_id = ?",
                editions.run_ids[-1],
                editions.first_ids[change.detail_url],
            )
            assert {key: (old, new) for key, old, new in rows} == change.cells, change.slug


def test_report_ids_hold_through_versions_and_changed_reports_are_flagged(editions):
    changed = {c.detail_url for c in changes(edition=2) if c.kind == "changed"}
    rows = query(
        editions.data,
        "select detail_url, id, version, versions_count, changed_after_publication, first_published_on, changed_on"
        " from reports",
    )
    by_url = {r[0]: r[1:] for r in rows}
    for url, report_id in editions.first_ids.items():
        assert by_url[url][0] == report_id, url  # the same id before and after the change
    for url in changed:
        _, version, count, flag, first, on = by_url[url]
        assert (version, count, flag) == (2, 2, 1)
        assert first is not None and on is not None and first < on
    unchanged = [r for url, r in by_url.items() if url not in changed]
    assert {(r[1], r[2], r[3]) for r in unchanged} == {(1, 1, 0)}


def test_a_redesigned_page_is_no_new_version(editions):
    (url,) = redesigned(edition=2)
    assert query(editions.data, "select versions_count from reports where detail_url = ?", url) == [(1,)]
    assert query(editions.data, "select count(*) from changes where detail_url = ? and change = 'changed'", url) == [
        (0,)
    ]
    # Yet both captures are archived: the page's bytes changed.
    with sqlite3.connect(editions.data / "archive" / "index.sqlite") as index:
        shas = index.execute("select count(distinct sha256) from fetches where url = ? and status = 200", (url,))
        assert shas.fetchone() == (2,)


def test_the_archive_verifies_after_both_editions(editions):
    proc = run("archive", "verify", "--data-dir", str(editions.data))
    assert proc.stdout.splitlines()[-1].endswith(": all good")
