"""`nianbao crawl --resume` after SIGKILL: the resumed run archives the same URLs, finds the same reports and builds
the same reports table as an uninterrupted crawl, without fetching again what it had archived."""

from __future__ import annotations

import gzip
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def _replica(server) -> list[str]:
    return ["--proxy", server.proxy_url, "--replica-ca", str(server.ca_cert_path), "--delay", "0"]


def run(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def index_query(data: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"{(data / 'archive' / 'index.sqlite').as_uri()}?mode=ro", uri=True) as db:
        return db.execute(sql, params).fetchall()


@dataclass
class Crawled:
    runs: list[tuple[str, str]]  # (run_id, status)
    ok_urls: Counter  # URLs archived with outcome ok, and how often
    refused: int  # robots.txt refusals recorded
    discoveries: set[tuple]  # (url, kind, referrer) of report pages and attachments
    reports: set[tuple]  # the built reports table: (id, detail_url, document_url, document_sha256)


def crawled(data: Path) -> Crawled:
    run(NIANBAO, "build", "--data-dir", str(data))
    with sqlite3.connect(data / "reports.db") as db:
        reports = set(db.execute("select id, detail_url, document_url, document_sha256 from reports"))
    return Crawled(
        runs=index_query(data, "select run_id, status from runs"),
        ok_urls=Counter(u for (u,) in index_query(data, "select url from fetches where outcome = 'ok'")),
        refused=index_query(data, "select count(*) from fetches where outcome = 'robots_refused'")[0][0],
        discoveries=set(
            index_query(data, "select url, kind, referrer from discoveries where kind in ('report_page', 'attachment')")
        ),
        reports=reports,
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, replica_server) -> Crawled:
    data = tmp_path_factory.mktemp("uninterrupted")
    replica_server.reset()
    run(NIANBAO, "crawl", "--data-dir", str(data), *_replica(replica_server), "--log-level", "ERROR")
    return crawled(data)


def _fetches(data: Path) -> int:
    try:
        return index_query(data, "select count(*) from fetches")[0][0]
    except sqlite3.Error:  # not created yet
        return 0


def _kill_after(data: Path, server, fetches: int) -> None:
    """Start a crawl and SIGKILL it once the index holds `fetches` fetches."""
    server.reset()
    command = [NIANBAO, "crawl", "--data-dir", str(data), *_replica(server), "--log-level", "ERROR"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while _fetches(data) < fetches:
            assert proc.poll() is None, f"the crawl ended before {fetches} fetches"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("kill_after", [10, 45, 90, 130])
def test_a_crawl_killed_at_any_point_and_resumed_archives_what_an_uninterrupted_one_does(
    tmp_path, replica_server, uninterrupted, kill_after
):
    _kill_after(tmp_path, replica_server, kill_after)
    [(run_id, status)] = index_query(tmp_path, "select run_id, status from runs")
    assert status == "running"  # until the next command takes the lock and marks it interrupted
    archived_before = {u for (u,) in index_query(tmp_path, "select url from fetches where warc_record_id is not null")}

    replica_server.reset()
    resumed = run(NIANBAO, "crawl", "--data-dir", str(tmp_path), *_replica(replica_server), "--resume")
    assert f"crawl run {run_id}" in resumed.stdout
    assert f"crawl run {run_id} was left running by a process that is gone: marked interrupted" in resumed.stderr
    # Nothing the killed crawl had archived an answer to was downloaded again (a retry of a 503 aside).
    requested = {url for method, url, status in replica_server.hits if method == "GET"}
    answered = {u for (u,) in index_query(tmp_path, "select url from fetches where status is not null")}
    refetched = {u for u in requested & archived_before & answered if "robots.txt" not in u}
    flaky = {u for (u,) in index_query(tmp_path, "select url from fetches where status = 503")}
    assert refetched <= flaky

    after = crawled(tmp_path)
    assert after.runs == [(run_id, "finished")]
    assert after.ok_urls == uninterrupted.ok_urls  # the same URLs, each archived once
    assert after.refused == uninterrupted.refused == 2
    assert after.discoveries == uninterrupted.discoveries
    assert len(after.reports) == 42
    assert after.reports == uninterrupted.reports
    files = sorted((tmp_path / "archive" / "warc").glob("*.warc.gz"))
    check = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", *map(str, files)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    # A record torn by the kill is sealed, one archived but not indexed is indexed: the archive verifies.
    verified = run(NIANBAO, "archive", "verify", "--data-dir", str(tmp_path))
    assert verified.stdout.splitlines()[-1].endswith(": all good")


def test_resume_without_an_interrupted_run_says_so(tmp_path):
    proc = subprocess.run([NIANBAO, "crawl", "--data-dir", str(tmp_path), "--resume"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "nothing to resume" in proc.stderr


def test_a_record_torn_by_the_kill_is_sealed_on_resume(tmp_path, replica_server, uninterrupted):
    _kill_after(tmp_path, replica_server, 45)
    newest = max((tmp_path / "archive" / "warc").glob("*.warc.gz"), key=lambda p: p.stat().st_mtime)
    whole = newest.stat().st_size
    member = gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + b"x" * 5000)
    with newest.open("ab") as warc:  # what a kill in the middle of writing a record leaves
        warc.write(member[: len(member) // 2])
    run(NIANBAO, "crawl", "--data-dir", str(tmp_path), *_replica(replica_server), "--resume")
    assert newest.stat().st_size == whole  # cut back to its last whole record
    torn = list((tmp_path / "archive" / "torn").iterdir())
    assert [p.read_bytes() for p in torn] == [member[: len(member) // 2]]  # the torn bytes kept aside
    # (An index_caught_up event may come too: the kill may also fall between a record and its index row.)
    assert index_query(tmp_path, "select count(*) from run_events where kind = 'torn_record_sealed'") == [(1,)]
    assert crawled(tmp_path).ok_urls == uninterrupted.ok_urls
    verified = run(NIANBAO, "archive", "verify", "--data-dir", str(tmp_path))
    assert verified.stdout.splitlines()[-1].endswith(": all good")
