"""Hanweb jcms (大汉): the first records in the page's datastore, the others from dataproxy.jsp, opaque columns."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from crawler.families import family_of, hanweb
from crawler.families.family import ListRequest
from parsers.html import decode, find_body

PAGES = Path(__file__).parent / "fixtures" / "families" / "hanweb"  # saved from the replica's www.yuhang.gov.cn


def page(name: str) -> str:
    return decode((PAGES / name).read_bytes())


JCMS = """<div id="7012345"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=123&path=/&columnid=1229100051&unitid=7012345&webname=%E4%BD%99&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2024/1/15/art_1229100051_59012345.html" target="_blank" title="杭州市余杭区财政局2023年政府信息公开工作年度报告">杭州市余杭区财政局2023年政府信息公开工作年度报告</a><span>2024-01-15</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2024/1/9/art_1229100051_59012001.html" title="余杭区财政局召开会议">余杭区财政局召开会议</a></li>]]></record>
</recordset></datastore></script></div>
<script>$(function(){ $('#7012345').jpage({dataStore: dataStore, proxyUrl: '/module/web/jpage/dataproxy.jsp', perPage: 5, totalRecord: 12, groupSize: 1}); });</script>"""


def test_hanweb_first_page_records_come_from_the_datastore():
    assert hanweb.datastore_links(JCMS) == [
        ("/art/2024/1/15/art_1229100051_59012345.html", "杭州市余杭区财政局2023年政府信息公开工作年度报告"),
        ("/art/2024/1/9/art_1229100051_59012001.html", "余杭区财政局召开会议"),
    ]
    assert family_of("https://www.yuhang.gov.cn/col/col1229100051/index.html", JCMS).name == "hanweb"
    assert family_of("https://www.example.gov.cn/list.html", JCMS).name == "hanweb"  # by the page's datastore


def test_hanweb_further_records_from_the_data_proxy():
    assert hanweb.dataproxy_urls("https://www.yuhang.gov.cn/col/col1229100051/index.html", JCMS) == [
        "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=6&endrecord=10&perpage=5"
        "&columnid=1229100051&unitid=7012345&webid=123",
        "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=11&endrecord=12&perpage=5"
        "&columnid=1229100051&unitid=7012345&webid=123",
    ]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>12</totalrecord><recordset>'
        '<record><![CDATA[<li><a href="/art/2023/1/20/art_1229100051_1.html">余杭区2022年政府信息公开工作年度报告</a>'
        "</li>]]></record></recordset></datastore>"
    )
    assert hanweb.datastore_links(xml) == [
        ("/art/2023/1/20/art_1229100051_1.html", "余杭区2022年政府信息公开工作年度报告")
    ]


def test_a_list_page_gives_its_records_and_asks_the_data_proxy_for_the_rest():
    url = "https://www.yuhang.gov.cn/col/col1229100051/index.html"
    html = page("col1229100051_index.html")
    family = family_of(url, html)
    assert family.name == "hanweb"
    assert family.page_links(html) == [
        ("/art/2024/1/23/art_1229100051_59508445.html", "杭州市余杭区人民政府2023年政府信息公开工作年度报告"),
        ("/art/2024/1/13/art_1229100051_59008742.html", "关于做好2024年政府信息公开工作年度报告编制工作的通知"),
        ("/art/2023/11/27/art_1229100051_59239138.html", "《杭州市余杭区人民政府2022年政府信息公开工作年度报告》解读"),
        ("/art/2023/9/24/art_1229100051_59704232.html", "2023年政务公开工作要点"),
        ("/art/2023/8/2/art_1229100051_59951696.html", "余杭区政府召开政务公开工作推进会"),
    ]
    proxy = "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp"
    assert family.list_requests(url, html) == [
        ListRequest(f"{proxy}?startrecord=6&endrecord=10&perpage=5&columnid=1229100051&unitid=7012345&webid=3397"),
        ListRequest(f"{proxy}?startrecord=11&endrecord=12&perpage=5&columnid=1229100051&unitid=7012345&webid=3397"),
    ]
    assert family.list_pages(url, html) == []  # no HTML pages after the first


def test_a_data_proxy_answer_is_read_as_records():
    request = ListRequest(
        "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=6&endrecord=10&perpage=5"
        "&columnid=1229100051&unitid=7012345&webid=3397"
    )
    links, more = hanweb.FAMILY.read(request, page("dataproxy_startrecord6.xml"))
    assert links == [
        ("/art/2023/6/25/art_1229100051_59062472.html", "杭州市余杭区人民政府2022年法治政府建设年度报告"),
        ("/art/2023/5/4/art_1229100051_59421711.html", "余杭区政府开展政务公开业务培训"),
        ("/art/2023/3/4/art_1229100051_59845105.html", "关于2022年度政府信息公开工作年度报告发布情况的通报"),
        ("/art/2023/1/30/art_1229100051_59372017.html", "杭州市余杭区人民政府政府信息公开指南（2023年版）"),
        ("/art/2023/1/23/art_1229100051_59137749.html", "杭州市余杭区人民政府2022年政府信息公开工作年度报告"),
    ]
    assert more == []  # the first page asked for every range


def test_the_report_page_names_the_units_columns_by_opaque_urls():
    url = "https://www.yuhang.gov.cn/col/col1229100050/index.html"
    family = family_of(url, page("col1229100050_index.html"))
    assert family.name == "hanweb"
    assert family.is_opaque_column("https://www.yuhang.gov.cn/col/col1229100052/index.html")
    assert family.is_opaque_column("https://www.yuhang.gov.cn/col/col1229100052/")
    assert not family.is_opaque_column("https://www.yuhang.gov.cn/art/2023/1/23/art_1229100051_59137749.html")
    assert not family.is_opaque_column("https://www.yuhang.gov.cn/col/col1229100052/list.html")
    assert not family_of("https://www.lg.gov.cn/", "").is_opaque_column(
        "https://www.yuhang.gov.cn/col/col1229100052/index.html"
    )  # only Hanweb pages name columns this way


def test_the_report_body_is_the_zoom_container():
    html = page("art_1229100051_59137749.html")
    assert family_of("https://www.yuhang.gov.cn/art/2023/1/23/art_1229100051_59137749.html", html).name == "hanweb"
    body, known = find_body(lxml.html.document_fromstring(html))
    assert (body.get("id"), known) == ("zoom", True)
    assert body.text_content().strip().startswith("杭州市余杭区人民政府2022年政府信息公开工作年度报告")
