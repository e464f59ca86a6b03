"""archive.index: the provenance index of fetches, runs and discoveries."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from archive_sample import (
    GBK_HTML,
    GZIPPED_HTML,
    PDF,
    PLAIN_HTML,
    RUN,
    T0,
    sample_fixture,  # noqa: F401  (the sample fixture)
)

from archive.index import ProvenanceIndex
from archive.records import RevisitTarget, payload_digest

# -- fetches ------------------------------------------------------------------------------------


def test_index_rows_record_outcome_status_and_hashes(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite") as index:
        rows = {row["url"]: row for row in index.fetches(RUN)}
    gbk = rows["http://www.example.gov.cn/zwgk/ndbg/index.html?page=2"]
    assert (gbk["outcome"], gbk["status"], gbk["record_type"]) == ("ok", 200, "response")
    assert gbk["sha256"] == hashlib.sha256(GBK_HTML).hexdigest()
    assert gbk["length"] == len(GBK_HTML)
    assert gbk["fetched_at"] == "2024-03-01T08:30:05Z"
    assert (gbk["warc_file"], gbk["warc_offset"]) == (sample["loc"]["gbk"].warc_file, sample["loc"]["gbk"].offset)
    gz = rows["https://www.example.gov.cn/list.html"]
    assert gz["sha256"] == hashlib.sha256(PLAIN_HTML).hexdigest()  # of the decoded body
    assert gz["payload_digest"] == payload_digest(GZIPPED_HTML)  # of the body as transferred
    missing = rows["https://www.example.gov.cn/missing.html"]
    assert (missing["outcome"], missing["status"]) == ("http_error", 404)
    assert rows["https://www.example.gov.cn/busy.html"]["status"] == 503
    revisit = rows["http://www.example.gov.cn/zwgk/ndbg/copy.html"]
    assert (revisit["record_type"], revisit["refers_to_record_id"]) == ("revisit", gbk["warc_record_id"])
    assert revisit["sha256"] == gbk["sha256"]
    robots = rows["https://www.example.gov.cn/private/report.html"]
    assert (robots["outcome"], robots["status"], robots["record_type"]) == ("robots_refused", None, "metadata")
    assert robots["error"] == "disallowed by robots.txt"


def test_find_by_payload_digest_returns_earliest_response(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite") as index:
        row = index.find_by_payload_digest(payload_digest(GBK_HTML))
        assert row["warc_record_id"] == sample["loc"]["gbk"].record_id
        assert row["record_type"] == "response"
        assert index.find_by_payload_digest(payload_digest(b"never fetched")) is None
        assert index.find_by_record_id(sample["loc"]["revisit"].record_id)["record_type"] == "revisit"


def test_find_by_payload_digest_ignores_later_and_non_response_rows(tmp_path: Path) -> None:
    digest = payload_digest(PDF)
    common = {"run_id": RUN, "outcome": "ok", "payload_digest": digest, "warc_file": "warc/x.warc.gz"}
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        index.add_fetch(url="http://a.gov.cn/late", fetched_at=T0 + timedelta(hours=1), record_type="response",
                        warc_record_id="<urn:uuid:late>", **common)  # fmt: skip
        index.add_fetch(url="http://a.gov.cn/first", fetched_at=T0, record_type="response",
                        warc_record_id="<urn:uuid:first>", **common)  # fmt: skip
        index.add_fetch(url="http://a.gov.cn/rev", fetched_at=T0 - timedelta(hours=1), record_type="revisit",
                        warc_record_id="<urn:uuid:rev>", **common)  # fmt: skip
        assert index.find_by_payload_digest(digest)["warc_record_id"] == "<urn:uuid:first>"


def test_revisit_target_from_fetch_row(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite") as index:
        target = RevisitTarget.from_fetch(index.find_by_payload_digest(payload_digest(GBK_HTML)))
    gbk = sample["loc"]["gbk"]
    assert target == RevisitTarget(gbk.record_id, gbk.target_uri, "2024-03-01T08:30:05Z", gbk.payload_digest)


def test_add_fetch_validates_fields(tmp_path: Path) -> None:
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        with pytest.raises(ValueError, match="unknown"):
            index.add_fetch(run_id=RUN, url="http://a.gov.cn/", fetched_at=T0, outcome="ok", stauts=200)
        with pytest.raises(ValueError, match="missing"):
            index.add_fetch(run_id=RUN, url="http://a.gov.cn/", fetched_at=T0)
        fetch_id = index.add_fetch(
            run_id=RUN, url="http://a.gov.cn/", fetched_at="2024-03-01T08:30:05Z", outcome="ok",
            headers_json=[("Content-Type", "text/html; charset=gbk")],
        )  # fmt: skip
        row = next(index.fetches())
    assert row["id"] == fetch_id
    assert row["method"] == "GET"
    assert json.loads(row["headers_json"]) == [["Content-Type", "text/html; charset=gbk"]]


def test_readonly_index_cannot_write(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite", readonly=True) as index:
        assert len(list(index.fetches())) == 7
        with pytest.raises(sqlite3.OperationalError):
            index.add_fetch(run_id=RUN, url="http://a.gov.cn/", fetched_at=T0, outcome="ok")


# -- schema -------------------------------------------------------------------------------------


def test_index_schema_is_idempotent_and_wal(tmp_path: Path) -> None:
    ProvenanceIndex(tmp_path / "index.sqlite").close()
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        index.add_fetch(run_id=RUN, url="http://a.gov.cn/", fetched_at=T0, outcome="network_error")
    conn = sqlite3.connect(tmp_path / "index.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"fetches", "runs", "discoveries", "fetches_url", "fetches_sha256", "fetches_payload_digest",
            "fetches_run_id"} <= names  # fmt: skip
    columns = [row[1] for row in conn.execute("PRAGMA table_info(fetches)")]
    assert columns[:6] == ["id", "run_id", "site", "url", "method", "fetched_at"]
    assert len(columns) == 24
    assert conn.execute("SELECT count(*) FROM fetches").fetchone()[0] == 1
    conn.close()


def test_an_index_of_version_1_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    # Version 1 kept one discovery per (run, url, kind), whichever page linked it first.
    old = sqlite3.connect(tmp_path / "index.sqlite")
    old.executescript(
        """
        CREATE TABLE discoveries (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, site TEXT, url TEXT NOT NULL,
            kind TEXT NOT NULL, title TEXT, year INTEGER, agency_hint TEXT, referrer TEXT, found_at TEXT NOT NULL,
            UNIQUE (run_id, url, kind));
        CREATE INDEX discoveries_url ON discoveries (url);
        INSERT INTO discoveries VALUES (7, 'r1', 'a', 'http://a.gov.cn/f.pdf', 'attachment', '2023年报.pdf', 2023,
            NULL, 'http://a.gov.cn/p1.html', '2024-03-01T08:30:05Z');
        PRAGMA user_version = 1;
        """
    )
    old.close()
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        second_page = index.add_discovery(
            "r1", "http://a.gov.cn/f.pdf", "attachment", referrer="http://a.gov.cn/p2.html"
        )
        rows = [(r["id"], r["referrer"]) for r in index.discoveries("r1")]
    assert rows == [(7, "http://a.gov.cn/p1.html"), (second_page, "http://a.gov.cn/p2.html")]
    with sqlite3.connect(tmp_path / "index.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone() == (3,)
        assert {n for (n,) in db.execute("select name from sqlite_master where tbl_name = 'discoveries'")} == {
            "discoveries",
            "discoveries_url",
            "discoveries_once",
        }


def test_an_index_of_version_2_gains_run_events_keeping_its_rows(tmp_path: Path) -> None:
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        index.add_discovery("r1", "http://a.gov.cn/f.pdf", "attachment", found_at="2024-03-01T08:30:05Z")
        index.add_fetch(run_id="r1", url="http://a.gov.cn/f.pdf", fetched_at=T0, outcome="network_error")
    with sqlite3.connect(tmp_path / "index.sqlite") as db:  # back to what version 2 wrote
        db.execute("DROP TABLE run_events")
        db.execute("PRAGMA user_version = 2")
    db.close()
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        event = index.add_event("r1", "list_limit", "column hit 500 list pages", site="a.gov.cn", at=T0)
        assert [(d["url"], d["found_at"]) for d in index.discoveries()] == [
            ("http://a.gov.cn/f.pdf", "2024-03-01T08:30:05Z")
        ]
        assert [f["outcome"] for f in index.fetches()] == ["network_error"]
        assert index.events() == [
            {"id": event, "run_id": "r1", "site": "a.gov.cn", "kind": "list_limit", "url": None,
             "detail": "column hit 500 list pages", "at": "2024-03-01T08:30:05Z"}
        ]  # fmt: skip
    with sqlite3.connect(tmp_path / "index.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone() == (3,)
    db.close()


def test_events_of_one_run(tmp_path: Path) -> None:
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        index.add_event("r1", "no_network", "no host answered")
        index.add_event("r2", "torn_record_sealed", "warc/x.warc.gz:4096, 900 bytes", url="warc/x.warc.gz")
        assert [(e["run_id"], e["kind"], e["url"]) for e in index.events("r2")] == [
            ("r2", "torn_record_sealed", "warc/x.warc.gz")
        ]
        assert [e["kind"] for e in index.events()] == ["no_network", "torn_record_sealed"]


# -- runs and discoveries -----------------------------------------------------------------------


def test_runs_lifecycle(sample: dict) -> None:
    with ProvenanceIndex(sample["root"] / "index.sqlite") as index:
        (run,) = index.runs()
        assert (run["run_id"], run["status"]) == (RUN, "finished")
        assert json.loads(run["sites_json"]) == ["example-gov"]
        assert json.loads(run["settings_json"]) == {"ROBOTSTXT_OBEY": True}
        assert json.loads(run["stats_json"]) == {
            "downloader/request_count": 6,
            "finish_time": "2024-03-01 08:30:05+00:00",
        }
        with pytest.raises(ValueError):
            index.finish_run(RUN, "running")
        with pytest.raises(KeyError):
            index.finish_run("no_such_run", "failed")
        index.start_run(RUN, ["example-gov"], {})  # resumed
        (resumed,) = index.runs()
    assert (resumed["status"], resumed["finished_at"], resumed["started_at"]) == ("running", None, run["started_at"])


def test_discoveries_ignore_duplicate_links(tmp_path: Path) -> None:
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        first = index.add_discovery(
            RUN, "http://a.gov.cn/2023.html", "report_page", site="a", title="2023年政府信息公开工作年度报告",
            year=2023, referrer="http://a.gov.cn/list.html", found_at=T0,
        )  # fmt: skip
        again = index.add_discovery(
            RUN, "http://a.gov.cn/2023.html", "report_page", title="other title", referrer="http://a.gov.cn/list.html"
        )
        other_kind = index.add_discovery(RUN, "http://a.gov.cn/2023.html", "attachment")
        other_kind_again = index.add_discovery(RUN, "http://a.gov.cn/2023.html", "attachment")
        # The same document linked from another page is another link: the build needs to know both pages.
        other_page = index.add_discovery(
            RUN, "http://a.gov.cn/2023.html", "report_page", referrer="http://a.gov.cn/all/list.html"
        )
        rows = list(index.discoveries(RUN))
        assert list(index.discoveries("other_run")) == []
    assert isinstance(first, int) and isinstance(other_kind, int) and isinstance(other_page, int)
    assert again is None and other_kind_again is None
    assert [(r["kind"], r["title"], r["year"], r["referrer"]) for r in rows] == [
        ("report_page", "2023年政府信息公开工作年度报告", 2023, "http://a.gov.cn/list.html"),
        ("attachment", None, None, None),
        ("report_page", None, None, "http://a.gov.cn/all/list.html"),
    ]
    assert rows[0]["found_at"] == "2024-03-01T08:30:05Z"
