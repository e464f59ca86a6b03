"""How a crawl fails: an archive that cannot be written or a disk running low stops it (run `failed`, a non-zero
exit, one clear line); no network at all is said once; a decoded body past DOWNLOAD_MAXSIZE is archived as
transferred, outcome too_large."""

from __future__ import annotations

import gzip
import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ROOT
from warcio.archiveiterator import ArchiveIterator

FAULTS = str(ROOT / "tests" / "crawl_with_faults.py")
SITE = "www.hc.gov.cn"  # a replica site with 5 reports


def nianbao(data: Path, *args: str, max_file_bytes: int | None = None, **faults: str) -> subprocess.CompletedProcess:
    """`nianbao crawl` (through tests/crawl_with_faults.py) without delays, backoff or progress lines; with
    `max_file_bytes`, no file it writes may grow past that (RLIMIT_FSIZE: Python ignores SIGXFSZ, a write fails)."""
    env = {**os.environ, "NIANBAO_RETRY_BACKOFF": "0", "NIANBAO_PROGRESS_SECONDS": "0", **faults}
    command = [sys.executable, FAULTS, "crawl", "--data-dir", str(data), "--delay", "0", *args]

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
        preexec_fn=limit_files if max_file_bytes else None,  # noqa: PLW1509 - no threads started by then
    )


def replica(server) -> tuple[str, ...]:
    return ("--proxy", server.proxy_url, "--replica-ca", str(server.ca_cert_path), "--site", SITE)


def index_rows(data: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data / "archive" / "index.sqlite") as db:
        return db.execute(sql).fetchall()


def the_run(data: Path) -> tuple[str, dict]:
    ((status, stats),) = index_rows(data, "select status, stats_json from runs")
    return status, json.loads(stats)


def test_an_archive_write_error_stops_the_crawl_and_fails_the_run(tmp_path, replica_server):
    replica_server.reset()
    proc = nianbao(tmp_path, *replica(replica_server), FAULT_WARC_FULL_AFTER="3")
    assert proc.returncode == 1
    error = "archive write error (WARC): [Errno 28] No space left on device"
    assert proc.stderr.count(error) == 2  # logged at ERROR as it happened, and the crawl's last line
    assert f"[crawler.archiving] ERROR: {error}: stopping the crawl\n" in proc.stderr
    assert proc.stderr.endswith(f" failed: {error}\n")
    assert "Traceback" not in proc.stderr
    assert "yielded no report" not in proc.stdout
    status, stats = the_run(tmp_path)
    assert (status, stats["nianbao/error"], stats["finish_reason"]) == ("failed", error, "write_error")
    assert index_rows(tmp_path, "select kind, detail from run_events") == [("write_error", error)]
    assert index_rows(tmp_path, "select count(*) from fetches") == [(3,)]  # what was archived before
    # The crawl stopped at once: the request whose archiving failed was the last one (5 report pages were due).
    assert [url for method, url, _ in replica_server.hits if method == "GET"] == [
        "https://www.hc.gov.cn/robots.txt",
        "https://www.hc.gov.cn/",
        "https://www.hc.gov.cn/zwgk_164/zfxxgknb/",
        "https://www.hc.gov.cn/zwgk_164/",
    ]


def test_a_file_that_cannot_grow_stops_the_crawl_and_the_run_still_says_failed(tmp_path, replica_server):
    proc = nianbao(tmp_path, *replica(replica_server), max_file_bytes=150_000)
    assert proc.returncode == 1
    # The index's write-ahead log reaches the limit first (the WARC file is gzipped).
    error = "archive write error (index): disk I/O error"
    assert f"[crawler.archiving] ERROR: {error}: stopping the crawl\n" in proc.stderr
    assert proc.stderr.endswith(f" failed: {error}\n")
    status, stats = the_run(tmp_path)
    assert (status, stats["nianbao/error"]) == ("failed", error)


def test_a_crawl_does_not_start_on_a_nearly_full_disk(tmp_path, replica_server):
    replica_server.reset()
    proc = nianbao(tmp_path, *replica(replica_server), NIANBAO_MIN_FREE_MB="1000000000")
    assert proc.returncode == 1
    assert "free disk space low: " in proc.stderr
    assert "less than NIANBAO_MIN_FREE_MB=1000000000" in proc.stderr.splitlines()[-1]
    status, stats = the_run(tmp_path)
    assert status == "failed" and stats["nianbao/error"].startswith("free disk space low: ")
    assert [k for (k,) in index_rows(tmp_path, "select kind from run_events")] == ["disk_low"]
    assert index_rows(tmp_path, "select count(*) from fetches") == [(0,)]
    assert replica_server.hits == []


def test_a_crawl_stops_cleanly_when_the_disk_runs_low(tmp_path, replica_server):
    replica_server.reset()
    proc = nianbao(tmp_path, *replica(replica_server), FAULT_DISK_LOW_AFTER="2")
    assert proc.returncode == 1
    status, stats = the_run(tmp_path)
    assert status == "failed"
    assert (
        stats["nianbao/error"]
        == f"free disk space low: 0 MB free in {tmp_path / 'archive'}, less than NIANBAO_MIN_FREE_MB=1024"
    )
    assert [k for (k,) in index_rows(tmp_path, "select kind from run_events")] == ["disk_low"]
    assert index_rows(tmp_path, "select count(*) from fetches") == [(2,)]
    assert index_rows(tmp_path, "select count(*) from discoveries") == [(0,)]  # the home page's links found no room
    assert [url for method, url, _ in replica_server.hits if method == "GET"] == [
        "https://www.hc.gov.cn/robots.txt",
        "https://www.hc.gov.cn/",
    ]
    assert "Traceback" not in proc.stderr


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_is_said_once(tmp_path):
    proxy = f"http://127.0.0.1:{closed_port()}"  # refuses every connection, as a machine without network does
    proc = nianbao(tmp_path, "--proxy", proxy, "--site", "www.hc.gov.cn", "--site", "www.yzq.gov.cn")
    assert proc.returncode == 1
    said = "no network: 4 requests failed to connect; nothing was fetched"
    assert (proc.stdout + proc.stderr).count("no network") == 1
    assert proc.stderr.splitlines()[-1].endswith(f" failed: {said}")
    assert proc.stdout.splitlines()[1:] == []  # no table of sites, no "yielded no report"
    warnings = [line for line in proc.stderr.splitlines() if " WARNING: " in line]
    assert len(warnings) == 4  # one line per request (robots.txt and home page of each site)
    assert all("Gave up retrying <GET " in line and "Connection was refused" in line for line in warnings)
    assert len(proc.stderr.splitlines()) == 5
    assert "Traceback" not in proc.stderr
    status, stats = the_run(tmp_path)
    assert (status, stats["nianbao/error"]) == ("failed", said)
    assert index_rows(tmp_path, "select kind, detail from run_events") == [("no_network", said)]


class GzipBomb(BaseHTTPRequestHandler):
    """/: a page that inflates to 32 MiB; anything else 404."""

    body = gzip.compress(b"<html>" + b" " * (32 << 20), compresslevel=9)

    def do_GET(self) -> None:
        if self.path != "/":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def bomb_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), GzipBomb)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_body_that_inflates_past_the_limit_is_archived_as_transferred(tmp_path, bomb_site):
    registry = tmp_path / "empty.toml"
    registry.write_text("", encoding="utf-8")
    proc = nianbao(tmp_path, "--registry", str(registry), "--start-url", bomb_site, FAULT_DOWNLOAD_MAXSIZE=str(1 << 20))
    assert proc.returncode == 0, proc.stderr
    rows = index_rows(
        tmp_path, "select url, status, outcome, length, sha256, error, warc_file, warc_offset from fetches"
    )
    page = [r for r in rows if r[0] == bomb_site]
    assert [r[1:6] for r in page] == [
        (
            200,
            "too_large",
            None,
            None,
            f"decoded body larger than DOWNLOAD_MAXSIZE (1048576 bytes; {len(GzipBomb.body)} transferred)",
        )
    ]
    with open(tmp_path / "archive" / page[0][6], "rb") as f:
        f.seek(page[0][7])
        record = next(iter(ArchiveIterator(f)))
        assert record.rec_type == "response"
        assert record.raw_stream.read() == GzipBomb.body  # as transferred, never inflated
    assert f"{bomb_site}: decoded body larger than DOWNLOAD_MAXSIZE, archived as transferred" in proc.stderr
    assert "Traceback" not in proc.stderr
