"""Finding things on the site: Chinese search (any substring of two or more characters), the home page and the
agency pages, on a Datasette serving a database built from a replica crawl."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import sys
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from publish.search import match_query, segment, write_index

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
WORDS = ("复议", "收费", "不予公开", "依申请", "行政诉讼", "主动公开", "安澜镇", "公开复议", "2019年")

# --- the index and the query, without Datasette --------------------------------------------------------------------


def test_chinese_runs_are_indexed_as_overlapping_bigrams():
    assert segment("2019年不予公开，复议abc") == "2019 年不 不予 予公 公开 开 ， 复议 议 abc"
    assert segment(None) == ""


def test_a_query_is_one_phrase_of_bigrams_per_word_and_never_fts_syntax():
    assert match_query("复议") == '"复议"'
    assert match_query("不予公开") == '"不予 予公 公开"'
    assert match_query("依申请 行政诉讼") == '"依申 申请" "行政 政诉 诉讼"'
    assert match_query("复") == '"复" *'
    assert match_query("2019年") == '"2019 年" *'
    assert match_query('NOT "a OR b') == '"NOT" "a OR b"'
    assert match_query("") == '""'


def _small_index() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE reports (title TEXT, agency TEXT, body TEXT)")
    db.executemany(
        "INSERT INTO reports VALUES (?, ?, ?)",
        [
            ("某局2019年报告", "某局", "本年度不予公开3件，依申请公开2件，收费0元。"),
            ("某镇报告", "某镇人民政府", "申请行政复议1件，提起行政诉讼2件。"),
            ("公开", "某区", "公开 复议"),
        ],
    )
    write_index(db)
    return db


@pytest.mark.parametrize(
    ("query", "rowids"),
    [
        ("复议", [2, 3]),
        ("不予公开", [1]),
        ("予公", [1]),
        ("依申请", [1]),
        ("行政诉讼", [2]),
        ("收费", [1]),
        ("公开复议", []),  # both words are in row 3, not as one substring
        ("公开 复议", [3]),
        ("2019年", [1]),
        ("镇", [2]),
    ],
)
def test_the_index_finds_exactly_the_rows_holding_the_substring(query, rowids):
    db = _small_index()
    found = db.execute("SELECT rowid FROM reports_fts WHERE reports_fts MATCH ? ORDER BY rowid", (match_query(query),))
    assert [r for (r,) in found] == rowids


# --- the site ------------------------------------------------------------------------------------------------------


def _get(url: str) -> str:
    return urllib.request.urlopen(url, timeout=30).read().decode("utf-8")


def _query(db: Path, sql: str, *params) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def _holding(db: Path, word: str) -> set[str]:
    """Ids of the reports whose title, agency or text holds the word (the slow way)."""
    like = f"%{word}%"
    sql = "select id from reports where title like ? or agency like ? or body like ?"
    return {i for (i,) in _query(db, sql, like, like, like)}


@pytest.mark.slow
def test_the_reports_search_box_finds_every_report_holding_the_words_through_the_index(site):
    base, db = site
    found = {}
    for word in WORDS:
        url = f"{base}/reports/reports.json?" + urllib.parse.urlencode({"_search": word, "_size": "max"})
        answer = json.loads(_get(url))
        ids = {row[0] for row in answer["rows"]}
        assert ids == _holding(db, word), word
        years = [row[answer["columns"].index("year")] for row in answer["rows"]]
        assert years == sorted(years, reverse=True)  # newest first: rowid order, the build's
        assert answer["human_description_en"].endswith("sorted by rowid"), answer["human_description_en"]
        found[word] = len(ids)
        assert "match escape_fts(:search)" in answer["query"]["sql"]
        assert "like" not in answer["query"]["sql"].lower()
    assert found == {
        "复议": 34,
        "收费": 1,
        "不予公开": 0,  # the demo's narrative texts never say it (its tables do); see the index tests above
        "依申请": 32,
        "行政诉讼": 34,
        "主动公开": 34,
        "安澜镇": 3,
        "公开复议": 0,
        "2019年": 4,
    }
    # Only the reports table's searches are changed so: another table keeps its own sort.
    other = json.loads(_get(f"{base}/reports/checks.json?" + urllib.parse.urlencode({"_search": "复议"})))
    assert "sorted by rowid" not in other["human_description_en"]
    # Pages of results follow each other, newest first (rowid order), in the HTML too.
    first = _get(f"{base}/reports/reports?" + urllib.parse.urlencode({"_search": "复议", "_size": "20"}))
    (next_url,) = set(re.findall(r'href="([^"]*_next=[^"]*)"', first))
    following = urllib.parse.urlsplit(html.unescape(next_url))
    second = _get(f"{base}{following.path}?{following.query}")
    shown = [re.findall(r'<a href="/reports/reports/([^"]+)">', p) for p in (first, second)]
    assert len(set(shown[0])) == 20 and len(set(shown[1])) == 14 and not set(shown[0]) & set(shown[1])
    page = _get(f"{base}/reports/reports?" + urllib.parse.urlencode({"_search": "复议"}))
    assert 'value="复议"' in page  # the box shows what the reader typed, not the bigrams
    assert "34 rows where search matches" in page
    assert page.count("<mark>复议</mark>") == 34  # each row's text: a snippet around the word, marked
    # Facets of search results only when asked (a broad word matches most reports), with a link that asks.
    assert 'id="facet-province"' not in page and "显示分面 show facets" in page
    assert 'href="?_search=%E5%A4%8D%E8%AE%AE&amp;_search_facets=1"' in page
    faceted = _get(f"{base}/reports/reports?" + urllib.parse.urlencode({"_search": "复议", "_search_facets": "1"}))
    assert 'id="facet-province"' in faceted and "34 rows where search matches" in faceted
    assert 'id="facet-province"' in _get(f"{base}/reports/reports")


@pytest.mark.slow
def test_the_canned_search_shows_a_snippet_and_links_each_report_page(site):
    base, db = site
    rows = json.loads(_get(f"{base}/reports/search.json?" + urllib.parse.urlencode({"q": "复议", "_shape": "array"})))
    assert {r["report_id"] for r in rows} == _holding(db, "复议")
    assert all("复议" in r["snippet"] for r in rows)
    page = _get(f"{base}/reports/search?" + urllib.parse.urlencode({"q": "安澜镇"}))
    links = set(re.findall(r'<a href="/reports/reports/([^"]+)">', page))
    # The third: a PDF's page without LibreOffice, its agency read from the page's sentence (not this part's concern).
    assert links == {"57c2f7c4e24f5d12-2019", "57c2f7c4e24f5d12-2020", "a9d8cd28b51e1445-2021"}


@pytest.mark.slow
def test_the_home_page_says_what_and_how_current_with_the_real_counts(site):
    base, db = site
    page = _get(base + "/")
    (last_crawl,) = _query(db, "select max(finished_at) from crawl_runs")[0]
    assert f"最近抓取 Last crawl: <strong>{last_crawl}</strong>" in page
    assert "政府信息公开工作年度报告" in page and "Database built: <strong>20" in page
    assert '<a href="/reports/reports">42 份报告 reports</a>' in page
    assert '<a href="/reports/agencies">30 个机关 agencies</a>' in page
    assert '<a href="/reports/cells">6,586 个单元格 cells</a>' in page
    assert '<a href="/reports/checks?status=fail">2 项未通过的一致性检查 failing checks</a>' in page
    assert '<a href="/reports/coverage?days_late__gt=0">1 份逾期发布 late reports</a>' in page
    assert '<a href="/reports/coverage?status=missing">89 份缺失 missing reports</a>' in page
    assert '<a href="/reports.db">reports.db</a>' in page
    assert '<a href="/reports/search">全文检索 Search reports</a>' in page
    assert _query(db, "select count(*) from cells")[0][0] == 6586


@pytest.mark.slow
def test_an_agency_page_shows_its_years_figures_and_reports(site):
    base, _ = site
    page = _get(f"{base}/reports/agencies/57c2f7c4e24f5d12")
    assert "<h1" in page and "重庆市巴南区安澜镇人民政府</h1>" in page
    years = re.findall(
        r'<tr class="agency-year status-(\w+)">\s*<td>(\d+)</td>.*?<td class="figure-received">([^<]*)</td>', page, re.S
    )
    # 2019 is the seed (its gold: 0 received); from 2021 on nothing was published.
    assert years == [
        ("found", "2019", "0"),
        ("found", "2020", "25"),
        *[("missing", str(y), "") for y in range(2021, 2026)],
    ]
    assert "缺失年度 missing years: 2021, 2022, 2023, 2024, 2025" in page
    assert page.count('href="/reports/reports/57c2f7c4e24f5d12-2019"') == 2  # the grid and the list of reports
    late = _get(f"{base}/reports/agencies/5c6c0a6bbd128f0a")
    assert "逾期年度 late years: 2020（15 天 days）" in late


@pytest.mark.slow
def test_views_carry_the_canonical_agency_beside_the_printed_one(site):
    _, db = site
    sql = "select distinct agency_id, agency_name, agency from {} where report_id = '57c2f7c4e24f5d12-2019'"
    expected = [("57c2f7c4e24f5d12", "重庆市巴南区安澜镇人民政府", "重庆市巴南区安澜镇人民政府")]
    for view in ("report_summary", "requests_wide", "appeals_wide", "active_wide"):
        assert _query(db, sql.format(view)) == expected, view


@pytest.mark.slow
def test_the_wide_views_columns_carry_the_official_chinese_labels(site):
    base, _ = site
    requests = _get(f"{base}/reports/requests_wide")
    assert "<dt>commercial</dt><dd>法人或其他组织/商业企业</dd>" in requests
    assert (
        "<dt>row_order</dt><dd>行次 — the row&#39;s place in the printed table</dd>" in requests
    )  # metadata.yml's too
    assert 'data-column-description="自然人"' in requests
    active = _get(f"{base}/reports/active_wide")
    assert "<dt>decisions</dt><dd>处理决定数量（2019）；本年处理决定数量（2021）</dd>" in active
    assert (
        "<dt>amount_yuan</dt><dd>采购总金额（2019）；本年收费金额（单位：万元）（2021） — 折合元 in yuan</dd>" in active
    )
