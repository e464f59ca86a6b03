"""The archive standing on its own: a crawl's WARC files verified, the index rebuilt from them alone, a torn tail
sealed and reported."""

from __future__ import annotations

import gzip
import random
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from archive.cdxj import cdxj_path, parse_line
from archive.index import ProvenanceIndex
from archive.reindex import index_missing_fetches, reindex
from archive.seal import seal_torn_tail
from archive.verify import verify
from archive.warc import WarcWriter
from common.datadir import DataDir
from crawler.archiving import ArchiveSession

GBK_PAGE = "<html><head><title>2023年度政府信息公开工作年度报告</title></head><body>正文</body></html>".encode("gbk")
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
AT = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
INDEX_TABLES = ("fetches", "discoveries", "run_events", "runs")


def response(url: str, body: bytes, status: int = 200, **headers: str) -> Response:
    return Response(url, status=status, body=body, headers=headers, ip_address=None)


def crawl(data: DataDir, max_bytes: int = 1 << 30) -> str:
    """A small crawl through the crawl's own archiving code (ArchiveSession), what a spider would make it do."""
    settings = {"DATA_DIR": str(data.root), "NIANBAO_RUN_ID": "r1", "NIANBAO_WARC_MAX_BYTES": max_bytes}
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    session = ArchiveSession(crawler)
    spider = SimpleNamespace(registry={}, sites=[SimpleNamespace(host="www.example.gov.cn")])
    session.open(spider)  # the run's row and its start record
    site = {"site": "www.example.gov.cn"}
    list_page = Request("https://www.example.gov.cn/ndbg/index.html", meta=site)
    session.record_response(list_page, HtmlResponse(list_page.url, body=gzip.compress(b"<html>list</html>"),
                            headers={"Content-Type": "text/html", "Content-Encoding": "gzip", "ETag": '"abc"'}))  # fmt: skip
    report = Request("https://www.example.gov.cn/ndbg/2023.html", meta=site, headers={"Referer": list_page.url})
    session.record_response(report, response(report.url, GBK_PAGE, **{"Content-Type": "text/html"}))
    pdf = Request("https://files.example.gov.cn/2023.pdf", meta=site, headers={"Referer": report.url})
    session.record_response(pdf, response(pdf.url, PDF, **{"Content-Type": "application/pdf"}))
    copy = Request("https://www.example.gov.cn/ndbg/copy.html", meta=site)
    session.record_response(copy, response(copy.url, GBK_PAGE, **{"Content-Type": "text/html"}))  # a revisit
    gone = Request("https://www.example.gov.cn/ndbg/gone.html", meta=site)
    session.record_response(gone, response(gone.url, b"<html>404</html>", status=404))
    post = Request("https://www.example.gov.cn/search", method="POST", body=b"q=1", meta=site)
    session.record_failure(post, "network_error", "connection refused")
    for url, kind, referrer in [(report.url, "report_page", list_page.url), (pdf.url, "attachment", report.url)]:
        session.add_discovery(site="www.example.gov.cn", url=url, kind=kind, title="2023年度报告", year=2023,
                              agency_hint=None, referrer=referrer)  # fmt: skip
    session.add_event("list_limit", "500 list pages", site="www.example.gov.cn", url=list_page.url)
    session.close(spider, "finished")  # the run's end record, the WARC file closed
    return "r1"


def tables(index: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(index) as db:
        out = {}
        for table in INDEX_TABLES:
            columns = [c[1] for c in db.execute(f"PRAGMA table_info({table})") if c[1] != "id"]
            out[table] = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
    db.close()
    return out


@pytest.fixture
def crawled(tmp_path: Path) -> DataDir:
    data = DataDir(tmp_path / "data")
    crawl(data)
    return data


def test_a_crawl_verifies_clean(crawled: DataDir) -> None:
    result = verify(crawled.warc_dir, crawled.index)
    assert [str(p) for p in result.problems] == []
    assert (result.files, result.records) == (1, 17)  # warcinfo, 5 x (response + request), 1 outcome, 5 metadata


def test_reindex_gives_back_the_rows_the_crawl_wrote(crawled: DataDir) -> None:
    written = tables(crawled.index)
    assert [len(written[t]) for t in INDEX_TABLES] == [6, 2, 1, 1]
    result = reindex(crawled.warc_dir, crawled.index)
    assert (result.files, result.fetches, result.discoveries, result.events, result.runs) == (1, 6, 2, 1, 1)
    assert result.notes == []
    assert tables(crawled.index) == written
    assert tables(crawled.index.with_name("index.sqlite.old")) == written
    assert [str(p) for p in verify(crawled.warc_dir, crawled.index).problems] == []


def test_reindex_of_an_archive_without_discovery_records_says_so(tmp_path: Path) -> None:
    warc_dir = tmp_path / "archive" / "warc"
    with WarcWriter(warc_dir, "old") as writer:
        writer.write_exchange("https://a.gov.cn/", status=200, body=b"<html></html>", fetched_at=AT)
    result = reindex(warc_dir, tmp_path / "archive" / "index.sqlite")
    assert (result.fetches, result.runs) == (1, 1)
    assert "no discovery records" in result.notes[1]
    assert "1 runs have no run records" in result.notes[0]
    (row,) = tables(tmp_path / "archive" / "index.sqlite")["fetches"]
    assert row[:7] == ("old", "a.gov.cn", "https://a.gov.cn/", "GET", "2024-03-01T08:30:00Z", 200, "ok")


def test_verify_names_a_record_whose_bytes_changed(crawled: DataDir) -> None:
    (warc,) = sorted(crawled.warc_dir.glob("*.warc.gz"))
    with sqlite3.connect(crawled.index) as db:
        offset, length, record_id = db.execute(
            "SELECT warc_offset, warc_length, warc_record_id FROM fetches WHERE url LIKE '%.pdf'"
        ).fetchone()
    db.close()
    data = bytearray(warc.read_bytes())
    member = bytearray(gzip.decompress(bytes(data[offset : offset + length])))
    member[member.index(b"%%EOF")] = ord("X")  # same length, other bytes: the digests no longer match
    data[offset : offset + length] = gzip.compress(bytes(member))
    warc.write_bytes(bytes(data))
    problems = verify(crawled.warc_dir, crawled.index).problems
    bad = [p for p in problems if p.record_id == record_id]
    assert sorted(p.what[:21] for p in bad if "digest" in p.what) == ["block digest failed: ", "payload digest failed"]
    assert bad[0].warc_file == f"warc/{warc.name}" and bad[0].offset == offset


def test_verify_finds_index_rows_and_records_that_do_not_match(crawled: DataDir) -> None:
    with sqlite3.connect(crawled.index) as db:
        db.execute("UPDATE fetches SET warc_offset = warc_offset + 1 WHERE url LIKE '%gone.html'")
        db.execute("DELETE FROM discoveries WHERE kind = 'attachment'")
    db.close()
    whats = sorted(p.what for p in verify(crawled.warc_dir, crawled.index).problems)
    assert len(whats) == 3
    assert whats[0] == "discovery of https://files.example.gov.cn/2023.pdf is not in the index"
    assert whats[1].startswith("index row 5 (https://www.example.gov.cn/ndbg/gone.html) points to no such record")
    assert whats[2] == "response record of https://www.example.gov.cn/ndbg/gone.html is not in the index"


def test_verify_checks_the_cdxj_both_ways(crawled: DataDir) -> None:
    (cdxj,) = crawled.warc_dir.glob("*.cdxj")
    lines = cdxj.read_text().splitlines(keepends=True)
    urls = [parse_line(line)[2]["url"] for line in lines]
    assert urls == sorted(urls, key=lambda u: u.split("//")[1]) or len(lines) == 5
    cdxj.write_text("".join(lines[1:]) + lines[0].replace('"offset": "', '"offset": "9'))
    problems = verify(crawled.warc_dir, crawled.index).problems
    assert len(problems) == 2
    assert {p.what.split(":")[0] for p in problems} == {"not in the CDXJ index", "CDXJ line without its record"}


def test_a_torn_tail_is_reported_then_sealed(crawled: DataDir) -> None:
    (warc,) = crawled.warc_dir.glob("*.warc.gz")
    whole = warc.stat().st_size
    with warc.open("ab") as fh:  # a record cut short by a kill: half a gzip member
        fh.write(gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" + random.Random(0).randbytes(5000))[:700])
    assert subprocess.run(["gzip", "-t", str(warc)], capture_output=True).returncode != 0
    (problem,) = verify(crawled.warc_dir, crawled.index).problems
    assert (problem.warc_file, problem.offset) == (f"warc/{warc.name}", whole)
    assert problem.what.startswith("torn record: 700 bytes of an incomplete gzip member end the file")
    torn = seal_torn_tail(warc)
    assert torn is not None and (torn.offset, torn.size) == (whole, 700)
    assert torn.kept_at == crawled.archive / "torn" / f"{warc.name}.{whole}"
    assert torn.kept_at.stat().st_size == 700 and warc.stat().st_size == whole
    assert subprocess.run(["gzip", "-t", str(warc)], capture_output=True).returncode == 0
    assert verify(crawled.warc_dir, crawled.index).problems == []
    assert seal_torn_tail(warc) is None


def test_sealing_a_whole_file_that_a_kill_left_without_its_cdxj_indexes_it(crawled: DataDir) -> None:
    (warc,) = crawled.warc_dir.glob("*.warc.gz")
    cdxj_path(warc).unlink()  # killed between two records: the file is whole, never closed
    assert [p.what for p in verify(crawled.warc_dir, crawled.index).problems][
        0
    ] == f"no CDXJ index ({cdxj_path(warc).name})"
    assert seal_torn_tail(warc) is None
    assert verify(crawled.warc_dir, crawled.index).problems == []


def test_files_rotate_at_the_crawl_setting_and_each_gets_its_cdxj(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "data")
    crawl(data, max_bytes=2000)
    names = sorted(p.name for p in data.warc_dir.iterdir())
    warcs = [n for n in names if n.endswith(".warc.gz")]
    assert len(warcs) > 3
    assert [n for n in names if n.endswith(".cdxj")] == [n.replace(".warc.gz", ".cdxj") for n in warcs]
    assert verify(data.warc_dir, data.index).problems == []


def test_a_resumed_run_starts_at_the_next_free_serial(crawled: DataDir) -> None:
    (first,) = crawled.warc_dir.glob("*.warc.gz")
    before = first.read_bytes()
    with WarcWriter(crawled.warc_dir, "r1") as writer:
        location = writer.write_exchange("https://a.gov.cn/", status=200, body=b"x", fetched_at=AT)
    assert location.warc_file == "warc/nianbao-r1-00001.warc.gz"
    assert first.read_bytes() == before
    assert cdxj_path(crawled.warc_dir / "nianbao-r1-00001.warc.gz").exists()


def test_write_metadata_refuses_an_unknown_kind(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, "r1") as writer, pytest.raises(ValueError, match="metadata kind"):
        writer.write_metadata("https://a.gov.cn/", "fetch", {}, AT)
    shutil.rmtree(tmp_path)


@pytest.mark.slow
def test_a_replica_crawl_verifies_and_reindexes_to_the_same_fetch_rows(tmp_path: Path, replica_server) -> None:
    data = DataDir(tmp_path / "data")
    replica_server.reset()
    nianbao = str(Path(sys.executable).with_name("nianbao"))
    replica = ["--proxy", replica_server.proxy_url, "--replica-ca", str(replica_server.ca_cert_path)]
    subprocess.run([nianbao, "crawl", "--data-dir", str(data.root), *replica, "--delay", "0", "--log-level", "ERROR"],
                   capture_output=True, timeout=600, check=True)  # fmt: skip
    written = tables(data.index)["fetches"]
    assert len({row[6] for row in written}) >= 4  # outcomes: ok, http_error, robots_refused, challenge, ...
    assert verify(data.warc_dir, data.index).problems == []
    reindex(data.warc_dir, data.index)
    assert tables(data.index)["fetches"] == written


def test_records_a_kill_left_unindexed_are_indexed_again(crawled: DataDir) -> None:
    written = tables(crawled.index)
    with sqlite3.connect(crawled.index) as db:  # a kill after the WARC records, before their index rows
        db.execute("DELETE FROM fetches WHERE url LIKE '%copy.html' OR url LIKE '%.pdf'")
    db.close()
    assert sorted(p.what for p in verify(crawled.warc_dir, crawled.index).problems) == [
        "response record of https://files.example.gov.cn/2023.pdf is not in the index",
        "revisit record of https://www.example.gov.cn/ndbg/copy.html is not in the index",
    ]

    (warc,) = sorted(crawled.warc_dir.glob("*.warc.gz"))
    with ProvenanceIndex(crawled.index) as index:
        assert index_missing_fetches(crawled.warc_dir, warc, index) == 2
        assert index_missing_fetches(crawled.warc_dir, warc, index) == 0
    again = tables(crawled.index)
    key = lambda row: row[2]  # noqa: E731 - by URL: the rows come back at the end
    assert sorted(again["fetches"], key=key) == sorted(written["fetches"], key=key)
    assert [str(p) for p in verify(crawled.warc_dir, crawled.index).problems] == []
