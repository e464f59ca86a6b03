"""Re-crawls of the replica: conditional requests, 304s archived as revisits, lists that stop at known reports,
full sweeps, and the per-column list page limit."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
REPORT_KINDS = ("report_page", "attachment")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def crawl(data: Path, server, *options: str) -> list[tuple[str, str, int]]:
    """`nianbao crawl` of the replica without delays; returns the requests the replica answered."""
    server.reset()
    replica = ("--proxy", server.proxy_url, "--replica-ca", str(server.ca_cert_path))
    run(NIANBAO, "crawl", "--data-dir", str(data), *replica, "--delay", "0", "--log-level", "ERROR", *options)
    return [hit for hit in server.hits if hit[0] == "GET"]


def index_query(data: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(data / "archive" / "index.sqlite") as db:
        return db.execute(sql, params).fetchall()


def reports(data: Path) -> set[tuple]:
    run(NIANBAO, "build", "--data-dir", str(data))
    with sqlite3.connect(data / "reports.db") as db:
        return set(db.execute("select id, detail_url, document_url, document_sha256 from reports"))


@dataclass
class Recrawl:
    data: Path
    runs: list[str]
    hits: list[list[tuple[str, str, int]]]  # per run: (method, url, status) the replica answered
    reports: list[set[tuple]]  # the reports table built after each run


@pytest.fixture(scope="module")
def recrawl(tmp_path_factory, replica_server) -> Recrawl:
    """A first crawl, an unchanged re-crawl (incremental) and a --full one, with a build after each."""
    data = tmp_path_factory.mktemp("recrawl")
    hits, built = [], []
    for options in ((), (), ("--full",)):
        hits.append(crawl(data, replica_server, *options))
        built.append(reports(data))
    runs = [r for (r,) in index_query(data, "select run_id from runs order by started_at")]
    return Recrawl(data, runs, hits, built)


def _body_bytes(data: Path, run_id: str) -> int:
    """Decoded body bytes of the run's answers that carried one (200s; 304s carry none)."""
    (total,) = index_query(
        data, "select coalesce(sum(length), 0) from fetches where run_id = ? and status = 200", run_id
    )[0]
    return total


def test_runs_record_their_sweep(recrawl):
    sweeps = index_query(recrawl.data, "select json_extract(settings_json, '$.sweep') from runs order by started_at")
    assert sweeps == [("full",), ("incremental",), ("full",)]


def test_an_unchanged_recrawl_revalidates_and_downloads_no_report_again(recrawl):
    first, second, full = recrawl.runs
    documents = {
        u for (u,) in index_query(recrawl.data, "select url from discoveries where kind in (?, ?)", *REPORT_KINDS)
    }
    assert len(documents) == 64
    # No report page or attachment came back with a body: each was answered 304, or read from the archive.
    assert [url for _, url, status in recrawl.hits[1] if url in documents and status == 200] == []
    assert sum(status == 304 for *_, status in recrawl.hits[1]) == 97
    # Each 304 is archived as a server-not-modified revisit of the first crawl's response holding the payload: the
    # response to the same URL, or for a URL the first crawl archived as an identical-payload revisit (a page at two
    # URLs) the response that revisit refers to.
    not_modified = index_query(
        recrawl.data,
        """select f.record_type, o.run_id, o.record_type, f.sha256 = o.sha256, f.url = o.url from fetches f
           join fetches o on o.warc_record_id = f.refers_to_record_id
           where f.run_id = ? and f.outcome = 'not_modified'""",
        second,
    )
    assert len(not_modified) == 97
    assert {row[:4] for row in not_modified} == {("revisit", first, "response", 1)}
    assert sum(not same_url for *_, same_url in not_modified) == 5
    fractions = {
        run_id: _body_bytes(recrawl.data, run_id) / _body_bytes(recrawl.data, first) for run_id in (second, full)
    }
    print(
        f"\nbody bytes against the first crawl: incremental {fractions[second]:.2%}, full sweep {fractions[full]:.2%}"
    )


def test_a_recrawl_finds_the_same_reports(recrawl):
    assert len(recrawl.reports[0]) == 42
    assert recrawl.reports[1] == recrawl.reports[0]
    assert recrawl.reports[2] == recrawl.reports[0]


def test_the_incremental_run_stops_lists_and_the_full_sweep_walks_every_page(recrawl):
    first, incremental, full = ({url for _, url, _ in hits} for hits in recrawl.hits)
    assert full == first
    skipped = first - incremental
    assert incremental < first
    # What the incremental run left out: the lists' later pages and parts (their first pages showed only known
    # reports), and what only those pages link.
    later = {u for u in skipped if re.search(r"index_\d+\.html|list_\d+\.html|pageNo=[2-9]|dataproxy\.jsp", u)}
    assert len(later) == 14
    assert len(skipped) == 40
    assert not {u for u in incremental if re.search(r"index_\d+\.html|list_\d+\.html|pageNo=[2-9]|dataproxy", u)}


def test_archived_records_pass_warcio_check(recrawl):
    files = sorted((recrawl.data / "archive" / "warc").glob("*.warc.gz"))
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", *map(str, files)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- a list whose 下一页 never ends ----------------------------------------------------------------------------


class _EndlessList(BaseHTTPRequestHandler):
    """A 年报 column whose every page links one report and a next page; no validators."""

    def do_GET(self) -> None:
        path = self.path
        if path == "/":
            body = '<a href="/zfxxgknb/index.html">政府信息公开年报</a>'
        elif path.startswith("/zfxxgknb/index"):
            n = int(path.removeprefix("/zfxxgknb/index").removesuffix(".html").lstrip("_") or 0)
            body = (
                f'<a href="/zfxxgknb/t{n}.html">{2000 + n}年政府信息公开工作年度报告</a>'
                f'<a href="/zfxxgknb/index_{n + 1}.html">下一页</a>'
            )
        elif path.startswith("/zfxxgknb/t"):
            body = "<p>报告</p>"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def test_an_endless_list_stops_at_the_column_limit_and_a_recrawl_at_known_reports(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EndlessList)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = f"http://127.0.0.1:{server.server_address[1]}/"
    env = {**os.environ, "NIANBAO_MAX_LIST_PAGES": "5", "NIANBAO_PROXY": ""}
    try:
        for _ in range(2):
            run(NIANBAO, "crawl", "--data-dir", str(tmp_path), "--start-url", start, "--delay", "0", env=env)
    finally:
        server.shutdown()
    first, second = (r for (r,) in index_query(tmp_path, "select run_id from runs order by started_at"))
    pages = "select count(*) from fetches where run_id = ? and url like '%/zfxxgknb/index%'"
    assert index_query(tmp_path, pages, first) == [(5,)]
    assert index_query(tmp_path, "select kind, site, url from run_events where run_id = ?", first) == [
        ("list_limit", "127.0.0.1", f"{start}zfxxgknb/index.html")
    ]
    # The re-crawl: the first page shows only a known report; the walk ends there, and the known report page
    # (no validators) is read from the archive.
    assert index_query(tmp_path, pages, second) == [(1,)]
    assert index_query(tmp_path, "select count(*) from fetches where run_id = ? and url like '%/t%.html'", second) == [
        (0,)
    ]
