"""The replica: proxy behaviour, the sites' edge cases, report rendering, attachments and the catalog."""

from __future__ import annotations

import http.client
import io
import json
import re
import ssl
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from docx import Document
from lxml import html as lxml_html

from common.recognise import is_report_title
from crawler.challenges import detect
from crawler.families.api import api_calls, api_items, api_page_count
from crawler.families.hanweb import dataproxy_urls, datastore_links
from nianbao.cli import main as nianbao_main
from replica import attachments, tls
from replica.catalog import catalog
from replica.content import publications
from replica.model import ExtraRow, Paragraph, TableSlot
from replica.render import BALANCE_NOTE, report_docx, report_html
from replica.seeds import read_report_text
from replica.server import ReplicaServer

CQBN_DISTRICT_LIST = "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/index.html"
YZQ_GBK_LIST = "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbgd3/pc/list.html"


def fetch(server: ReplicaServer, url: str, method: str = "GET", headers=None, context=None):
    """(status, lower-case headers, body) of `url` through the replica proxy; redirects are not followed."""
    parts = urlsplit(url)
    if parts.scheme == "http":
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request(method, url, headers=headers or {})
    else:
        context = context or ssl.create_default_context(cafile=str(server.ca_cert_path))
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
        conn.set_tunnel(parts.hostname, parts.port or 443)
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def report(slug: str):
    return next(r for r in catalog().reports if r.slug == slug)


# --- proxy -----------------------------------------------------------------------------------------------------


def test_plain_http_proxied_list_page(replica_server):
    status, headers, body = fetch(replica_server, CQBN_DISTRICT_LIST)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert int(headers["content-length"]) == len(body)
    assert b'createPageHTML(3, 0, "index", "html")' in body


def test_https_through_connect_verifies_against_the_replica_ca(replica_server):
    context = ssl.create_default_context(cafile=str(replica_server.ca_cert_path))
    proxy = urllib.request.ProxyHandler({"http": replica_server.proxy_url, "https": replica_server.proxy_url})
    opener = urllib.request.build_opener(proxy, urllib.request.HTTPSHandler(context=context))
    with opener.open("https://www.hc.gov.cn/", timeout=10) as response:
        assert response.status == 200
        assert "重庆市合川区人民政府" in response.read().decode("utf-8")


def test_https_does_not_verify_against_the_system_cas(replica_server):
    with pytest.raises(ssl.SSLCertVerificationError):
        fetch(replica_server, "https://www.hc.gov.cn/", context=ssl.create_default_context())


def test_unknown_host_is_502_and_never_fetched(replica_server):
    status, _, body = fetch(replica_server, "http://www.example.com/")
    assert status == 502
    assert b"www.example.com is not replicated" in body
    with pytest.raises(OSError, match="502"):
        fetch(replica_server, "https://www.example.com/")


def test_bare_host_redirects_to_www(replica_server):
    status, headers, _ = fetch(replica_server, "http://cqbn.gov.cn/zwgk_252/")
    assert status == 301
    assert headers["location"] == "http://www.cqbn.gov.cn/zwgk_252/"
    status, headers, _ = fetch(replica_server, "https://hc.gov.cn/")
    assert (status, headers["location"]) == (301, "https://www.hc.gov.cn/")


def test_http_on_an_https_site_redirects_to_https(replica_server):
    status, headers, _ = fetch(replica_server, "http://www.bjtzh.gov.cn/bjtz/xxgk/zfxxgknb/index.html")
    assert (status, headers["location"]) == (301, "https://www.bjtzh.gov.cn/bjtz/xxgk/zfxxgknb/index.html")


def test_keep_alive_inside_a_tunnel(replica_server):
    context = ssl.create_default_context(cafile=str(replica_server.ca_cert_path))
    conn = http.client.HTTPSConnection("127.0.0.1", replica_server.port, context=context, timeout=10)
    conn.set_tunnel("www.ybq.gov.cn", 443)
    statuses = []
    for path in ("/", "/robots.txt", "/favicon.ico"):
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)
    conn.close()
    assert statuses == [200, 200, 404]


def test_head_has_the_get_headers_and_no_body(replica_server):
    _, get_headers, get_body = fetch(replica_server, CQBN_DISTRICT_LIST)
    status, head_headers, head_body = fetch(replica_server, CQBN_DISTRICT_LIST, method="HEAD")
    assert status == 200
    assert head_body == b""
    assert head_headers["content-length"] == str(len(get_body))
    assert head_headers["etag"] == get_headers["etag"]


def test_conditional_get_answers_304(replica_server):
    url = report("bjtzh-qzf-2019").detail_url
    status, headers, _ = fetch(replica_server, url)
    assert status == 200
    assert headers["last-modified"].endswith(" GMT")
    status, _, body = fetch(replica_server, url, headers={"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")
    status, _, _ = fetch(replica_server, url, headers={"If-Modified-Since": headers["last-modified"]})
    assert status == 304
    status, _, _ = fetch(replica_server, url, headers={"If-None-Match": '"something-else"'})
    assert status == 200


def test_direct_request_shows_the_index_of_sites(replica_server):
    with urllib.request.urlopen(f"http://127.0.0.1:{replica_server.port}/", timeout=10) as response:  # noqa: S310
        page = response.read().decode("utf-8")
    for start_url in ("http://www.cqbn.gov.cn/", "https://www.hc.gov.cn/", "https://www.bjtzh.gov.cn/"):
        assert start_url in page


def test_requests_are_logged(replica_server):
    replica_server.reset()
    fetch(replica_server, "https://www.ybq.gov.cn/robots.txt")
    assert replica_server.hits == [
        ("CONNECT", "www.ybq.gov.cn:443", 200),
        ("GET", "https://www.ybq.gov.cn/robots.txt", 200),
    ]


# --- edge cases ------------------------------------------------------------------------------------------------


def test_flaky_list_page_fails_once_then_recovers(replica_server):
    replica_server.reset()
    flaky = catalog().flaky_urls
    assert "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/index_1.html" in flaky
    for url in flaky:
        assert fetch(replica_server, url)[0] == 503
        status, _, body = fetch(replica_server, url)
        assert status == 200
        assert b"<li>" in body


def test_challenge_always_answers_412_without_text(replica_server):
    [url] = [u for u in catalog().challenge_urls if "ybq" in u]
    assert url.startswith("https://www.ybq.gov.cn/bmjz/bm/czj/")
    for _ in range(2):
        status, headers, body = fetch(replica_server, url)
        assert status == 412
        assert b"$_ts=window['$_ts']" in body
        assert b"r='m'" in body
        assert "set-cookie" in headers
        assert re.sub(rb"<script.*?</script>|<[^>]+>|\s", b"", body, flags=re.S) == b""
    _, _, listing = fetch(replica_server, "https://www.ybq.gov.cn/bmjz/bm/czj/zwgk_71203/zfxxgknb_71213/index.html")
    assert "重庆市渝北区财政局2019年政府信息公开工作年度报告" in listing.decode("utf-8")


def test_other_challenges_are_what_real_bot_walls_send(replica_server):
    by_host = {urlsplit(u).hostname: u for u in catalog().challenge_urls}
    assert sorted(by_host) == ["www.hubei.gov.cn", "www.lg.gov.cn", "www.ybq.gov.cn", "www.yuhang.gov.cn"]
    status, headers, body = fetch(replica_server, by_host["www.yuhang.gov.cn"])
    assert (status, detect(status, headers, body)) == (200, "script_stub")
    status, headers, body = fetch(replica_server, by_host["www.lg.gov.cn"])
    assert (status, detect(status, headers, body)) == (521, "jiasule_521")
    assert headers["set-cookie"].startswith("__jsluid_s=")
    # Everything on hubei is behind the wall, robots.txt included.
    assert by_host["www.hubei.gov.cn"] == "https://www.hubei.gov.cn/robots.txt"
    for url in (
        "https://www.hubei.gov.cn/robots.txt",
        "https://www.hubei.gov.cn/",
        "https://www.hubei.gov.cn/x/y.html",
    ):
        status, headers, body = fetch(replica_server, url)
        assert (status, detect(status, headers, body)) == (412, "ruishu_412")


def test_hanweb_lists_continue_through_the_data_proxy(replica_server):
    status, _, page = fetch(replica_server, "https://www.yuhang.gov.cn/col/col1229100051/index.html")
    assert status == 200
    page = page.decode("utf-8")
    assert "totalRecord: 12" in page
    assert len(datastore_links(page)) == 5  # perPage
    proxy = "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=6&endrecord=10&perpage=5&columnid=1229100051&unitid=7012345&webid=3397"
    status, headers, xml = fetch(replica_server, proxy)
    assert (status, headers["content-type"]) == (200, "text/xml; charset=UTF-8")
    rest = datastore_links(xml.decode("utf-8"))
    assert len(rest) == 5
    # Beside the report, news with report-like titles (…年度报告发布情况的通报, 法治政府建设年度报告).
    assert [t for _, t in rest if "年度报告" in t] == [
        "杭州市余杭区人民政府2022年法治政府建设年度报告",
        "关于2022年度政府信息公开工作年度报告发布情况的通报",
        "杭州市余杭区人民政府2022年政府信息公开工作年度报告",
    ]
    assert [t for _, t in rest if is_report_title(t)] == ["杭州市余杭区人民政府2022年政府信息公开工作年度报告"]
    # Another site's webid, or no range, is not a list.
    assert fetch(replica_server, proxy.replace("webid=3397", "webid=1"))[0] == 404
    assert fetch(replica_server, "https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp")[0] == 404


def test_json_api_is_the_only_way_to_the_list(replica_server):
    status, _, page = fetch(replica_server, "https://www.lg.gov.cn/xxgk/zfxxgknb/index.html")
    assert status == 200
    assert "post_" not in page.decode("utf-8")  # the page itself links no article
    [call] = api_calls(page.decode("utf-8"), "https://www.lg.gov.cn/xxgk/zfxxgknb/index.html")
    status, headers, body = fetch(replica_server, call.page(3))
    assert (status, headers["content-type"]) == (200, "application/json;charset=UTF-8")
    data = json.loads(body)["data"]
    assert (data["total"], data["pageNo"], data["pageSize"], len(data["list"])) == (11, 3, 5, 1)
    assert api_page_count(body.decode("utf-8"), call) == 3


def test_dead_links_answer_404(replica_server):
    dead = catalog().dead_links
    assert len(dead) == 2
    for url in dead:
        status, _, body = fetch(replica_server, url)
        assert status == 404
        assert "页面不存在" in body.decode("utf-8")


def test_robots_txt_disallows_what_lists_link_to_and_allows_reports(replica_server):
    cat = catalog()
    for host, [start_url] in cat.start_urls.items():
        if host == "www.hubei.gov.cn":
            continue  # behind a bot wall (test_other_challenges_are_what_real_bot_walls_send)
        status, headers, body = fetch(replica_server, urljoin(start_url, "/robots.txt"))
        assert status == 200
        assert headers["content-type"] == "text/plain"
        delay = "Crawl-delay: 0.2\n" if host == "www.hc.gov.cn" else ""
        assert body.decode() == f"User-agent: *\nDisallow: /was5/\nDisallow: /jiucuo/\n{delay}"
        robots = RobotFileParser()
        robots.parse(body.decode().splitlines())
        disallowed = [u for u in cat.robots_disallowed if urlsplit(u).hostname == host]
        # search + error-report form everywhere, and yzq's 2018 report linked through the WAS5 search engine
        assert len(disallowed) == (3 if host == "www.yzq.gov.cn" else 2)
        assert not any(robots.can_fetch("nianbao", u) for u in disallowed)
        assert all(robots.can_fetch("nianbao", r.document_url) for r in cat.reports if r.site == host)


def test_gbk_page_is_gbk(replica_server):
    assert YZQ_GBK_LIST in catalog().gbk_urls
    status, headers, body = fetch(replica_server, YZQ_GBK_LIST)
    assert status == 200
    assert headers["content-type"] == "text/html"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gb18030")
    assert 'charset=gb2312"' in text
    assert "袁州区工业和信息化委员会2016年政府信息公开工作年度报告" in text


def test_legacy_report_page_is_gbk(replica_server):
    legacy = report("yzq-gxw-2016")
    assert legacy.detail_url in catalog().gbk_urls
    _, _, body = fetch(replica_server, legacy.detail_url)
    assert "一、概述" in body.decode("gb18030")


def test_wap_twins_show_the_same_report(replica_server):
    twins = catalog().wap_twins
    twin = "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/202601/t20260115_15332510_wap.html"
    assert twin.replace("_wap", "") == twins[twin]
    canonical = twins[twin]
    assert canonical == report("cqbn-qzfbgs-2025").detail_url
    _, _, twin_body = fetch(replica_server, twin)
    _, _, desktop_body = fetch(replica_server, canonical)
    assert twin_body != desktop_body
    assert report_html(_content("cqbn-qzfbgs-2025")).encode() in twin_body
    assert report_html(_content("cqbn-qzfbgs-2025")).encode() in desktop_body
    _, _, listing = fetch(replica_server, CQBN_DISTRICT_LIST)
    assert b'href="./202601/t20260115_15332510_wap.html"' in listing  # listed by its twin only
    assert b'href="./202601/t20260115_15332510.html"' not in listing


def test_docx_attachment_and_its_content_type(replica_server):
    entry = report("hc-qzf-2023")
    assert entry.document_url.endswith(".docx")
    assert re.search(r"/202401/P020240123\d{12}\.docx$", entry.document_url)
    status, headers, body = fetch(replica_server, entry.document_url)
    assert status == 200
    assert headers["content-type"] == "application/octet-stream"  # hc's server does not know .docx
    assert body[:2] == b"PK"
    assert "重庆市合川区人民政府2023年政府信息公开工作年度报告" in "".join(
        p.text for p in Document(io.BytesIO(body)).paragraphs
    )


# --- a crawl of the whole replica ------------------------------------------------------------------------------


def _crawl(server: ReplicaServer) -> dict[str, int]:
    """Every URL reachable from the start URLs by following links and list pagers on-site (robots.txt respected):
    url -> status. Calls the router directly, so it tests the sites' links, not the sockets."""
    cat = catalog()
    hosts = {urlsplit(u).hostname: u.split("://")[0] for u in (s for [s] in cat.start_urls.values())}
    queue = [s for [s] in cat.start_urls.values()]
    seen: dict[str, int] = {}
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        reply = server.respond(parts.scheme, parts.hostname, target)
        if reply.status == 503:  # the 503-then-200 pages: retry once, as a crawler does
            reply = server.respond(parts.scheme, parts.hostname, target)
        seen[url] = reply.status
        content_type = dict(reply.headers)["Content-Type"]
        if reply.status != 200 or not content_type.startswith(("text/html", "text/xml", "application/json")):
            continue
        text = reply.body.decode("gb18030" if url in cat.gbk_urls else "utf-8")
        if "json" in content_type:  # a page of the JSON list API
            queue += [urljoin(url, u) for u, _ in api_items(text)]
            continue
        hrefs = [h for h in re.findall(r'href="([^"]+)"', text) if "'" not in h]  # not the scripts' templates
        for href in hrefs + _other_list_pages(url, text):
            link = urljoin(url, href.replace("&amp;", "&")).split("#")[0]
            link_parts = urlsplit(link)
            if link_parts.hostname in hosts and link_parts.scheme == hosts[link_parts.hostname]:
                if not link_parts.path.startswith(("/was5/", "/jiucuo/", "/images/")):
                    queue.append(link)
    return seen


def _other_list_pages(url: str, text: str) -> list[str]:
    """The list pages only the JavaScript pager knows: index_1.html … or list_2.html …"""
    if m := re.search(r'createPageHTML\((\d+), \d+, "(\w+)", "(\w+)"\)', text):
        count, name, ext = int(m[1]), m[2], m[3]
        return [f"{name}_{i}.{ext}" for i in range(1, count)]
    if m := re.search(r"var countPage = (\d+);", text):
        first = 2 if "/list" in url else 1
        stem = "list" if "/list" in url else "index"
        return [f"{stem}_{i}.html" for i in range(first, first + int(m[1]) - 1)]
    # Hanweb's dataproxy.jsp record ranges, and every page of a JSON list API (both known from the page's script).
    calls = api_calls(text, url)
    return dataproxy_urls(url, text) + [c.page(n) for c in calls for n in range(1, 4)]


def test_a_crawl_finds_every_report_and_only_the_catalogued_failures(replica_server):
    cat = catalog()
    seen = _crawl(replica_server)
    failures = {url: status for url, status in seen.items() if status != 200}
    pdf_and_doc = {r.document_url for r in cat.reports if r.format in ("pdf", "doc")}  # not prepared on this server
    challenged = {u: s for u, s in seen.items() if u in cat.challenge_urls}
    assert sorted(challenged.values()) == [200, 412, 521]  # script stub, 瑞数, 加速乐 (hubei's robots.txt: unlinked)
    assert {u: s for u, s in failures.items() if u not in pdf_and_doc} == (
        {u: 404 for u in cat.dead_links}
        | {u: s for u, s in challenged.items() if s != 200}
        # Everything on hubei is a challenge; this crawl ignores robots.txt, a polite one never gets here.
        | {"https://www.hubei.gov.cn/": 412}
    )
    for entry in cat.reports:
        twin = next((t for t, c in cat.wap_twins.items() if c == entry.detail_url), None)
        assert entry.detail_url in seen or twin in seen, entry.slug
        if entry.format != "html":  # an inline report listed by its _wap twin only is found as the twin
            assert entry.document_url in seen, entry.slug
    assert set(cat.news_urls) <= set(seen)


def test_every_site_has_a_list_of_three_pages_or_more(replica_server):
    seen = _crawl(replica_server)
    third_page = r"/(index_2|list_3)\.html$|startrecord=11&|pageNo=3"
    for host in catalog().start_urls:
        if host != "www.hubei.gov.cn":  # behind a bot wall
            assert any(urlsplit(u).hostname == host and re.search(third_page, u) for u in seen), host


# --- rendering -------------------------------------------------------------------------------------------------


def _content(slug: str):
    return next(p.report for p in publications() if p.report.slug == slug)


def _cell(fragment: str, text: str):
    """The first <td> whose text is `text`."""
    tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return next(td for td in tree.iter("td") if td.text_content().strip() == text)


def test_report_html_merges_the_requests_table_like_the_official_template():
    fragment = report_html(_content("hc-qzf-2022"))  # a generated 2021-template report
    assert (
        f'<td rowspan="3" colspan="3" valign="middle"><p style="text-align:center;">{BALANCE_NOTE}</p></td>' in fragment
    )
    spans = {
        "申请人情况": (None, "7"),
        "自然人": ("2", None),
        "法人或其他组织": (None, "5"),
        "总计": ("2", None),
        "商业企业": (None, None),
        "一、本年新收政府信息公开申请数量": (None, "3"),
        "三、本年度办理结果": ("22", None),
        "（一）予以公开": (None, "2"),
        "（三）不予公开": ("8", None),
        "1.属于国家秘密": (None, None),
        "（六）其他处理": ("3", None),
        "（七）总计": (None, "2"),
        "四、结转下年度继续办理": (None, "3"),
    }
    for text, (rowspan, colspan) in spans.items():
        td = _cell(fragment, text)
        assert (td.get("rowspan"), td.get("colspan")) == (rowspan, colspan), text


def test_report_html_merges_the_appeals_and_active_tables():
    fragment = report_html(_content("hc-qzf-2022"))
    for text, (rowspan, colspan) in {
        "行政复议": (None, "5"),
        "行政诉讼": (None, "10"),
        "结果维持": ("2", None),
        "未经复议直接起诉": (None, "5"),
        "复议后起诉": (None, "5"),
        "第二十条第（一）项": (None, "4"),
        "本年处理决定数量": (None, "3"),
        "本年收费金额（单位：万元）": (None, "3"),
    }.items():
        td = _cell(fragment, text)
        assert (td.get("rowspan"), td.get("colspan")) == (rowspan, colspan), text


def test_report_html_prints_the_cells_and_blank_cells():
    content = _content("bjtzh-qzf-2019")  # 2019 template: 三、本年度办理结果 spans 20 rows
    cells = dict(content.cells)
    cells["requests.received.total"] = "1,234"
    cells["requests.granted.total"] = ""
    del cells["requests.carried_over.total"]
    fragment = report_html(replace(content, cells=cells))
    tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
    rows = {tr[0].text_content(): [td.text_content() for td in tr] for tr in tree.iter("tr") if len(tr)}
    assert rows["一、本年新收政府信息公开申请数量"][-1] == "1,234"
    assert rows["二、上年结转政府信息公开申请数量"][-1] == ""
    assert _cell(fragment, "三、本年度办理结果").get("rowspan") == "20"
    granted = next(tr for tr in tree.iter("tr") if "（一）予以公开" in tr.text_content())
    assert granted[-1].text_content() == ""


def test_extra_rows_refine_their_parent_row():
    content = replace(
        _content("bjtzh-qzf-2019"),
        extra_rows=[
            ExtraRow("active", "other_services", "行政检查", ("3", "0")),
            ExtraRow("active", "other_services", "行政确认", ("1", "2")),
        ],
    )
    fragment = report_html(content)
    assert _cell(fragment, "其他对外管理服务事项").get("rowspan") == "2"
    tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
    rows = [[td.text_content() for td in tr] for tr in tree.iter("tr")]
    assert ["其他对外管理服务事项", "行政检查", "3", "0"] in rows
    assert ["行政确认", "1", "2"] in rows


def test_report_docx_has_merged_cells_and_a_chinese_font():
    document = Document(io.BytesIO(report_docx(_content("hc-qzf-2022"))))
    requests_table = document.tables[1]
    assert requests_table.cell(0, 0).text == BALANCE_NOTE
    assert requests_table.cell(2, 2)._tc is requests_table.cell(0, 0)._tc  # one cell, 3 × 3
    assert requests_table.cell(0, 3)._tc is requests_table.cell(0, 9)._tc  # 申请人情况 spans 7
    assert requests_table.cell(5, 0).text == "三、本年度办理结果"
    assert requests_table.cell(26, 0)._tc is requests_table.cell(5, 0)._tc  # spans 22 rows
    assert len(document.tables[2].columns) == 15
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"


def test_legacy_report_renders_without_tables():
    fragment = report_html(_content("yzq-gxw-2016"))
    assert "<table" not in fragment
    assert "一、概述" in fragment
    assert Document(io.BytesIO(report_docx(_content("yzq-gxw-2016")))).tables == []


# --- where the content comes from ------------------------------------------------------------------------------


def test_report_text_rules():
    text = (
        "某某镇人民政府\n2019年政府信息公开工作年度报告\n\n一、总体情况\n正文。\xa0\n二、主动公开政府信息情况\n"
        "\t信息内容\n\t本年新\n制作数量\n\n\t规章\n\t0\n\n三、收到和处理政府信息公开申请情况\n"
        "一、本年新收\t2\n\n\t\t容仍不明确\t\n\n[bookmark: _GoBack]四、行政复议、行政诉讼情况\n0\t0\n\n五、问题\n"
    )
    title, blocks = read_report_text(text)
    assert title == ("某某镇人民政府", "2019年政府信息公开工作年度报告")
    assert blocks == [
        Paragraph("一、总体情况"),
        Paragraph("正文。"),
        Paragraph("二、主动公开政府信息情况"),
        TableSlot("active"),  # 制作数量 is 本年新's cell wrapped; the blank line does not end the table
        Paragraph("三、收到和处理政府信息公开申请情况"),
        TableSlot("requests"),
        Paragraph("四、行政复议、行政诉讼情况"),
        TableSlot("appeals"),
        Paragraph("五、问题"),
    ]
    with pytest.raises(ValueError, match="a report text with 1 tables: expected 3 or none"):
        read_report_text("某某镇2019年政府信息公开工作年度报告\n二、主动公开\n\t规章\t0\n")


def test_seed_reports_print_their_gold_cells_as_the_seed_does():
    alz, tcz, ztz, hxz, wjjd = (
        _content(slug) for slug in ("cqbn-alz-seed", "hc-tcz-seed", "yzq-ztz-seed", "bjtzh-hxz-seed", "ybq-wjjd-seed")
    )
    assert (alz.agency, alz.year, alz.template, alz.title_lines) == (
        "重庆市巴南区安澜镇人民政府",
        2019,
        "2019",
        ("重庆市巴南区安澜镇人民政府", "2019年政府信息公开工作年度报告"),
    )
    assert [b.kind for b in alz.blocks if isinstance(b, TableSlot)] == ["active", "requests", "appeals"]
    assert alz.blocks[6] == Paragraph("2、 主动公开政府信息情况")  # as printed, 2、 for 二、
    # The unit in the cell where the column header names none, as the seeds print it.
    assert (alz.cells["active.procurement.amount"], wjjd.cells["active.procurement.amount"]) == ("72.8万元", "517200元")
    assert (tcz.cells["active.fees.amount"], ztz.cells["active.procurement.amount"]) == ("12.11", "1400000")
    assert (alz.cells["active.other_services.change"], hxz.cells["requests.carried_over.natural_person"]) == ("-57", "")
    # 漷县镇: one title line, then the sentence that follows it; its local sub-rows in place of 其他对外管理服务事项.
    assert (hxz.title, hxz.blocks[0]) == (
        "北京市通州区漷县镇 2019 年政府信息公开工作年度报告",
        Paragraph("依据《中华人民共和国政府信息公开条例》第五十条之规定，制作本报告。"),
    )
    assert [(e.label, e.values) for e in hxz.extra_rows] == [("行政检查", ("0", "0")), ("行政确认", ("0", "0"))]
    assert not [k for k in hxz.cells if k.startswith("active.other_services.")]
    assert (len(hxz.cells), len(alz.cells), len(tcz.cells)) == (195, 198, 200)
    # Paragraphs as printed, without the extraction's bookmark or the non-breaking spaces around them.
    assert Paragraph("三、收到和处理政府信息公开申请情况") in ztz.blocks
    assert Paragraph("五、存在的主要问题及改进情况") in alz.blocks
    assert not [b for b in alz.blocks + wjjd.blocks if isinstance(b, Paragraph) and "bookmark" in b.text]


def test_legacy_report_is_declared_words_only():
    legacy = _content("yzq-gxw-2016")
    assert (legacy.agency, legacy.year, legacy.template, legacy.cells) == (
        "袁州区工业和信息化委员会",
        2016,
        "legacy",
        {},
    )
    assert legacy.title == "袁州区工业和信息化委员会2016年政府信息公开工作年度报告"
    assert len(legacy.blocks) == 14 and all(isinstance(b, Paragraph) for b in legacy.blocks)


@pytest.mark.parametrize("command", ["demo", "replica"])
def test_replica_commands_say_what_to_do_without_the_replica(command, monkeypatch, capsys, tmp_path):
    # As when nianbao is installed from a wheel, without a clone: the package is there, the replica is not.
    monkeypatch.setitem(sys.modules, "replica", None)
    assert nianbao_main([command, "--data-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"nianbao {command}: the replica sites are not installed with the package; they run from a clone of the "
        "repository: git clone it, then run `make demo` there\n"
    )
    assert list(tmp_path.iterdir()) == []


# --- catalog, certificates, attachments ------------------------------------------------------------------------


def test_catalog_lists_every_publication_with_live_urls():
    cat = catalog()
    assert sorted(r.slug for r in cat.reports) == sorted(p.report.slug for p in publications())
    assert cat.start_urls == {
        "www.cqbn.gov.cn": ["http://www.cqbn.gov.cn/"],
        "www.hc.gov.cn": ["https://www.hc.gov.cn/"],
        "www.ybq.gov.cn": ["https://www.ybq.gov.cn/"],
        "www.yzq.gov.cn": ["http://www.yzq.gov.cn/"],
        "www.bjtzh.gov.cn": ["https://www.bjtzh.gov.cn/"],
        "www.yuhang.gov.cn": ["https://www.yuhang.gov.cn/"],
        "www.lg.gov.cn": ["https://www.lg.gov.cn/"],
        "www.hubei.gov.cn": ["https://www.hubei.gov.cn/"],
    }
    jtj = report("cqbn-jtj-2025")
    assert re.fullmatch(
        r"http://www\.cqbn\.gov\.cn/bmjz/bm/jtj/zwgk_88817/zfxxgknb_88827/202601/t20260114_\d+\.html", jtj.detail_url
    )
    assert re.fullmatch(jtj.detail_url.rsplit("/", 1)[0] + r"/P020260114\d{12}\.pdf", jtj.document_url)
    ztz = report("yzq-ztz-2023")
    assert re.fullmatch(r"http://www\.yzq\.gov\.cn/yzqrmzf/zfxxgkndbg86/202401/[0-9a-f]{32}\.shtml", ztz.detail_url)
    assert ztz.document_url == ztz.detail_url  # inline HTML report
    czj = report("yuhang-czj-2022")
    assert re.fullmatch(r"https://www\.yuhang\.gov\.cn/art/2023/1/\d+/art_1229100052_\d{8}\.html", czj.detail_url)
    assert re.fullmatch(
        r"https://www\.yuhang\.gov\.cn/module/download/downfile\.jsp\?classid=0&filename=[0-9a-f]{32}\.docx",
        czj.document_url,
    )
    jyj = report("lg-jyj-2023")
    assert re.fullmatch(r"https://www\.lg\.gov\.cn/xxgk/zfxxgknb/content/post_\d{8}\.html", jyj.detail_url)
    assert re.fullmatch(r"https://www\.lg\.gov\.cn/attachment/0/\d+/(\d+)/\1\.pdf", jyj.document_url)
    assert report("hc-jw-2022").breaks_check == "requests_balance"
    assert report("cqbn-alz-seed").seed == "000_90d8d6df986a6c21"


def test_certificates_are_cached_and_follow_the_host_list(tmp_path):
    first = tls.ensure_certificates(tmp_path, ["www.a.gov.cn", "a.gov.cn"])
    ca, server_cert = first.ca_cert.read_bytes(), first.server_cert.read_bytes()
    tls.ensure_certificates(tmp_path, ["a.gov.cn", "www.a.gov.cn"])
    assert first.server_cert.read_bytes() == server_cert  # same hosts: nothing regenerated
    tls.ensure_certificates(tmp_path, ["www.a.gov.cn", "a.gov.cn", "www.b.gov.cn"])
    assert first.server_cert.read_bytes() != server_cert
    assert first.ca_cert.read_bytes() == ca  # the CA the crawler trusts stays the same
    assert oct(first.server_key.stat().st_mode & 0o777) == "0o600"


def test_missing_libreoffice_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(attachments.shutil, "which", lambda name: None)
    with pytest.raises(attachments.AttachmentError, match="libreoffice-writer-nogui.*scripts/install-system-packages"):
        attachments.prepare(tmp_path)


@pytest.mark.slow
def test_pdf_and_doc_attachments(replica_full_server):
    magic = {"pdf": b"%PDF", "doc": bytes.fromhex("D0CF11E0"), "docx": b"PK"}
    types = {"pdf": "application/pdf", "doc": "application/msword"}
    for fmt in ("pdf", "doc"):
        entry = next(r for r in catalog().reports if r.format == fmt and not r.site.startswith("www.hc."))
        status, headers, body = fetch(replica_full_server, entry.document_url)
        assert status == 200
        assert headers["content-type"] == types[fmt]
        assert body.startswith(magic[fmt])


@pytest.mark.slow
def test_pdf_attachment_carries_the_report_text(replica_full_server):
    import pdfplumber

    _, _, body = fetch(replica_full_server, report("cqbn-jtj-2025").document_url)
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        text = re.sub(r"\s", "", "".join(page.extract_text() or "" for page in pdf.pages))  # PDFs space out digits
    assert "重庆市巴南区交通运输委员会2025年政府信息公开工作年度报告" in text
    assert "第二十条第（一）项" in text


@pytest.mark.slow
def test_every_catalogued_document_answers_200(replica_full_server):
    for entry in catalog(replica_full_server.cache_dir).reports:
        for url in {entry.detail_url, entry.document_url}:
            assert fetch(replica_full_server, url, method="HEAD")[0] == 200, url


@pytest.mark.slow
def test_warm_start_does_no_conversion(replica_full_server):
    started = time.perf_counter()
    with ReplicaServer(replica_full_server.cache_dir) as warm:
        elapsed = time.perf_counter() - started
        assert warm.prepared.converted == []
        assert warm.prepared.written == []
        assert fetch(warm, report("ybq-czj-2021").document_url)[0] == 200
    print(f"warm replica start: {elapsed:.2f}s")


def test_path_of_an_attachment_changes_with_its_content(tmp_path):
    pub = next(p for p in publications() if p.format == "docx")
    changed = replace(pub, report=replace(pub.report, cells={**pub.report.cells, "requests.received.total": "99"}))
    assert attachments.attachment_path(tmp_path, pub) != attachments.attachment_path(tmp_path, changed)
    assert attachments.attachment_path(tmp_path, pub).parent == Path(tmp_path) / "attachments"
