"""The Chongqing government site platform (TRS WCM): its markers, TRS pagination, the TRS body container."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from crawler.families import family_of
from parsers.html import decode, find_body

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "families" / "chongqing"  # saved from the replica's www.cqbn.gov.cn


def page(name: str) -> str:
    return decode((PAGES / name).read_bytes())


@pytest.mark.parametrize(
    "sample",
    [
        "cqbn_esz_2025.txt",
        "cqbn_jtj_2025.txt",
        "cqbn_qzfbgs_2025_wap.txt",
        "cqbn_zstzj_2024.txt",
        "cqstl_qzfbgs_2025.txt",
        "cqyz_qzfbgs_2025.txt",
    ],
)
def test_real_report_pages_of_the_platform_are_chongqing(sample):
    """The beginnings of real pages (tests/fixtures/site-samples), as text after a `# source: URL` line."""
    text = decode((FIXTURES / "site-samples" / sample).read_bytes())
    url = re.match(r"# source: (\S+)", text)[1]
    assert family_of(url, text).name == "chongqing"


def test_families_of_chongqing_urls():
    assert family_of("http://www.cqbn.gov.cn/bmjz/bm/jtj/zwgk_88817/zfxxgknb_88827/index.html", "").name == "chongqing"
    twin = "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/202601/t20260115_15332510_wap.html"
    assert family_of(twin, page("t20260115_15332510_wap.html")).name == "chongqing"


def test_trs_pagination_from_create_page_html():
    html = '<script>createPageHTML(4, 0, "index", "html");</script>'
    url = "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/index.html"
    family = family_of(url, html)
    assert family.name == "chongqing"
    assert family.list_pages(url, html) == [
        "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/index_1.html",
        "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/index_2.html",
        "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/index_3.html",
    ]


def test_a_list_page_of_the_replica():
    url = "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/"
    html = page("zfbgs_index.html")
    family = family_of(url, html)
    assert family.name == "chongqing"
    assert family.list_pages(url, html) == [
        "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/index_1.html",
        "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/index_2.html",
    ]
    assert family.list_requests(url, html) == family.page_links(html) == []


def test_the_report_body_is_the_trs_editor():
    html = page("t20250115_14967972.html")
    url = "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/202501/t20250115_14967972.html"
    assert family_of(url, html).name == "chongqing"
    body, known = find_body(lxml.html.document_fromstring(html))
    assert (body.get("class"), known) == ("TRS_Editor", True)  # inside the page's trs_paper_default
    assert body.text_content().strip().startswith("重庆市巴南区人民政府办公室2024年政府信息公开工作年度报告")
