"""The build benchmark's synthetic archive: written as a crawl writes one, and built by `nianbao build` into the
reports, agencies, coverage and checks it was made to have."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile

import pytest

from bench.build import process_tree, rss_mib, tree_rss_mib
from bench.synthetic import docx_bytes, plan, report_content, write_archive
from common.datadir import DataDir
from nianbao.cli import main
from replica.render import report_docx


def test_a_twelve_report_archive_builds_into_three_agencies(tmp_path):
    data = DataDir(tmp_path)
    write_archive(data, 12)
    assert main(["build", "--data-dir", str(tmp_path)]) == 0

    db = sqlite3.connect(data.database)
    q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
    assert q("SELECT format, parse_status, count(*) FROM reports GROUP BY 1, 2") == [
        ("docx", "ok", 2),
        ("html", "ok", 10),
    ]
    # The government's 2020 report prints 柏田市湖东县 without 人民政府: still the government's.
    assert q(
        "SELECT a.name, r.agency, count(*) FROM reports r JOIN agencies a ON a.id = r.agency_id GROUP BY 1, 2 ORDER BY 1, 2"
    ) == [
        ("柏田市湖东县人民政府", "柏田市湖东县", 1),
        ("柏田市湖东县人民政府", "柏田市湖东县人民政府", 3),
        ("柏田市湖东县人民政府办公室", "柏田市湖东县人民政府办公室", 6),
        ("柏田市湖东县发展和改革局", "柏田市湖东县发展和改革局", 2),
    ]
    assert q("SELECT count(*) FROM agencies") == [(3,)]
    # 发展和改革局 has 2021 and 2023: 2022 is missing, as are the years after each agency's last report up to 2025.
    assert q("SELECT status, count(*) FROM coverage GROUP BY 1") == [("found", 12), ("missing", 6)]
    # The chain holds from each agency's second consecutive year on; first years and the year after a gap cannot tell.
    assert q("SELECT status, count(*) FROM checks WHERE check_key = 'carry_over_chain' GROUP BY 1") == [
        ("not_assessable", 4),
        ("pass", 8),
    ]
    # 1 年报 page, 3 column lists, 12 report pages, 2 DOCX: every fetch is a distinct document.
    assert q("SELECT count(*), count(DISTINCT sha256) FROM fetches") == [(18, 18)]
    index = sqlite3.connect(data.index)
    assert index.execute("SELECT kind, count(*) FROM discoveries GROUP BY 1").fetchall() == [
        ("attachment", 2),
        ("report_column", 3),
        ("report_page", 12),
    ]
    assert index.execute("SELECT status, json_array_length(sites_json) FROM runs").fetchall() == [("finished", 1)]


def test_docx_from_the_prototype_is_what_report_docx_writes():
    p = next(p for reports in plan(60) for p in reports if p.docx)
    content = report_content(p, None)
    made, rendered = (zipfile.ZipFile(io.BytesIO(b)) for b in (docx_bytes(content), report_docx(content)))
    assert made.namelist() == rendered.namelist()
    assert all(made.read(name) == rendered.read(name) for name in rendered.namelist())


def test_peak_memory_counts_the_whole_process_tree():
    sleeper = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(30)'])"
    child = subprocess.Popen([sys.executable, "-c", sleeper])
    try:
        for _ in range(200):
            tree = process_tree(child.pid)
            if len(tree) == 2:
                break
            time.sleep(0.05)
        assert tree[0] == child.pid and len(tree) == 2
        assert rss_mib(child.pid) < tree_rss_mib(child.pid) == pytest.approx(rss_mib(tree[0]) + rss_mib(tree[1]), abs=1)
    finally:
        for pid in reversed(process_tree(child.pid)):
            os.kill(pid, signal.SIGTERM)
        child.wait()
