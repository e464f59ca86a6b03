"""What a re-crawl asks the provenance index (crawler.frontier) and which runs are full sweeps (crawler.sweep)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive.index import ProvenanceIndex
from archive.stats import FULL, INCREMENTAL
from common.registry import load
from crawler.families.api import ApiCall, ApiPage
from crawler.families.family import ListRequest
from crawler.spiders.reports import ReportsSpider
from crawler.sweep import choose_sweep


def _fetch(index: ProvenanceIndex, run_id: str, url: str, status: int | None, record_type: str | None, **extra):
    return index.add_fetch(
        run_id=run_id,
        url=url,
        fetched_at="2026-01-01T00:00:00Z",
        status=status,
        outcome=extra.pop("outcome", "ok"),
        record_type=record_type,
        warc_record_id=extra.pop("warc_record_id", f"<urn:uuid:{run_id}-{url}-{status}>"),
        **extra,
    )


def test_last_response_is_the_newest_answered_fetch_of_another_run(tmp_path: Path):
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        url = "http://a.gov.cn/nb/t1.html"
        _fetch(index, "r1", url, 200, "response", etag='"1"')
        _fetch(index, "r2", url, 304, "revisit", outcome="not_modified", etag='"2"')
        _fetch(index, "r2", url, 503, "response", outcome="http_error")
        _fetch(index, "r2", url, None, "metadata", outcome="network_error")
        _fetch(index, "r3", url, 200, "response", etag='"3"')
        assert index.last_response(url, not_run="r3")["etag"] == '"2"'
        assert index.last_response(url, not_run="r4")["etag"] == '"3"'
        assert index.last_response("http://a.gov.cn/other.html", not_run="r4") is None
        _fetch(index, "r4", url, 404, "response", outcome="http_error")  # gone since: fetched again, not read back
        assert index.last_response(url, not_run="r5") is None
        plan = " ".join(
            str(row[-1])
            for row in index._conn.execute(
                "EXPLAIN QUERY PLAN SELECT * FROM fetches WHERE url = ? AND run_id != ? ORDER BY id DESC", (url, "x")
            )
        )
        assert "fetches_url" in plan


def test_a_runs_responses_and_refusals_and_the_known_report_urls(tmp_path: Path):
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        _fetch(index, "r1", "http://a.gov.cn/p.html", 503, "response", outcome="http_error")
        _fetch(index, "r1", "http://a.gov.cn/p.html", 200, "response")
        _fetch(index, "r1", "http://a.gov.cn/x.html", None, "metadata", outcome="robots_refused")
        _fetch(index, "r2", "http://a.gov.cn/q.html", 200, "response")
        responses = index.run_responses("r1")
        assert {u: r["status"] for u, r in responses.items()} == {"http://a.gov.cn/p.html": 200}
        assert index.run_outcome_urls("r1", "robots_refused") == {"http://a.gov.cn/x.html"}
        index.add_discovery("r1", "http://a.gov.cn/nb/1.html", "report_page")
        index.add_discovery("r1", "http://a.gov.cn/nb/1.pdf", "attachment")
        index.add_discovery("r1", "http://a.gov.cn/nb/", "report_column")
        index.add_discovery("r2", "http://a.gov.cn/nb/2.html", "report_page")
        kinds = ("report_page", "attachment")
        assert index.known_urls(kinds, not_run="r2") == {"http://a.gov.cn/nb/1.html", "http://a.gov.cn/nb/1.pdf"}


def _runs(index: ProvenanceIndex, sweeps: list[str], status: str = "finished") -> None:
    for i, sweep in enumerate(sweeps):
        run_id = f"2026010{i}T000000Z-0000"
        index.start_run(run_id, [], {"sweep": sweep}, started_at=f"2026-01-0{i + 1}T00:00:00Z")
        index.finish_run(run_id, status)


@pytest.mark.parametrize(
    ("earlier", "expected"),
    [
        ([], FULL),  # the first run walks everything
        ([FULL], INCREMENTAL),
        ([FULL, INCREMENTAL], INCREMENTAL),
        ([FULL, INCREMENTAL, INCREMENTAL], FULL),  # every third run
        ([FULL, INCREMENTAL, INCREMENTAL, FULL], INCREMENTAL),
    ],
)
def test_every_nth_run_is_a_full_sweep(tmp_path: Path, earlier: list[str], expected: str):
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        _runs(index, earlier)
        assert choose_sweep(index, "new", full=False, every=3) == expected
        assert choose_sweep(index, "new", full=True, every=3) == FULL


def test_unfinished_runs_do_not_count_towards_the_full_sweep(tmp_path: Path):
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        _runs(index, [FULL, INCREMENTAL])
        index.start_run("later", [], {"sweep": INCREMENTAL}, started_at="2026-02-01T00:00:00Z")
        index.finish_run("later", "failed")
        assert choose_sweep(index, "new", full=False, every=3) == INCREMENTAL  # the failed run does not count
        assert choose_sweep(index, "new", full=False, every=2) == FULL


def test_runs_before_sweeps_existed_count_as_full(tmp_path: Path):
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        index.start_run("old", [], {"delay": 1.0})
        index.finish_run("old", "finished")
        assert choose_sweep(index, "new", full=False, every=7) == INCREMENTAL


# --- the spider's walk of a list in an incremental run ---------------------------------------------------------

PAGES = Path(__file__).parent / "fixtures" / "families"
CQBN_LIST = "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/index.html"


def _spider(known: set[str] | None) -> ReportsSpider:
    """The spider with a stand-in frontier: incremental with these known report URLs, or a full sweep (None)."""
    spider = ReportsSpider.from_crawler(get_crawler(ReportsSpider, {"NIANBAO_REGISTRY": load()}))
    frontier = SimpleNamespace(incremental=known is not None, is_known=lambda url: url in (known or set()))
    spider.crawler._nianbao_frontier = frontier
    return spider


def _page(url: str, body: bytes, **meta) -> HtmlResponse:
    return HtmlResponse(url, body=body, request=Request(url, meta={"nianbao_outcome": "ok", **meta}))


def _requests(results) -> list[tuple[str, str]]:
    return [(r.callback.__name__, r.url) for r in results if isinstance(r, Request)]


def _list_pages(spider: ReportsSpider, response) -> list[tuple[str, list[str] | None]]:
    return [
        (r.url, r.meta.get("list_rest"))
        for r in spider.parse_page(response)
        if isinstance(r, Request) and "index_" in r.url
    ]


def test_an_incremental_run_asks_for_the_next_list_page_only_while_pages_show_new_reports():
    body = (PAGES / "chongqing" / "zfbgs_index.html").read_bytes()
    meta = {"nav_depth": 3, "in_report_column": True}
    reports = {
        r.url
        for r in _spider(None).parse_page(_page(CQBN_LIST, body, **meta))
        if getattr(r, "kind", "") == "report_page"
    }
    assert len(reports) == 1
    later = [CQBN_LIST.replace("index", f"index_{i}") for i in (1, 2)]
    # A full sweep asks for every page at once; an incremental run for the next one, carrying the rest.
    assert _list_pages(_spider(None), _page(CQBN_LIST, body, **meta)) == [(later[0], None), (later[1], None)]
    assert _list_pages(_spider(set()), _page(CQBN_LIST, body, **meta)) == [(later[0], [later[1]])]
    # A report not seen before makes the walk go on; a page of known reports ends the list.
    assert _list_pages(_spider({"http://www.cqbn.gov.cn/other.html"}), _page(CQBN_LIST, body, **meta)) == [
        (later[0], [later[1]])
    ]
    assert _list_pages(_spider(reports), _page(CQBN_LIST, body, **meta)) == []
    second = _page(later[0], body, **meta, list_rest=[later[1]], list_page=2)
    assert _list_pages(_spider(set()), second) == [(later[1], [])]


def test_an_incremental_run_reads_a_list_apis_pages_one_by_one():
    url = "https://www.lg.gov.cn/api/content/list?columnId=8231&pageSize=5&pageNo=1"
    call = ApiCall(
        "https://www.lg.gov.cn/api/content/list", (("columnId", "8231"), ("pageSize", "5")), "pageNo", "pageSize"
    )
    body = (PAGES / "api" / "list_pageNo1.json").read_bytes()
    meta = {"family": "api", "list_request": ListRequest(url, ApiPage(call, 1)), "in_report_column": True}
    parts = [r for r in _spider(set()).parse_list_part(_page(url, body, **meta)) if isinstance(r, Request)]
    parts = [r for r in parts if r.callback.__name__ == "parse_list_part"]
    assert [(r.url, [p.url for p in r.meta["parts_rest"]]) for r in parts] == [
        (url.replace("pageNo=1", "pageNo=2"), [url.replace("pageNo=1", "pageNo=3")])
    ]
    known = {
        "https://www.lg.gov.cn/xxgk/zfxxgknb/content/post_10055749.html",
        "https://www.lg.gov.cn/xxgk/zfxxgknb/content/post_10889727.html",
        "https://www.lg.gov.cn/xxgk/zfxxgknb/content/post_10667687.html",
    }
    assert [c for c, _ in _requests(_spider(known).parse_list_part(_page(url, body, **meta)))].count(
        "parse_list_part"
    ) == 0
