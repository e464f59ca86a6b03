"""`nianbao export --to DIR`: a dated release of reports.db as a Frictionless data package (CSV with a BOM), Parquet
per table, one ZIP, checksums and the change list against the previous release."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT
from tool_venvs import tool_bin

from publish.export import export

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
FRICTIONLESS = "frictionless==5.21.0"
DAY = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
TABLES = [
    "sites",
    "agencies",
    "documents",
    "reports",
    "report_versions",
    "changes",
    "cell_changes",
    "cells",
    "extra_rows",
    "check_rules",
    "checks",
    "fetches",
    "crawl_runs",
    "coverage",
]


def make_database(path: Path) -> Path:
    """A small reports.db with the build's schema: 安澜镇 2019 in two versions, 漷县镇 2020 in one, from a site not
    in the registry (as a --start-url crawl makes); a blank cell (null) beside a 0."""
    with closing(sqlite3.connect(path)) as db:
        db.executescript((ROOT / "publish" / "schema.sql").read_text(encoding="utf-8"))
        db.execute("INSERT INTO sites (host, name, admin_code) VALUES ('www.anlan.gov.cn', '安澜镇人民政府', '1')")
        db.execute("INSERT INTO agencies (id, name, site) VALUES ('a1', '安澜镇人民政府', 'www.anlan.gov.cn')")
        db.execute("INSERT INTO agencies (id, name, site) VALUES ('a2', '漷县镇人民政府', 'www.anlan.gov.cn')")
        for sha in ("d1", "d2", "d3"):
            db.execute("INSERT INTO documents (sha256, url) VALUES (?, ?)", (sha, f"http://www.anlan.gov.cn/{sha}"))
        db.execute(
            "INSERT INTO reports (id, agency_id, agency, year, title, document_sha256, version, versions_count, body) "
            "VALUES ('a1-2019', 'a1', '安澜镇', 2019, '安澜镇2019年政府信息公开工作年度报告', 'd2', 2, 2, '行政复议\n0 件')"
        )
        db.execute(
            "INSERT INTO reports (id, agency_id, agency, year, title, document_sha256, version, versions_count, site) "
            "VALUES ('a2-2020', 'a2', '漷县镇', 2020, '漷县镇2020年政府信息公开工作年度报告', 'd3', 1, 1, 'www.x.gov.cn')"
        )
        db.execute(
            "INSERT INTO report_versions (report_id, version, document_sha256, superseded_by) VALUES "
            "('a1-2019', 1, 'd1', 2), ('a1-2019', 2, 'd2', NULL), ('a2-2020', 1, 'd3', NULL)"
        )
        cells = [
            ("a1-2019", "requests", "received", "total", "收到申请数", "总计", 12, "12", 30),
            ("a1-2019", "appeals", "review", "total", "行政复议", "总计", 0, "0", 80),
            ("a1-2019", "active", "charges", "amount", "行政事业性收费", "本年收费金额", None, "/", 10),
            ("a2-2020", "requests", "received", "total", "收到申请数", "总计", 3.5, "3.5", 30),
        ]
        db.executemany(
            "INSERT INTO cells (report_id, table_key, row_key, column_key, row_label, column_label, value, raw, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            cells,
        )
        db.commit()
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return make_database(tmp_path / "reports.db")


def test_a_release_holds_every_table_as_csv_and_parquet_with_its_schema(database: Path, tmp_path: Path) -> None:
    release = export(database, tmp_path / "out", progress=lambda _: None, now=DAY)
    assert release.folder == tmp_path / "out" / "nianbao-2026-12-03-r1"
    assert list(release.rows) == TABLES
    assert sorted(p.name for p in (release.folder / "data").iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    assert sorted(p.name for p in (release.folder / "parquet").iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    package = json.loads((release.folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC0-1.0"
    assert package["id"] == "nianbao-2026-12-03-r1"
    resources = {r["name"]: r for r in package["resources"]}
    cells = resources["cells"]
    assert cells["description"].startswith("单元格 — one row per (report, table, row, column)")
    assert cells["schema"]["primaryKey"] == ["report_id", "table_key", "row_key", "column_key"]
    assert cells["schema"]["foreignKeys"] == [
        {"fields": ["report_id"], "reference": {"resource": "reports", "fields": ["id"]}}
    ]
    types = {f["name"]: f["type"] for f in cells["schema"]["fields"]}
    assert (types["value"], types["raw"], types["report_id"]) == ("number", "string", "string")
    assert {f["name"]: f["type"] for f in resources["reports"]["schema"]["fields"]}["year"] == "integer"
    # reports.site -> sites is not declared: a report's site is not in the sites table
    assert [k["reference"]["resource"] for k in resources["reports"]["schema"]["foreignKeys"]] == [
        "documents",
        "agencies",
    ]


def test_csv_starts_with_a_bom_and_keeps_chinese_blank_and_zero(database: Path, tmp_path: Path) -> None:
    release = export(database, tmp_path / "out", progress=lambda _: None, now=DAY)
    raw = (release.folder / "data" / "cells.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfreport_id,table_key,")
    rows = {(r["report_id"], r["row_key"]): r for r in read_csv(release.folder / "data" / "cells.csv")}
    assert rows[("a1-2019", "review")]["value"] == "0"
    assert rows[("a1-2019", "review")]["row_label"] == "行政复议"
    assert rows[("a1-2019", "charges")]["value"] == ""
    assert rows[("a1-2019", "charges")]["raw"] == "/"
    assert rows[("a2-2020", "received")]["value"] == "3.5"
    reports = read_csv(release.folder / "data" / "reports.csv")
    assert reports[0]["body"] == "行政复议\n0 件"


def test_parquet_reads_back_with_its_row_counts_blank_as_null_and_zero_as_zero(database: Path, tmp_path: Path) -> None:
    release = export(database, tmp_path / "out", progress=lambda _: None, now=DAY)
    assert release.rows["cells"] == 4
    for table in TABLES:
        assert pq.read_metadata(release.folder / "parquet" / f"{table}.parquet").num_rows == release.rows[table]
    cells = pq.read_table(release.folder / "parquet" / "cells.parquet").to_pylist()
    values = {(c["report_id"], c["row_key"]): c["value"] for c in cells}
    assert values == {
        ("a1-2019", "received"): 12.0,
        ("a1-2019", "review"): 0.0,
        ("a1-2019", "charges"): None,
        ("a2-2020", "received"): 3.5,
    }
    reports = pq.read_table(release.folder / "parquet" / "reports.parquet").to_pylist()
    assert [(r["id"], r["year"], r["agency"]) for r in reports] == [
        ("a1-2019", 2019, "安澜镇"),
        ("a2-2020", 2020, "漷县镇"),
    ]


def test_superseded_versions_are_included_and_marked(database: Path, tmp_path: Path) -> None:
    release = export(database, tmp_path / "out", progress=lambda _: None, now=DAY)
    versions = read_csv(release.folder / "data" / "report_versions.csv")
    assert [(v["report_id"], v["version"], v["superseded_by"], v["superseded"]) for v in versions] == [
        ("a1-2019", "1", "2", "1"),
        ("a1-2019", "2", "", "0"),
        ("a2-2020", "1", "", "0"),
    ]


def test_checksums_match_the_files_and_the_zip_holds_the_release(database: Path, tmp_path: Path) -> None:
    release = export(database, tmp_path / "out", progress=lambda _: None, now=DAY)
    listed = {}
    for line in (release.folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ")
        listed[name] = digest
    files = {p.relative_to(release.folder).as_posix() for p in release.folder.rglob("*") if p.is_file()}
    assert set(listed) == files - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((release.folder / name).read_bytes()).hexdigest() == digest
    zip_sum = (tmp_path / "out" / "nianbao-2026-12-03-r1.zip.sha256").read_text(encoding="utf-8")
    assert zip_sum == f"{hashlib.sha256(release.zip.read_bytes()).hexdigest()}  nianbao-2026-12-03-r1.zip\n"
    with zipfile.ZipFile(release.zip) as z:
        assert sorted(z.namelist()) == sorted(f"nianbao-2026-12-03-r1/{name}" for name in files)
        assert z.read("nianbao-2026-12-03-r1/data/cells.csv") == (release.folder / "data" / "cells.csv").read_bytes()


def test_a_second_release_lists_reports_added_changed_and_removed(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = export(database, out, progress=lambda _: None, now=DAY)
    assert read_csv(first.folder / "release_changes.csv") == [
        {"report_id": "a1-2019", "change": "added", "previous_version": "", "version": "2"},
        {"report_id": "a2-2020", "change": "added", "previous_version": "", "version": "1"},
    ]
    with closing(sqlite3.connect(database)) as db:
        db.execute("UPDATE report_versions SET superseded_by = 3 WHERE report_id = 'a1-2019' AND version = 2")
        db.execute("INSERT INTO report_versions (report_id, version, document_sha256) VALUES ('a1-2019', 3, 'd3')")
        db.execute("UPDATE reports SET version = 3, versions_count = 3 WHERE id = 'a1-2019'")
        db.execute("DELETE FROM cells WHERE report_id = 'a2-2020'")
        db.execute("DELETE FROM report_versions WHERE report_id = 'a2-2020'")
        db.execute("DELETE FROM reports WHERE id = 'a2-2020'")
        db.execute("INSERT INTO reports (id, agency_id, year, version) VALUES ('a2-2021', 'a2', 2021, 1)")
        db.commit()
    second = export(database, out, progress=lambda _: None, now=datetime(2026, 12, 10, tzinfo=UTC))
    assert second.folder.name == "nianbao-2026-12-10-r2"
    assert second.previous == "nianbao-2026-12-03-r1"
    assert second.changes == {"added": 1, "changed": 1, "gone": 0, "removed": 1}
    assert read_csv(second.folder / "release_changes.csv") == [
        {"report_id": "a1-2019", "change": "changed", "previous_version": "2", "version": "3"},
        {"report_id": "a2-2020", "change": "removed", "previous_version": "1", "version": ""},
        {"report_id": "a2-2021", "change": "added", "previous_version": "", "version": "1"},
    ]
    assert first.folder.is_dir() and first.zip.is_file()  # earlier releases stay
    listed = json.loads((out / "releases.json").read_text(encoding="utf-8"))
    assert [(r["name"], r["date"], r["zip"]) for r in listed] == [
        ("nianbao-2026-12-10-r2", "2026-12-10", "nianbao-2026-12-10-r2.zip"),
        ("nianbao-2026-12-03-r1", "2026-12-03", "nianbao-2026-12-03-r1.zip"),
    ]
    assert listed[1]["sha256"] == hashlib.sha256(first.zip.read_bytes()).hexdigest()


def test_an_interrupted_export_leaves_no_release_and_is_cleaned_up(database: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".partial-nianbao-2026-12-03-r1" / "data").mkdir(parents=True)
    release = export(database, out, progress=lambda _: None, now=DAY)
    assert release.folder.name == "nianbao-2026-12-03-r1"  # a partial folder is not a release
    assert sorted(p.name for p in out.iterdir()) == [
        "nianbao-2026-12-03-r1",
        "nianbao-2026-12-03-r1.zip",
        "nianbao-2026-12-03-r1.zip.sha256",
        "releases.json",
    ]


def test_the_command_exports_the_data_directorys_database_with_progress(database: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(database, data / "reports.db")
    proc = subprocess.run(
        [NIANBAO, "export", "--data-dir", str(data), "--to", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "export: cells 4/4 rows" in proc.stderr
    assert "export: reports.site -> sites not declared: 1 rows have no sites row" in proc.stderr
    assert "changes (first release in this folder): 2 added, 0 changed, 0 gone, 0 removed" in proc.stdout
    missing = subprocess.run(
        [NIANBAO, "export", "--data-dir", str(tmp_path / "none"), "--to", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1
    assert "no database" in missing.stderr


def frictionless_validate(package: Path) -> subprocess.CompletedProcess:
    tool = tool_bin("frictionless", FRICTIONLESS) / "frictionless"
    return subprocess.run(
        [str(tool), "validate", "--json", str(package)], capture_output=True, text=True, timeout=600, cwd=package.parent
    )


@pytest.mark.slow
def test_frictionless_validates_the_package_and_catches_a_broken_reference(database: Path, tmp_path: Path) -> None:
    release = export(database, tmp_path / "out", progress=lambda _: None, now=DAY)
    proc = frictionless_validate(release.folder / "datapackage.json")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert json.loads(proc.stdout)["valid"] is True
    # the validation checks what the schema says: a cell of a report that is not in reports fails it
    cells = release.folder / "data" / "cells.csv"
    cells.write_bytes(cells.read_bytes().replace(b"a2-2020,requests", b"a9-2020,requests"))
    broken = frictionless_validate(release.folder / "datapackage.json")
    assert broken.returncode == 1
    errors = [(e["type"], e["note"]) for task in json.loads(broken.stdout)["tasks"] for e in task["errors"]]
    assert errors == [
        ("foreign-key", 'for "report_id": values "a9-2020" not found in the lookup table "reports" as "id"')
    ]


# --- a release of the replica, crawled and built, then crawled again as its edition 2 ---------------------------


def nianbao(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([NIANBAO, *args], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def replica_releases(tmp_path_factory, replica_server) -> tuple[Path, Path, Path]:
    """The data directory after two crawls (edition 1, then edition 2 in a full sweep) and the release exported
    after each build (the replica without LibreOffice: its PDF and DOC attachments are not there)."""
    data, out = tmp_path_factory.mktemp("data"), tmp_path_factory.mktemp("releases")
    replica = ("--proxy", replica_server.proxy_url, "--replica-ca", str(replica_server.ca_cert_path), "--delay", "0")
    try:
        for edition, options in ((1, ()), (2, ("--full",))):
            replica_server.set_edition(edition)
            nianbao("crawl", "--data-dir", str(data), *replica, "--log-level", "ERROR", *options)
            nianbao("build", "--data-dir", str(data))
            nianbao("export", "--data-dir", str(data), "--to", str(out))
    finally:
        replica_server.set_edition(1)  # the server is shared by the session
    first, second = sorted((p for p in out.iterdir() if p.is_dir()), key=lambda p: p.name[-1])
    return data, first, second


@pytest.mark.slow
def test_a_replica_release_validates_and_reads_back_as_the_database(replica_releases) -> None:
    data, _, release = replica_releases
    proc = frictionless_validate(release / "datapackage.json")
    assert proc.returncode == 0, proc.stdout[-3000:]
    with closing(sqlite3.connect(data / "reports.db")) as db:
        for table in TABLES:
            (rows,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - a literal name
            assert pq.read_metadata(release / "parquet" / f"{table}.parquet").num_rows == rows, table
            assert len(read_csv(release / "data" / f"{table}.csv")) == rows, table
    cells = pq.read_table(release / "parquet" / "cells.parquet", filters=[("table_key", "=", "requests")]).to_pylist()
    values = {(c["report_id"], c["row_key"], c["column_key"]): (c["value"], c["raw"]) for c in cells}
    assert values[("57c2f7c4e24f5d12-2019", "received", "total")] == (0.0, "0")  # 安澜镇 2019: 0 stays 0
    assert values[("8da022179740f2f1-2019", "unavailable_needs_creation", "other_org")] == (None, "")  # blank: null
    reports = {r["id"]: r for r in read_csv(release / "data" / "reports.csv")}
    assert reports["57c2f7c4e24f5d12-2019"]["agency"] == "重庆市巴南区安澜镇人民政府"


@pytest.mark.slow
def test_the_second_replica_release_lists_the_second_crawls_changes(replica_releases) -> None:
    data, first, second = replica_releases
    assert (first.name[-3:], second.name[-3:]) == ("-r1", "-r2")
    assert len(read_csv(first / "release_changes.csv")) == len(read_csv(first / "data" / "reports.csv"))  # all added
    with closing(sqlite3.connect(data / "reports.db")) as db:
        last_run = db.execute("SELECT max(run_id) FROM changes").fetchone()[0]
        crawl_changes = db.execute(
            "SELECT report_id, change, version FROM changes WHERE run_id = ? ORDER BY report_id", (last_run,)
        ).fetchall()
    as_released = {"new": "added", "changed": "changed", "gone": "gone"}
    listed = [(c["report_id"], c["change"], int(c["version"])) for c in read_csv(second / "release_changes.csv")]
    assert listed == [(report_id, as_released[change], version) for report_id, change, version in crawl_changes]
    assert sorted(change for _, change, _ in listed) == ["added", "added", "changed", "changed", "gone"]
