"""Report identity, versions and changes, built from synthetic archives of several crawl runs written by hand (WARC
records and index rows, as the crawl writes them).

The runs of the archive the tests share (hosts H1 and H2):
  run1  full, finished, [H1, H2]: A (2023), B (2022) of 区政府, D and F (other agencies) on H1; E on H2
  run2  incremental, finished: A again (other bytes: a hit counter and a menu), B with other numbers, C new,
        G (区政府 2023 again: a correction published as a new article); D and E not listed
  run3  full, interrupted, [H1, H2]: B again (same bytes), C a network error, nothing else listed
  run4  full, finished, [H1] only: A answers 304, B, C, G listed; F listed but 404; D, E not listed
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.index import ProvenanceIndex
from archive.warc import WarcWriter
from common.datadir import DataDir
from parsers.model import Cell, ParseResult
from publish.build import build
from publish.versions import assign_ids, content_of
from replica.content import Unit, generated_report
from replica.render import report_html

H1, H2 = "www.dongchuan.gov.cn", "www.qingling.gov.cn"
HTML = "text/html; charset=utf-8"
T0 = datetime(2026, 1, 5, tzinfo=UTC)
GOVERNMENT = Unit(H1, "zf", "青岭市东川区人民政府", "government")
OTHERS = {
    "C": Unit(H1, "jy", "青岭市东川区教育局", "department"),
    "D": Unit(H1, "cz", "青岭市东川区财政局", "department"),
    "F": Unit(H1, "sw", "青岭市东川区商务局", "department"),
    "E": Unit(H2, "zf", "青岭市人民政府", "government"),
}


def url(host: str, name: str) -> str:
    return f"https://{host}/xxgk/ndbg/{name}.html"


def report_page(unit: Unit, year: int, *, received: str | None = None, counter: int = 1, menu: str = "首页") -> bytes:
    """A report page carrying the tables; `received` overrides 收到申请数 (total); a hit counter inside the article
    and a menu around it, which are no part of the report."""
    content = generated_report(unit, year)
    if received is not None:
        content = replace(content, cells=content.cells | {"requests.received.total": received})
    return (
        f'<html><head><meta charset="utf-8"><title>{content.title}</title></head><body>'
        f'<div class="menu"><a href="/">{menu}</a></div>'
        f'<div class="article"><h2>{content.title}</h2>'
        f"<div class=info>发布时间：{year + 1}-01-20 浏览次数：{counter}</div>"
        f"<div class=view>{report_html(content)}</div></div></body></html>"
    ).encode()


class Crawls:
    """Writes runs into one data directory, as the crawl does: a WARC file per run, index rows, discoveries."""

    def __init__(self, data: DataDir):
        self.data, self.clock = data, T0
        self.index = ProvenanceIndex(data.index)
        self.last_record: dict[str, tuple[str, str]] = {}  # url -> (WARC record id, sha256) of its last response

    def run(self, run_id: str, sweep: str, status: str, sites: list[str], pages: dict) -> None:
        """`pages`: url -> (site, body bytes | 304 | 404 | "network_error"), each listed on its site's list page."""
        self.index.start_run(run_id, sites, {"sweep": sweep}, started_at=self.clock)
        with WarcWriter(self.data.warc_dir, run_id) as writer:
            for site in sites:
                listing = url(site, "index")
                links = [u for u, (s, _) in pages.items() if s == site]
                self.fetch(writer, run_id, site, listing, "".join(f'<a href="{u}">年报</a>' for u in links).encode())
                for u in links:
                    self.index.add_discovery(run_id, u, "report_page", site=site, title="年度报告", referrer=listing)
            for u, (site, body) in pages.items():
                if body == "network_error":
                    self.clock += timedelta(seconds=1)
                    self.index.add_fetch(
                        run_id=run_id, site=site, url=u, fetched_at=self.clock, outcome="network_error", error="reset"
                    )
                elif body == 304:
                    self.clock += timedelta(seconds=1)
                    self.index.add_fetch(
                        run_id=run_id, site=site, url=u, fetched_at=self.clock, status=304, outcome="not_modified",
                        record_type="revisit", refers_to_record_id=self.last_record[u][0], sha256=self.last_record[u][1],
                    )  # fmt: skip  # as the crawl records a 304: the record and sha256 of the payload it revalidated
                else:
                    self.fetch(writer, run_id, site, u, b"<html>404 Not Found</html>" if body == 404 else body)
        self.index.finish_run(run_id, status, {}, finished_at=self.clock)

    def fetch(self, writer: WarcWriter, run_id: str, site: str, u: str, body: bytes) -> None:
        self.clock += timedelta(seconds=1)
        status = 404 if body.startswith(b"<html>404") else 200
        headers = [("Content-Type", HTML)]
        location = writer.write_exchange(u, status=status, response_headers=headers, body=body, fetched_at=self.clock)
        self.index.add_fetch(
            run_id=run_id, site=site, url=u, fetched_at=self.clock, status=status,
            outcome="ok" if status == 200 else "http_error", content_type=HTML, length=len(body),
            sha256=hashlib.sha256(body).hexdigest(), **location.index_fields(),
        )  # fmt: skip
        self.last_record[u] = (location.index_fields()["warc_record_id"], hashlib.sha256(body).hexdigest())


A, B, C, D, E, F, G = (url(H1, "a"), url(H1, "b"), url(H1, "c"), url(H1, "d"), url(H2, "e"), url(H1, "f"),
                       url(H1, "g"))  # fmt: skip


def first_run(crawls: Crawls) -> None:
    crawls.run("run1", "full", "finished", [H1, H2], {
        A: (H1, report_page(GOVERNMENT, 2023)), B: (H1, report_page(GOVERNMENT, 2022, received="12")),
        D: (H1, report_page(OTHERS["D"], 2023)), F: (H1, report_page(OTHERS["F"], 2023)),
        E: (H2, report_page(OTHERS["E"], 2023)),
    })  # fmt: skip


def later_runs(crawls: Crawls) -> None:
    b2 = report_page(GOVERNMENT, 2022, received="15")
    crawls.run("run2", "incremental", "finished", [H1, H2], {
        A: (H1, report_page(GOVERNMENT, 2023, counter=2, menu="首页 | 政务公开")), B: (H1, b2),
        C: (H1, report_page(OTHERS["C"], 2023)), G: (H1, report_page(GOVERNMENT, 2023, received="7")),
    })  # fmt: skip
    crawls.run("run3", "full", "interrupted", [H1, H2], {B: (H1, b2), C: (H1, "network_error")})
    crawls.run("run4", "full", "finished", [H1], {
        A: (H1, 304), B: (H1, b2), C: (H1, report_page(OTHERS["C"], 2023)), G: (H1, report_page(GOVERNMENT, 2023, received="7")),
        F: (H1, 404),
    })  # fmt: skip


def query(data: DataDir, sql: str, *args) -> list[tuple]:
    with closing(sqlite3.connect(data.database)) as db:
        return db.execute(sql, args).fetchall()


def ids(data: DataDir) -> dict[str, str]:
    return dict(query(data, "select detail_url, id from reports"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The archive after run1 (built), then after run4 (built): the ids of both builds and the data directory."""
    data = DataDir(tmp_path_factory.mktemp("versions") / "data")
    crawls = Crawls(data)
    first_run(crawls)
    build(data, {}, jobs=1)
    after_first = ids(data)
    later_runs(crawls)
    crawls.index.close()
    build(data, {}, jobs=1)
    return {"data": data, "after_first": after_first}


def test_an_id_is_the_agency_and_year_and_stays_through_versions_and_rebuilds(built):
    data = built["data"]
    now = ids(data)
    assert {u: now[u] for u in built["after_first"]} == built["after_first"]  # B changed; A's bytes changed
    [(government,)] = query(data, "select id from agencies where name = '青岭市东川区人民政府'")
    assert (now[A], now[B]) == (f"{government}-2023", f"{government}-2022")
    # A correction published as a new article is another report of the same agency and year: first seen keeps it.
    assert now[G] == f"{government}-2023-2"
    assert query(data, "select count(*), count(distinct id) from reports") == [(7, 7)]


def test_same_content_in_other_bytes_or_a_304_is_one_version(built):
    data = built["data"]
    # A: run1, run2 with another hit counter and menu, run4 answered 304 Not Modified: one version, seen until run4.
    assert query(
        data,
        "select version, versions_count, changed_after_publication, changed_on from reports where detail_url = ?",
        A,
    ) == [(1, 1, 0, None)]
    [(last_seen,)] = query(data, "select max(fetched_at) from fetches where url = ?", A)
    assert query(data, "select first_seen < last_seen, last_seen from reports where detail_url = ?", A) == [
        (1, last_seen)
    ]
    assert query(data, "select count(*) from documents where url = ?", A) == [(2,)]  # both payloads are archived
    assert query(data, "select change from changes where detail_url = ?", A) == [("new",)]


def test_numbers_changed_in_place_make_version_2_with_the_changed_cells(built):
    data = built["data"]
    assert query(
        data,
        "select version, versions_count, changed_after_publication, first_published_on, changed_on from reports "
        "where detail_url = ?",
        B,
    ) == [(2, 2, 1, "2023-01-20", "2026-01-05")]
    report_id = ids(data)[B]
    assert query(
        data,
        "select version, superseded_by, parse_status, first_seen < last_seen from report_versions where report_id = ? "
        "order by version",
        report_id,
    ) == [(1, 2, "ok", 0), (2, None, "ok", 1)]  # version 2 seen again in run3 and run4 (same bytes)
    assert query(data, "select run_id, change, version, cells from changes where report_id = ?", report_id) == [
        ("run1", "new", 1, None),
        ("run2", "changed", 2, json.dumps({"requests.received.total": ["12", "15"]})),
    ]
    # Every version links back to its archived bytes.
    assert query(
        data,
        "select d.format, d.url from report_versions v join documents d on d.sha256 = v.document_sha256 "
        "where v.report_id = ? order by v.version",
        report_id,
    ) == [("html", B), ("html", B)]
    assert query(data, "select * from cell_changes") == [
        ("run2", report_id, "requests", "received", "total", 12, 15, "12", "15")
    ]
    assert query(
        data, "select value from cells where report_id = ? and row_key = 'received' and column_key = 'total'", report_id
    ) == [(15,)]


def test_changes_per_run_new_changed_and_gone_only_after_a_finished_full_sweep_of_the_site(built):
    data = built["data"]
    rows = query(
        data,
        "select run_id, change, detail_url from changes where change != 'new' or run_id != 'run1' order by run_id, change, detail_url",
    )
    # D: unlisted in run2 (incremental) and run3 (interrupted), gone in run4. E: run4 did not cover its site.
    # F: listed in run4, but answered 404. C: the same in run4 as in run2, with a network error in between.
    assert rows == [
        ("run2", "changed", B),
        ("run2", "new", C),
        ("run2", "new", G),
        ("run4", "gone", D),
        ("run4", "gone", F),
    ]
    assert query(data, "select run_id, change, agency, year from changes where detail_url = ? order by run_id", D) == [
        ("run1", "new", "青岭市东川区财政局", 2023),
        ("run4", "gone", "青岭市东川区财政局", 2023),
    ]
    assert query(data, "select count(*) from changes c join agencies a on a.id = c.agency_id") == [(10,)]
    # crawl_runs counts reports by content, from the same rows.
    assert query(
        data,
        "select run_id, reports_new, reports_changed, reports_gone from crawl_runs where site = ? order by run_id",
        H1,
    ) == [("run1", 4, 0, 0), ("run2", 2, 1, 0), ("run3", 0, 0, 0), ("run4", 0, 0, 2)]


def test_rebuilds_give_the_same_database_with_any_number_of_workers_and_no_cache(built, tmp_path):
    data = built["data"]
    before = dump(data.database)
    data.parse_cache.unlink()
    build(data, {}, jobs=2)
    assert dump(data.database) == before


def dump(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as db:
        return list(db.iterdump())


def test_ids_of_unknown_agency_or_year_come_from_the_detail_url():
    def row(agency, year, detail, first_seen="2026-01-01"):
        return {"agency_id": "ag", "agency": agency, "year": year, "detail_url": detail, "document_url": detail,
                "first_seen": first_seen}  # fmt: skip

    reports = [row("(unknown)", 2023, "u1"), row("某局", None, "u2"), row("某局", 2023, "u4", "2026-02-01"),
               row("某局", 2023, "u3", "2026-02-01")]  # fmt: skip
    assign_ids(reports)
    digest = lambda u: hashlib.sha256(u.encode()).hexdigest()[:16]  # noqa: E731
    assert [r["id"] for r in reports] == [f"url-{digest('u1')}", f"url-{digest('u2')}", "ag-2023-2", "ag-2023"]


def test_content_is_the_text_without_whitespace_or_hit_counters_and_the_cells():
    def content(text, received=3):
        return content_of(
            ParseResult(status="ok", text=text, cells=[Cell("requests", "received", "total", received, str(received))])
        )

    assert content("本年度收到申请3件。\n浏览次数：12") == content("本年度收到申请3件。 阅读量: 345次")
    assert content("本年度收到申请3件。") != content("本年度收到申请4件。")
    assert content("本年度收到申请3件。") != content("本年度收到申请3件。", received=4)
    assert content_of(ParseResult(status="needs_ocr", text="")) is None  # its bytes stand for its content
