"""TRS WCM (拓尔思): every page of a list is HTML; the count is in a script (createPageHTML, var countPage)."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html

from crawler.families import family_of, trs
from parsers.html import decode, find_body

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "families" / "trs"  # saved from the replica's www.bjtzh.gov.cn


def page(name: str) -> str:
    return decode((PAGES / name).read_bytes())


def real_page(name: str) -> tuple[str, str]:
    """A real page of tests/fixtures/site-samples and its URL (its first line: <!-- source: URL … -->)."""
    html = decode((FIXTURES / "site-samples" / name).read_bytes())
    return re.match(r"<!-- source: (\S+)", html)[1], html


def test_a_real_trs_list_page_counts_its_pages_in_create_page_html():
    url, html = real_page("yzq_gov_cn_2017_zwyw_list_page_trs.html")
    assert url == "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/"
    family = family_of(url, html)
    assert family.name == "trs"
    pages = family.list_pages(url, html)
    assert len(pages) == 119  # createPageHTML(120, 0, "index", "html"): this page and 119 others
    assert pages[:2] == [
        "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index_1.html",
        "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index_2.html",
    ]
    assert pages[-1] == "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index_119.html"
    assert family.list_requests(url, html) == family.page_links(html) == []  # its links are plain <a href>


def test_count_page_names_the_pages_after_the_current_one():
    url = "https://www.bjtzh.gov.cn/bjtz/xxgk/zfxxgknb/index.html"
    html = page("zfxxgknb_index.html")
    assert family_of(url, html).name == "trs"
    expected = [
        "https://www.bjtzh.gov.cn/bjtz/xxgk/zfxxgknb/index_1.html",
        "https://www.bjtzh.gov.cn/bjtz/xxgk/zfxxgknb/index_2.html",
    ]
    assert family_of(url, html).list_pages(url, html) == expected
    # The same from any page of the list, and from the column's folder.
    assert trs.list_pages(url.replace("index.html", "index_2.html"), html) == expected
    assert trs.list_pages(url.replace("index.html", ""), html) == expected
    assert family_of(url, "var countPage = 3;").name == "trs"
    # TRS numbers the second page _1 whatever the page's name (only the Jiangxi platform's list.html differs).
    assert trs.list_pages("https://www.x.gov.cn/a/list.html", "var countPage = 2;") == [
        "https://www.x.gov.cn/a/list_1.html"
    ]


def test_pages_beyond_any_list_are_a_broken_count():
    html = '<script>createPageHTML(1000000, 0, "index", "html");</script>'
    assert len(trs.list_pages("https://www.x.gov.cn/a/", html)) == 9_999  # the column's list limit cuts before


def test_the_report_body_is_the_trs_container():
    html = page("t20240110_3296750.html")
    assert family_of("https://www.bjtzh.gov.cn/bjtz/xxgk/zfxxgknb/202401/t20240110_3296750.html", html).name == "trs"
    body, known = find_body(lxml.html.document_fromstring(html))
    assert (body.get("class"), known) == ("view TRS_UEDITOR trs_paper_default trs_web", True)
    assert body.text_content().strip().startswith("北京市通州区发展和改革委员会2023年政府信息公开工作年度报告")
