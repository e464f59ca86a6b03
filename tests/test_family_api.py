"""Lists behind a JSON API: the call read from the page's script, the API read page by page."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from crawler.families import api, family_of
from crawler.families.api import ApiCall, ApiPage, api_calls, api_items, api_page_count
from crawler.families.family import ListRequest
from parsers.html import decode, find_body

PAGES = Path(__file__).parent / "fixtures" / "families" / "api"  # saved from the replica's www.lg.gov.cn


def page(name: str) -> str:
    return decode((PAGES / name).read_bytes())


API_PAGE = """<script>
var columnId = "8231";
function getList(pageNo) {
  $.ajax({ url: "/api/content/list", type: "get", dataType: "json",
           data: { columnId: columnId, pageNo: pageNo, pageSize: 10 },
           success: function (res) { render(res.data.list, res.data.total); } });
}
$(function () { getList(1); });
</script>"""


def test_json_api_call_is_read_from_the_page_script():
    [call] = api_calls(API_PAGE, "https://www.lg.gov.cn/xxgk/zfxxgknb/index.html")
    assert call == ApiCall(
        "https://www.lg.gov.cn/api/content/list", (("columnId", "8231"), ("pageSize", "10")), "pageNo", "pageSize"
    )
    assert call.page(3) == "https://www.lg.gov.cn/api/content/list?columnId=8231&pageSize=10&pageNo=3"
    assert family_of("https://www.lg.gov.cn/xxgk/zfxxgknb/index.html", API_PAGE).name == "api"
    getjson = '<script>var cid="12"; $.getJSON("/list.json", {cid: cid, page: 1, rows: 20}, show);</script>'
    assert api_calls(getjson, "https://x.gov.cn/a/") == [
        ApiCall("https://x.gov.cn/list.json", (("cid", "12"), ("rows", "20")), "page", "rows")
    ]
    assert api_calls("<script>$.ajax({url: '/api/menu', data: {id: 3}});</script>") == []  # no page parameter


def test_json_api_items_and_page_count():
    payload = json.dumps(
        {
            "code": 0,
            "data": {
                "total": 23,
                "pageNo": 1,
                "pageSize": 10,
                "list": [
                    {
                        "id": 1,
                        "title": "深圳市龙岗区教育局2023年政府信息公开工作年度报告",
                        "url": "/xxgk/zfxxgknb/content/post_1.html",
                    },
                    {"id": 2, "title": "龙岗区召开政务公开工作会议", "url": "/xxgk/zfxxgknb/content/post_2.html"},
                ],
            },
        },
        ensure_ascii=False,
    )
    call = ApiCall("https://www.lg.gov.cn/api/content/list", (("pageSize", "10"),), "pageNo", "pageSize")
    assert api_items(payload) == [
        ("/xxgk/zfxxgknb/content/post_1.html", "深圳市龙岗区教育局2023年政府信息公开工作年度报告"),
        ("/xxgk/zfxxgknb/content/post_2.html", "龙岗区召开政务公开工作会议"),
    ]
    assert api_page_count(payload, call) == 3
    assert api_page_count('{"list": []}', call) == 1


CALL = ApiCall(
    "https://www.lg.gov.cn/api/content/list", (("columnId", "8231"), ("pageSize", "5")), "pageNo", "pageSize"
)
FIRST = "https://www.lg.gov.cn/api/content/list?columnId=8231&pageSize=5&pageNo=1"


def test_the_list_page_links_nothing_and_asks_the_api_for_its_first_page():
    url = "https://www.lg.gov.cn/xxgk/zfxxgknb/index.html"
    html = page("zfxxgknb_index.html")
    family = family_of(url, html)
    assert family.name == "api"
    assert family.list_requests(url, html) == [ListRequest(FIRST, ApiPage(CALL, 1))]
    assert (family.list_pages(url, html), family.page_links(html)) == ([], [])


def test_the_first_api_page_gives_its_entries_and_asks_for_the_others():
    links, more = api.FAMILY.read(ListRequest(FIRST, ApiPage(CALL, 1)), page("list_pageNo1.json"))
    assert links == [
        ("/xxgk/zfxxgknb/content/post_10055749.html", "深圳市龙岗区布吉街道办事处2024年政府信息公开工作年度报告"),
        ("/xxgk/zfxxgknb/content/post_10889727.html", "深圳市龙岗区人民政府2024年政府信息公开工作年度报告"),
        ("/xxgk/zfxxgknb/content/post_10667687.html", "深圳市龙岗区教育局2024年政府信息公开工作年度报告"),
        ("/xxgk/zfxxgknb/content/post_10437446.html", "关于做好2025年政府信息公开工作年度报告编制工作的通知"),
        ("/xxgk/zfxxgknb/content/post_10970362.html", "关于做好2025年政府信息公开工作年度报告编制工作的通知"),
    ]
    assert more == [
        ListRequest(FIRST.replace("pageNo=1", "pageNo=2"), ApiPage(CALL, 2)),
        ListRequest(FIRST.replace("pageNo=1", "pageNo=3"), ApiPage(CALL, 3)),
    ]


def test_a_later_api_page_gives_its_entries_only():
    third = ListRequest(FIRST.replace("pageNo=1", "pageNo=3"), ApiPage(CALL, 3))
    assert api.FAMILY.read(third, page("list_pageNo3.json")) == (
        [("/xxgk/zfxxgknb/content/post_10781489.html", "深圳市龙岗区教育局2022年政府信息公开工作年度报告")],
        [],
    )
    with pytest.raises(ValueError):
        api.FAMILY.read(third, "<html>维护中</html>")  # not JSON: the spider logs it and goes on


def test_report_pages_carry_no_markers_and_the_generic_containers_find_the_body():
    html = page("post_10889727.html")
    assert family_of("https://www.lg.gov.cn/xxgk/zfxxgknb/content/post_10889727.html", html).name == "auto"
    body, known = find_body(lxml.html.document_fromstring(html))
    assert (body.get("class"), known) == ("article-content", True)
    assert body.text_content().strip().startswith("深圳市龙岗区人民政府2024年政府信息公开工作年度报告")
