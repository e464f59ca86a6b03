"""List strategies of the CMS families, on literal pages."""

from __future__ import annotations

import json

from crawler.cms import ApiCall, api_calls, api_items, api_page_count, dataproxy_urls, datastore_links, detect_family

JCMS = """<div id="7012345"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=123&path=/&columnid=1229100051&unitid=7012345&webname=%E4%BD%99&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2024/1/15/art_1229100051_59012345.html" target="_blank" title="杭州市余杭区财政局2023年政府信息公开工作年度报告">杭州市余杭区财政局2023年政府信息公开工作年度报告</a><span>2024-01-15</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2024/1/9/art_1229100051_59012001.html" title="余杭区财政局召开会议">余杭区财政局召开会议</a></li>]]></record>
</recordset></datastore></script></div>
<script>$(function(){ $('#7012345').jpage({dataStore: dataStore, proxyUrl: '/module/web/jpage/dataproxy.jsp', perPage: 5, totalRecord: 12, groupSize: 1}); });</script>"""


def test_hanweb_first_page_records_come_from_the_datastore():
    assert datastore_links(JCMS) == [
        ("/art/2024/1/15/art_1229100051_59012345.html", "杭州市余杭区财政局2023年政府信息公开工作年度报告"),
        ("/art/2024/1/9/art_1229100051_59012001.html", "余杭区财政局召开会议"),
    ]
    assert detect_family("https://www.yuhang.gov.cn/col/col1229100051/index.html", JCMS) == "hanweb"


def test_hanweb_further_records_from_the_data_proxy():
    assert dataproxy_urls("https://www.yuhang.gov.cn/col/col1229100051/index.html", JCMS) == [
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
    assert datastore_links(xml) == [("/art/2023/1/20/art_1229100051_1.html", "余杭区2022年政府信息公开工作年度报告")]


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
    assert detect_family("https://www.lg.gov.cn/xxgk/zfxxgknb/index.html", API_PAGE) == "api"
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


def test_families_of_the_other_platforms():
    assert detect_family("http://www.cqbn.gov.cn/bmjz/bm/jtj/zwgk_88817/zfxxgknb_88827/index.html", "") == "chongqing"
    assert detect_family("http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg86/pc/list.html", "") == "jiangxi"
    assert detect_family("https://www.bjtzh.gov.cn/bjtz/xxgk/zfxxgknb/index.html", "var countPage = 3;") == "trs"
    assert detect_family("https://www.example.gov.cn/", "<p>首页</p>") is None
