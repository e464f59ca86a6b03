"""The table of CMS families (names and body containers in common/families.py, behaviour in crawler/families/)
and the spider, which asks only the family a page shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from common.families import GENERIC, NAMES, body_selectors
from common.registry import load
from crawler.families import FAMILIES, MODULES
from crawler.families.api import ApiCall, ApiPage
from crawler.families.family import ListRequest
from crawler.items import Discovery
from crawler.spiders.reports import ReportsSpider
from parsers.html import BODY_CONTAINERS

PAGES = Path(__file__).parent / "fixtures" / "families"


def test_the_crawler_has_one_module_for_each_family_of_the_table():
    assert sorted(MODULES) == sorted(NAMES)  # a name without a module fails at import
    assert [f.name for f in FAMILIES] == list(NAMES)  # in the table's order
    assert FAMILIES[-1].name == GENERIC  # claims every page no other family did


def test_the_registry_accepts_each_family_name(tmp_path):
    for name in NAMES:
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'[[site]]\nhost = "www.x.gov.cn"\nname = "x"\nadmin_code = "500113"\ncms = "{name}"\n'
            'start_urls = ["http://www.x.gov.cn/"]\n',
            encoding="utf-8",
        )
        assert load(path)["www.x.gov.cn"].cms == name


def test_the_body_finder_tries_the_families_containers_in_table_order():
    assert (
        BODY_CONTAINERS
        == body_selectors()
        == (
            ".TRS_Editor",
            ".trs_editor_view",
            ".trs_paper_default",
            "#zoom",
            "#UCAP-CONTENT",
            ".article-content",
            ".view",
            "article",
        )
    )


def test_parsers_read_the_containers_without_scrapy_or_the_crawler():
    code = "import sys, parsers.extract; print(sorted({m.split('.')[0] for m in sys.modules} & {'scrapy', 'crawler'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "[]\n"


# --- the spider ------------------------------------------------------------------------------------------------


@pytest.fixture
def spider() -> ReportsSpider:
    return ReportsSpider.from_crawler(get_crawler(ReportsSpider, {"NIANBAO_REGISTRY": load()}))


def response(cls, url: str, body: bytes, **meta):
    return cls(url, body=body, request=Request(url, meta={"nianbao_outcome": "ok", **meta}))


def summary(results) -> list[tuple[str, str]]:
    """(callback or discovery kind, url) of what a callback yielded."""
    return [(r.kind, r.url) if isinstance(r, Discovery) else (r.callback.__name__, r.url) for r in results]


def test_the_spider_asks_only_the_family_the_page_shows(spider):
    url = "https://www.yuhang.gov.cn/col/col1229100051/index.html"
    body = (PAGES / "hanweb" / "col1229100051_index.html").read_bytes()
    # A TRS page count on a Hanweb page is not read: the page is Hanweb's (its markers come first).
    body = body.replace(b"</body>", b'<script>createPageHTML(3, 0, "index", "html");</script></body>')
    out = summary(spider.parse_page(response(HtmlResponse, url, body, nav_depth=3, in_report_column=True)))
    proxy = "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp"
    assert out[:2] == [
        (
            "parse_list_part",
            f"{proxy}?startrecord=6&endrecord=10&perpage=5&columnid=1229100051&unitid=7012345&webid=3397",
        ),
        (
            "parse_list_part",
            f"{proxy}?startrecord=11&endrecord=12&perpage=5&columnid=1229100051&unitid=7012345&webid=3397",
        ),
    ]
    assert not any("index_1.html" in u for _, u in out)
    report = "https://www.yuhang.gov.cn/art/2024/1/23/art_1229100051_59508445.html"  # a record of the datastore
    assert ("report_page", report) in out and ("parse_report", report) in out
    assert spider.crawler.stats.get_stats() == {"nianbao/cms/www.yuhang.gov.cn/hanweb": 1}


def test_list_parts_are_read_by_the_family_that_asked(spider):
    url = "https://www.lg.gov.cn/api/content/list?columnId=8231&pageSize=5&pageNo=1"
    call = ApiCall(
        "https://www.lg.gov.cn/api/content/list", (("columnId", "8231"), ("pageSize", "5")), "pageNo", "pageSize"
    )
    body = (PAGES / "api" / "list_pageNo1.json").read_bytes()
    meta = {"family": "api", "list_request": ListRequest(url, ApiPage(call, 1)), "in_report_column": True}
    out = summary(spider.parse_list_part(response(TextResponse, url, body, **meta)))
    assert out[:2] == [
        ("parse_list_part", url.replace("pageNo=1", "pageNo=2")),
        ("parse_list_part", url.replace("pageNo=1", "pageNo=3")),
    ]
    assert [u for kind, u in out if kind == "report_page"] == [
        "https://www.lg.gov.cn/xxgk/zfxxgknb/content/post_10055749.html",
        "https://www.lg.gov.cn/xxgk/zfxxgknb/content/post_10889727.html",
        "https://www.lg.gov.cn/xxgk/zfxxgknb/content/post_10667687.html",
    ]
    xml_url = "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=6&endrecord=10&perpage=5&columnid=1229100051&unitid=7012345&webid=3397"
    body = (PAGES / "hanweb" / "dataproxy_startrecord6.xml").read_bytes()
    meta = {"family": "hanweb", "list_request": ListRequest(xml_url), "in_report_column": True}
    out = summary(spider.parse_list_part(response(XmlResponse, xml_url, body, **meta)))
    assert [u for kind, u in out if kind == "report_page"] == [
        "https://www.yuhang.gov.cn/art/2023/1/23/art_1229100051_59137749.html"
    ]
    assert spider.crawler.stats.get_stats() == {}  # list parts are no pages of the site


def test_the_hanweb_report_page_leads_to_the_units_columns():
    # Discovery from the bare home page: no registry entry names the site's 年报 columns.
    settings = {"NIANBAO_REGISTRY": {}, "NIANBAO_START_URLS": ["https://www.yuhang.gov.cn/"]}
    spider = ReportsSpider.from_crawler(get_crawler(ReportsSpider, settings))
    url = "https://www.yuhang.gov.cn/col/col1229100050/index.html"
    body = (PAGES / "hanweb" / "col1229100050_index.html").read_bytes()
    out = summary(spider.parse_page(response(HtmlResponse, url, body, nav_depth=2, names_column=True)))
    assert [u for kind, u in out if kind == "report_column"] == [
        url,  # the breadcrumb's 政府信息公开年报
        "https://www.yuhang.gov.cn/col/col1229100051/index.html",  # 余杭区政府
        "https://www.yuhang.gov.cn/col/col1229100052/index.html",  # 区财政局
        "https://www.yuhang.gov.cn/col/col1229100053/index.html",  # 五常街道
    ]
    # Reached by another way than its name, the page's unit links are only links.
    out = summary(spider.parse_page(response(HtmlResponse, url, body, nav_depth=2)))
    assert [u for kind, u in out if kind == "report_column"] == [url]


def test_pages_of_no_family_keep_the_generic_behaviour(spider):
    home = summary(
        spider.parse_page(
            response(HtmlResponse, "https://www.lg.gov.cn/", (PAGES / "auto" / "lg_home.html").read_bytes())
        )
    )
    assert ("parse_page", "https://www.lg.gov.cn/xxgk/") in home  # a menu link towards the reports
    url = "https://www.bjtzh.gov.cn/bjtz/xxgk/"
    menu = summary(
        spider.parse_page(response(HtmlResponse, url, (PAGES / "auto" / "bjtzh_xxgk.html").read_bytes(), nav_depth=1))
    )
    column = "https://www.bjtzh.gov.cn/bjtz/xxgk/zfxxgknb/index.html"
    assert ("report_column", column) in menu and ("parse_page", column) in menu
    assert spider.crawler.stats.get_stats() == {}  # no family's markers: nothing for the discovery summary
