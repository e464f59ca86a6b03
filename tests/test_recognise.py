"""What the spider follows and records, from link texts, URLs and page scripts."""

from __future__ import annotations

import pytest

from common.recognise import agency_of, is_report_title, is_unit_name, year_of
from crawler.challenges import detect
from crawler.exchange import classify
from crawler.recognise import canonical_url, is_attachment, is_nav_link, is_report_column
from parsers.labels import stated_date
from parsers.report import tidy_title


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("重庆市巴南区交通运输委员会2025年政府信息公开工作年度报告", True),
        ("竹亭镇2020年度政府信息公开年度报告", True),
        ("重庆市渝北区人民政府王家街道办事处关于2019年政府信息公开工作的年度报告", True),
        ("北京市通州区漷县镇 2019 年政府信息公开工作年度报告", True),
        ("二〇一九年政府信息公开工作年度报告", True),
        ("关于做好2024年政府信息公开工作年度报告编制工作的通知", False),
        ("《2023年政府信息公开工作年度报告》解读", False),
        ("2024年政务公开工作要点", False),
        ("政府信息公开年报", False),  # a column, not a report: no year
        ("区政府办公室召开政务公开工作推进会", False),
        ("北京市通州区人民政府2018年法治政府建设年度报告", False),  # another annual report
        ("关于2018年度政府信息公开工作年度报告发布情况的通报", False),
        ("上饶市信州区人民政府2017年度政府信息公开工作报告", True),  # pre-2019 wording
    ],
)
def test_report_titles(title, expected):
    assert is_report_title(title) is expected


def test_year_of_title_reads_chinese_numerals():
    assert year_of("二〇二一年政府信息公开工作年度报告") == 2021
    assert year_of("北京市通州区漷县镇 2019 年政府信息公开工作年度报告") == 2019


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("政务公开", True),
        ("政府信息公开年报", True),
        ("政府信息公开", True),
        ("首页", False),
        ("2023年政府信息公开工作年度报告", False),
    ],
)
def test_nav_links(text, expected):
    assert is_nav_link(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("区财政局", True),
        ("五常街道", True),
        ("余杭区政府", True),
        ("政府信息公开年报", False),
        ("政策文件", False),
        ("更多>>", False),
    ],
)
def test_unit_names(text, expected):
    assert is_unit_name(text) is expected


def test_report_columns_by_url_shape():
    assert is_report_column("http://www.cqbn.gov.cn/bmjz/bm/jtj/zwgk_88817/zfxxgknb_88827/")
    assert is_report_column("http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg86/pc/list.html")
    assert is_report_column("http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/index_2.html")
    assert not is_report_column("http://www.cqbn.gov.cn/zwgk_252/")
    # Without the folder's slash, and list pages of other servers.
    assert is_report_column("http://www.x.gov.cn/zwgk/zfxxgknb")
    assert is_report_column("http://www.x.gov.cn/zwgk/zfxxgknb/index.jsp")
    assert is_report_column("http://www.x.gov.cn/zwgk/zfxxgknb/list_2.jhtml")
    # An article inside a 年报 column (a news item listed beside the reports) is not a list to walk.
    assert not is_report_column("http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/qzfbm/zfbgs/202501/t20250118_14970392.html")
    assert not is_report_column(
        "http://www.yzq.gov.cn/yzqrmzf/zfxxgkndbg86/202401/0f3a1c2b4d5e6f708192a3b4c5d6e7f8.shtml"
    )


def test_wap_twin_collapses_to_desktop_page():
    assert canonical_url("http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/202601/t20260129_15362835_wap.html#top") == (
        "http://www.cqbn.gov.cn/zwgk_252/zfxxgknb/202601/t20260129_15362835.html"
    )


def test_attachments_by_extension_or_link_text():
    assert is_attachment("https://www.bjtzh.gov.cn/x/P020200115612345.pdf")
    assert is_attachment("https://www.hc.gov.cn/download?id=3", "2021年年度报告.docx")
    assert not is_attachment("https://www.hc.gov.cn/x/t20220110_1.html", "2021年年度报告")
    # Hanweb serves files through a download script that names the file in its query.
    assert is_attachment("https://www.yuhang.gov.cn/module/download/downfile.jsp?classid=0&filename=e634ff8d.pdf")
    assert not is_attachment("https://www.yuhang.gov.cn/module/web/jpage/dataproxy.jsp?columnid=1229100051")
    assert not is_attachment("https://www.x.gov.cn/share.php?url=https%3A%2F%2Fwww.x.gov.cn%2F&pic=/images/logo.png")


RUISHU = b"<html><head><script>$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};$_ts.nsd=1;</script></head></html>"


def test_challenges_are_detected_positively():
    assert detect(412, {}, RUISHU) == "ruishu_412"
    assert detect(521, {"set-cookie": "__jsluid_s=abc; path=/"}, b"<script>document.cookie='x'</script>") == (
        "jiasule_521"
    )
    assert detect(200, {"content-type": "text/html"}, RUISHU) == "script_stub"
    # A real page with text and scripts is not a challenge, nor is a plain 412.
    page = (
        "<html><body><script>var a=1;</script><p>重庆市巴南区人民政府2019年政府信息公开工作年度报告</p></body></html>"
    )
    assert detect(200, {"content-type": "text/html"}, page.encode()) is None
    assert detect(412, {}, b"Precondition Failed") is None


def test_outcomes_of_responses():
    assert classify(200, {"content-type": "text/html"}, b"<p>report text here, long enough</p>") == ("ok", None)
    assert classify(404, {}, b"not found") == ("http_error", None)
    assert classify(412, {}, RUISHU) == ("challenge", "ruishu_412")
    assert classify(304, {}, b"") == ("not_modified", None)


def test_agency_from_the_title():
    assert agency_of("重庆市巴南区安澜镇人民政府2019年政府信息公开工作年度报告") == "重庆市巴南区安澜镇人民政府"
    assert agency_of("2022年上海市政府信息公开工作年度报告") == "上海市"
    assert agency_of("2023年政府信息公开工作年度报告") is None  # printed without the agency: the column tells
    assert agency_of("2023年人民政府信息公开工作年度报告") is None


def test_title_loses_the_spaces_pdf_text_puts_around_digits():
    assert tidy_title(" 竹亭镇 2020 年度政府信息公开年度报告") == "竹亭镇2020年度政府信息公开年度报告"
    assert (
        tidy_title("关于 2019 年 ABC Park 政府信息公开工作的年度报告") == "关于2019年ABC Park政府信息公开工作的年度报告"
    )


def test_the_stated_publication_date_not_another_date_of_the_document():
    assert stated_date("成文日期：2024-01-10　发布日期：2024-01-22") == "2024-01-22"
    assert stated_date("日期:2026-01-28 【字号:") == "2026-01-28"
    assert stated_date("发布时间：2024-1-5 10:30") == "2024-01-05"
    assert stated_date("统计日期：2024-01-10　成文日期：2024-01-09") is None
