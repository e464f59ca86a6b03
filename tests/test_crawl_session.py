"""The crawl's archive session on its own (no crawl): run events, the WARC metadata of discoveries, events and the
run, an archive write error, and the crawl summary's flags against the previous run."""

from __future__ import annotations

import errno
import json
import logging
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError
from scrapy.utils.test import get_crawler

from archive.index import ProvenanceIndex
from archive.warc import WarcWriter
from common.datadir import DataDir
from common.outcomes import Outcome
from crawler.archiving import ArchiveSession, ArchiveStopped
from crawler.logs import RobotsErrorFilter
from crawler.run import summarise

RUN = "20261203T120000Z-abcd"


class MetadataWriter(WarcWriter):
    """A WarcWriter that keeps the metadata records it is given (the archive part writes them to the WARC)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.metadata: list[tuple[str, str, dict]] = []

    def write_metadata(self, target_uri, kind, fields, at):
        json.dumps(fields)  # JSON as it comes
        self.metadata.append((target_uri, kind, fields))


@dataclass
class Engine:
    """What the session uses of Scrapy's engine when it stops a crawl."""

    closed: list[str] = field(default_factory=list)
    downloader: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(slots={}))

    def close_spider_async(self, *, reason: str) -> None:  # Scrapy's is a coroutine; no reactor runs here
        self.closed.append(reason)


def session(tmp_path, engine: Engine | None = None) -> ArchiveSession:
    crawler = get_crawler(settings_dict={"DATA_DIR": str(tmp_path), "NIANBAO_RUN_ID": RUN, "NIANBAO_MIN_FREE_MB": 1})
    crawler.engine = engine or Engine()
    s = ArchiveSession(crawler)
    s.writer = MetadataWriter(DataDir(tmp_path).warc_dir, RUN)
    s.open(SimpleNamespace(registry={}, sites=[SimpleNamespace(host="www.hc.gov.cn")]))
    return s


def test_events_discoveries_and_the_run_go_to_the_index_and_the_warc(tmp_path):
    s = session(tmp_path)
    found = {"url": "https://www.hc.gov.cn/nb/1.html", "kind": "report_page", "site": "www.hc.gov.cn", "title": "年报"}
    s.add_discovery(**found)
    s.add_discovery(**found)  # the same link again: one row, one record
    s.add_event("list_limit", "500 list pages", site="www.hc.gov.cn", url="https://www.hc.gov.cn/nb/")
    writer = s.writer
    s.close(reason="finished")
    assert [(uri, kind) for uri, kind, _ in writer.metadata] == [
        (f"urn:nianbao:run:{RUN}", "run"),
        ("https://www.hc.gov.cn/nb/1.html", "discovery"),
        ("https://www.hc.gov.cn/nb/", "event"),
        (f"urn:nianbao:run:{RUN}", "run"),
    ]
    start, discovery, event, end = (fields for _, _, fields in writer.metadata)
    assert (start["status"], start["sites"]) == ("running", ["www.hc.gov.cn"])
    assert {k: discovery[k] for k in ("run_id", "url", "kind", "site", "title")} == {"run_id": RUN, **found}
    assert {k: event[k] for k in ("run_id", "kind", "detail", "site")} == {
        "run_id": RUN,
        "kind": "list_limit",
        "detail": "500 list pages",
        "site": "www.hc.gov.cn",
    }
    assert (end["status"], "nianbao/error" in end["stats"]) == ("finished", False)
    with ProvenanceIndex(DataDir(tmp_path).index) as index:
        assert [(e["kind"], e["site"], e["url"]) for e in index.events(RUN)] == [
            ("list_limit", "www.hc.gov.cn", "https://www.hc.gov.cn/nb/")
        ]
        assert len(list(index.discoveries(RUN))) == 1
        assert index.runs()[0]["status"] == "finished"


def test_a_write_error_stops_the_crawl_and_fails_the_run(tmp_path, monkeypatch):
    engine = Engine()
    s = session(tmp_path, engine)

    def broken_disk(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(s.writer, "write_outcome", broken_disk)
    with pytest.raises(ArchiveStopped):
        s.record_failure(Request("https://www.hc.gov.cn/"), Outcome.NETWORK_ERROR, "timeout")
    reason = "archive write error (WARC): [Errno 5] Input/output error"
    assert (s.error, s.crawler.stats.get_value("nianbao/error"), engine.closed) == (reason, reason, ["write_error"])
    with pytest.raises(ArchiveStopped):  # nothing more is written
        s.record_failure(Request("https://www.hc.gov.cn/a"), Outcome.NETWORK_ERROR, "timeout")
    s.close(reason="write_error")
    with ProvenanceIndex(DataDir(tmp_path).index) as index:
        assert [(e["kind"], e["detail"]) for e in index.events(RUN)] == [("write_error", reason)]
        (run,) = index.runs()
        assert (run["status"], json.loads(run["stats_json"])["nianbao/error"]) == ("failed", reason)
        assert list(index.fetches(RUN)) == []


def test_requests_that_all_failed_to_connect_are_no_network(tmp_path):
    s = session(tmp_path)
    for url in ("https://www.hc.gov.cn/robots.txt", "https://www.hc.gov.cn/", "https://www.hc.gov.cn/"):
        s.record_failure(Request(url), Outcome.NETWORK_ERROR, "DNS lookup failed", unconnected=True)
    s.close(reason="finished")
    said = "no network: 2 requests failed to connect; nothing was fetched"
    with ProvenanceIndex(DataDir(tmp_path).index) as index:
        assert [(e["kind"], e["detail"]) for e in index.events(RUN)] == [("no_network", said)]
        assert index.runs()[0]["status"] == "failed"


def test_a_site_that_answered_once_is_not_no_network(tmp_path):
    s = session(tmp_path)
    s.record_failure(Request("https://www.hc.gov.cn/"), Outcome.NETWORK_ERROR, "DNS lookup failed", unconnected=True)
    s.record_failure(Request("https://www.yzq.gov.cn/"), Outcome.NETWORK_ERROR, "TLS: certificate verify failed")
    s.close(reason="finished")
    with ProvenanceIndex(DataDir(tmp_path).index) as index:
        assert index.events(RUN) == []
        assert index.runs()[0]["status"] == "finished"


# --- the summary's flags ----------------------------------------------------------------------------------------


def add_run(index: ProvenanceIndex, run_id: str, fetched: int, reports: int, sweep: str | None = None) -> None:
    """A finished run of www.hc.gov.cn (run ids in the order they ran) that fetched and found so many."""
    index.start_run(run_id, ["www.hc.gov.cn"], {"sweep": sweep} if sweep else {}, started_at="2026-12-01T00:00:00Z")
    for n in range(fetched):
        url = f"https://www.hc.gov.cn/{n}"
        index.add_fetch(run_id=run_id, site="www.hc.gov.cn", url=url, fetched_at="2026-12-01T00:00:00Z", outcome="ok")
    for n in range(reports):
        index.add_discovery(run_id, f"https://www.hc.gov.cn/nb/{n}.html", "report_page", site="www.hc.gov.cn")
    index.finish_run(run_id, "finished", {})


def flags(tmp_path, runs: list[tuple[str, int, int, str | None]]) -> list[str]:
    with ProvenanceIndex(DataDir(tmp_path).index) as index:
        for run in runs:
            add_run(index, *run)
    lines = summarise(DataDir(tmp_path), runs[-1][0], {}).lines()
    return [line for line in lines if line.startswith("WARNING")]


def test_the_summary_flags_a_site_whose_reports_or_fetches_fell_sharply(tmp_path):
    assert flags(tmp_path, [("20261201T000000-a", 60, 10, None), ("20261202T000000-b", 40, 4, None)]) == [
        "WARNING: www.hc.gov.cn fell sharply against its previous run 20261201T000000-a: 4 reports found (10 before)"
    ]


def test_the_summary_compares_with_the_previous_run_of_the_same_sweep(tmp_path):
    runs = [
        ("20261201T000000-a", 60, 10, "full"),
        ("20261202T000000-b", 8, 1, "incremental"),
        ("20261203T000000-c", 7, 1, "incremental"),
        ("20261204T000000-d", 20, 9, "full"),
    ]
    assert flags(tmp_path, runs) == [
        "WARNING: www.hc.gov.cn fell sharply against its previous run 20261201T000000-a: 20 fetched (60 before)"
    ]


def test_the_summary_does_not_flag_small_numbers(tmp_path):
    assert flags(tmp_path, [("20261201T000000-a", 3, 3, None), ("20261202T000000-b", 1, 1, None)]) == []


# --- logs -------------------------------------------------------------------------------------------------------


def robots_record(error: Exception) -> logging.LogRecord:
    try:
        raise error
    except type(error):
        exc_info = sys.exc_info()
    return logging.LogRecord(
        "scrapy.downloadermiddlewares.robotstxt", logging.ERROR, __file__, 1, "Error downloading %s", ("x",), exc_info
    )


def test_a_robots_error_the_retry_middleware_reported_is_not_said_again():
    assert RobotsErrorFilter((CannotResolveHostError,)).filter(robots_record(CannotResolveHostError("x"))) is False


def test_another_robots_error_is_one_line_at_warning():
    record = robots_record(ValueError("bad"))
    assert RobotsErrorFilter((CannotResolveHostError,)).filter(record) is True
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert "Traceback" not in logging.Formatter().format(record)


def test_scrapys_own_info_lines_only_with_verbose(tmp_path, monkeypatch):
    import crawler.settings
    from crawler.run import CrawlOptions, scrapy_settings

    monkeypatch.setattr(crawler.settings, "LOG_LEVEL", "WARNING")  # the default, whatever the environment says
    assert scrapy_settings(CrawlOptions(DataDir(tmp_path)))["LOG_LEVEL"] == "WARNING"
    assert scrapy_settings(CrawlOptions(DataDir(tmp_path), verbose=True))["LOG_LEVEL"] == "INFO"
    assert scrapy_settings(CrawlOptions(DataDir(tmp_path), verbose=True, log_level="DEBUG"))["LOG_LEVEL"] == "DEBUG"
