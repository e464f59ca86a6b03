"""The Jiangxi government site platform (TRS WCM): its markers, list.html pagination, the zoom body container."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from crawler.families import family_of
from parsers.html import decode, find_body

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "families" / "jiangxi"  # saved from the replica's www.yzq.gov.cn


def page(name: str) -> str:
    return decode((PAGES / name).read_bytes())


@pytest.mark.parametrize(
    "sample",
    [
        "jxxz_2017_prerevision.txt",
        "yichun_2021_text_extraction_drops_chars.txt",
        "yzq_gxw_2016_prerevision_zfxxgkndbgd3.txt",
        "yzq_lyj_2023_zfxxgkndbg1b.txt",
        "yzq_ztz_2023_zfxxgkndbg86.txt",
    ],
)
def test_real_report_pages_of_the_platform_are_jiangxi(sample):
    """The beginnings of real pages (tests/fixtures/site-samples), as text after a `# source: URL` line."""
    text = decode((FIXTURES / "site-samples" / sample).read_bytes())
    url = re.match(r"# source: (\S+)", text)[1]
    assert family_of(url, text).name == "jiangxi"


def test_count_page_pagination_on_the_jiangxi_platform():
    url = "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg86/pc/list.html"
    family = family_of(url, "var countPage = 3;")
    assert family.name == "jiangxi"
    assert family.list_pages(url, "var countPage = 3;") == [
        "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg86/pc/list_2.html",
        "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg86/pc/list_3.html",
    ]
    assert family_of("http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg86/pc/list.html", "").name == "jiangxi"


def test_a_list_page_of_the_replica():
    url = "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg5e/pc/list.html"
    html = page("zfxxgkndbg5e_list.html")
    family = family_of(url, html)
    assert family.name == "jiangxi"
    expected = [
        "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg5e/pc/list_2.html",
        "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg5e/pc/list_3.html",
    ]
    assert family.list_pages(url, html) == expected
    assert family.list_pages(url.replace("list.html", "list_3.html"), html) == expected
    assert family.list_requests(url, html) == family.page_links(html) == []
    # A TRS list of the platform that is not list.html numbers its second page _1.
    assert family.list_pages("http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg5e/index.html", "var countPage = 2;") == [
        "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg5e/index_1.html"
    ]


def test_a_gbk_list_page_of_one_page():
    data = (PAGES / "zfxxgkndbgd3_list_gbk.html").read_bytes()  # <meta charset=gb2312>, none in Content-Type
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    html = decode(data)
    assert "袁州区工业和信息化委员会2016年政府信息公开工作年度报告" in html
    url = "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbgd3/pc/list.html"
    assert family_of(url, html).name == "jiangxi"
    assert family_of(url, html).list_pages(url, html) == []  # var countPage = 1


def test_the_report_body_is_the_zoom_container():
    html = page("e583a833ddea8347b02cab0a0ce547ab.shtml")
    url = "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg5e/202401/e583a833ddea8347b02cab0a0ce547ab.shtml"
    assert family_of(url, html).name == "jiangxi"
    body, known = find_body(lxml.html.document_fromstring(html))
    assert (body.get("id"), known) == ("zoom", True)
    assert body.text_content().strip().startswith("宜春市袁州区人民政府2023年政府信息公开工作年度报告")
