"""Variants of the national tables seen in real reports, each read into the canonical cells."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import FIXTURES, SEEDS

from common.template import templates
from parsers import parse
from parsers.checks import carry_over_chain
from parsers.model import Document, Paragraph, Table
from parsers.pdf import join_pages
from parsers.report import read_report
from parsers.tables import SUBTOTAL, _match, map_active
from replica.content import publications
from replica.render import report_text as render_text

TPL = templates()["2019"]
APPLICANTS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"]


def requests_table(values: dict[str, list[int]], subtotal: bool = False) -> list[str]:
    """Table 三 as tab-separated rows (as text extraction gives it), optionally with a 法人或其他组织 小计 column."""
    orgs = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"] + (["小计"] if subtotal else [])
    lines = [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t\t\t申请人情况",
        "\t\t\t自然人\t法人或其他组织" + "\t" * len(orgs) + "总计",
        "\t\t\t\t" + "\t".join(orgs),
    ]
    previous: list[str] = []
    for row in TPL.requests_rows:
        path = row.label.split("/")
        shown = [seg if previous[: i + 1] != path[: i + 1] else "" for i, seg in enumerate(path)]
        previous = path
        numbers = values[row.key]
        if subtotal:
            numbers = [*numbers[:6], sum(numbers[1:6]), numbers[6]]
        lines.append("\t".join(shown + [""] * (3 - len(shown)) + [str(n) for n in numbers]))
    return lines


def consistent_values() -> dict[str, list[int]]:
    per_row = {row.key: [0] * 6 for row in TPL.requests_rows}
    per_row["received"] = [3, 1, 0, 0, 2, 0]
    per_row["granted"] = [2, 1, 0, 0, 1, 0]
    per_row["unavailable_not_held"] = [1, 0, 0, 0, 1, 0]
    per_row["total"] = [3, 1, 0, 0, 2, 0]
    return {k: [*v, sum(v)] for k, v in per_row.items()}


def report_text(requests_lines: list[str], appeals_title: str = "四、政府信息公开行政复议、行政诉讼情况") -> bytes:
    appeals = [
        "行政复议\t\t\t\t\t行政诉讼",
        "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉",
        "\t\t\t\t\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
        "1\t0\t0\t1\t2\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0",
    ]
    text = [
        "某某区某某镇人民政府2020年政府信息公开工作年度报告",
        "一、总体情况",
        "全年共收到政府信息公开申请6件。",
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量",
        "规章\t0\t0\t0",
        "三、收到和处理政府信息公开申请情况",
        *requests_lines,
        appeals_title,
        *appeals,
        "五、存在的主要问题及改进情况",
    ]
    return "\n".join(text).encode("utf-8")


def test_plain_table_three():
    result = parse(report_text(requests_table(consistent_values())))
    cells = result.cell_map()
    assert (result.status, result.template, result.year) == ("ok", "2019", 2020)
    assert [cells[f"requests.received.{c}"].value for c in [*APPLICANTS, "total"]] == [3, 1, 0, 0, 2, 0, 6]
    assert {c.key: c.status for c in result.checks}["requests_balance"] == "pass"


def test_eight_column_table_three_keeps_the_subtotal_as_extra_rows():
    result = parse(report_text(requests_table(consistent_values(), subtotal=True)))
    cells = result.cell_map()
    assert [cells[f"requests.received.{c}"].value for c in [*APPLICANTS, "total"]] == [3, 1, 0, 0, 2, 0, 6]
    assert [cells[f"requests.granted.{c}"].value for c in [*APPLICANTS, "total"]] == [2, 1, 0, 0, 1, 0, 4]
    subtotals = [(r.labels, r.values) for r in result.extra_rows if r.labels[-1] == SUBTOTAL]
    assert len(subtotals) == len(TPL.requests_rows)
    assert subtotals[0] == (["一、本年新收政府信息公开申请数量", SUBTOTAL], ["3"])
    assert not result.warnings
    assert {c.key: c.status for c in result.checks}["requests_balance"] == "pass"


def test_section_four_title_variant():
    result = parse(
        report_text(requests_table(consistent_values()), "四、因政府信息公开工作被申请行政复议和提起行政诉讼情况")
    )
    cells = result.cell_map()
    assert [cells[f"appeals.review.{c}"].value for c in ("upheld", "corrected", "other", "pending", "total")] == [
        1,
        0,
        0,
        1,
        2,
    ]
    assert {c.key: c.status for c in result.checks}["appeals_totals"] == "pass"


def test_narrative_count_disagreeing_with_the_table_is_a_warning():
    text = report_text(requests_table(consistent_values())).replace("申请6件".encode(), "申请7件".encode())
    narrative = {c.key: c for c in parse(text).checks}["narrative_matches_tables"]
    assert (narrative.status, narrative.severity) == ("fail", "warning")
    assert (narrative.details[0]["left"], narrative.details[0]["right"]) == (7, 6)


def test_a_label_spelled_as_an_alias_in_the_spec_is_read():
    # Some reports print 2.其他法律、行政法规禁止公开 (with 、): template.json lists it in the row's aliases.
    values = consistent_values()
    values["denied_prohibited_by_law"] = [1, 0, 0, 0, 2, 0, 3]
    official, alias = "2.其他法律行政法规禁止公开", "2.其他法律、行政法规禁止公开"
    lines = [line.replace(official, alias) for line in requests_table(values)]
    assert f"\t{alias}\t1\t0\t0\t0\t2\t0\t3" in "\n".join(lines)
    result = parse(report_text(lines))
    read = [result.cell_map()[f"requests.denied_prohibited_by_law.{c}"].value for c in [*APPLICANTS, "total"]]
    assert read == [1, 0, 0, 0, 2, 0, 3]
    assert (result.extra_rows, result.warnings) == ([], [])
    # It is the alias that reads it: without it the label matches no row of the template.
    [row] = [r for r in TPL.requests_rows if r.key == "denied_prohibited_by_law"]
    assert row.aliases == ("其他法律、行政法规禁止公开",)
    assert _match(TPL.requests_rows, alias) == row
    assert _match(tuple(replace(r, aliases=()) for r in TPL.requests_rows), alias) is None


MISPRINTED = "2.其他法律行政止公开"  # as a real PDF prints it, inside （三）不予公开
MISPRINTED_WARNING = (
    "requests row denied_prohibited_by_law read by its place: its label is printed “2.其他法律行政止公开”"
)


def requests_html(values: dict[str, list[int]]) -> str:
    """Table 三 as an HTML page prints it: merged label cells (rowspan, colspan), then the values."""
    paths = [row.label.split("/") for row in TPL.requests_rows]
    rows = []
    for i, (row, path) in enumerate(zip(TPL.requests_rows, paths, strict=True)):
        cells = []
        for depth, segment in enumerate(path):
            if i > 0 and paths[i - 1][: depth + 1] == path[: depth + 1]:
                continue  # covered by the rowspan of the cell above
            span = sum(1 for p in paths[i:] if p[: depth + 1] == path[: depth + 1])
            colspan = 3 - depth if depth == len(path) - 1 else 1
            cells.append(f'<td rowspan="{span}" colspan="{colspan}">{segment}</td>')
        rows.append("<tr>" + "".join(cells) + "".join(f"<td>{n}</td>" for n in values[row.key]) + "</tr>")
    header = (
        '<tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>'
        '<td colspan="7">申请人情况</td></tr>'
        '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>'
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"
    )
    return (
        '<html><head><meta charset="utf-8"></head><body>'
        "<p>某某区某某镇人民政府2020年政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p>"
        f"<table>{header}{''.join(rows)}</table></body></html>"
    )


def test_a_misprinted_label_inside_a_numbered_block_is_read_by_its_place():
    values = consistent_values()
    values["denied_prohibited_by_law"] = [1, 0, 0, 0, 2, 0, 3]
    official = "2.其他法律行政法规禁止公开"
    lines = [line.replace(official, MISPRINTED) for line in requests_table(values)]
    page = requests_html(values).replace(official, MISPRINTED)
    assert f"\t{MISPRINTED}\t1\t0\t0\t0\t2\t0\t3" in "\n".join(lines) and f">{MISPRINTED}</td>" in page
    text_result, page_result = parse(report_text(lines)), parse(page.encode("utf-8"), "text/html")
    year_warning = "template 2019 taken from the report year: no table header tells"  # the page has table 三 only
    for result, warnings in ((text_result, [MISPRINTED_WARNING]), (page_result, [year_warning, MISPRINTED_WARNING])):
        read = [result.cell_map()[f"requests.denied_prohibited_by_law.{c}"].value for c in [*APPLICANTS, "total"]]
        assert read == [1, 0, 0, 0, 2, 0, 3]
        assert (result.extra_rows, result.warnings) == ([], warnings)
    assert page_result.cell_map()["requests.granted.total"].value == 4  # the rest of the page's table is read too


def test_the_first_and_last_items_of_a_block_and_two_in_a_row_are_placed_by_their_neighbours():
    values = consistent_values()
    values["not_processed_petition"] = [1, 0, 0, 0, 0, 0, 1]
    values["not_processed_duplicate"] = [0, 1, 0, 0, 0, 0, 1]
    values["unavailable_unclear"] = [0, 0, 1, 0, 0, 0, 1]
    misprints = {
        "1.信访举报投诉类申请": "1.信访举报投拆类申请",  # the block's first item: placed by the row below, once placed
        "2.重复申请": "2.重复申",  # after a placed row
        "3.补正后申请内容仍不明确": "3、补正后申请内容不明",  # the block's last item: the row above places it
    }
    lines = requests_table(values)
    for official, printed in misprints.items():
        lines = [line.replace(official, printed) for line in lines]
    result = parse(report_text(lines))
    cells = result.cell_map()
    assert [cells[f"requests.not_processed_petition.{c}"].value for c in [*APPLICANTS, "total"]] == [
        1,
        0,
        0,
        0,
        0,
        0,
        1,
    ]
    assert [cells[f"requests.not_processed_duplicate.{c}"].value for c in [*APPLICANTS, "total"]] == [
        0,
        1,
        0,
        0,
        0,
        0,
        1,
    ]
    assert [cells[f"requests.unavailable_unclear.{c}"].value for c in [*APPLICANTS, "total"]] == [0, 0, 1, 0, 0, 0, 1]
    assert result.warnings == [
        "requests row unavailable_unclear read by its place: its label is printed “3、补正后申请内容不明”",
        "requests row not_processed_duplicate read by its place: its label is printed “2.重复申”",
        "requests row not_processed_petition read by its place: its label is printed “1.信访举报投拆类申请”",
    ]
    assert result.extra_rows == []


def test_a_label_that_fits_nothing_and_whose_number_does_not_fit_stays_unmapped():
    values = consistent_values()
    values["denied_prohibited_by_law"] = [1, 0, 0, 0, 2, 0, 3]
    official = "2.其他法律行政法规禁止公开"
    for printed in ("5.其他法律行政止公开", "其他法律行政止公开", "9.其他事项"):
        lines = [line.replace(official, printed) for line in requests_table(values)]
        result = parse(report_text(lines))
        assert "requests.denied_prohibited_by_law.total" not in result.cell_map()
        assert [(r.labels, r.values) for r in result.extra_rows] == [([printed], ["1", "0", "0", "0", "2", "0", "3"])]
        assert result.warnings == []
    # A row the report adds after a block's last item (9. after 8.) is its own row, not read as the template's.
    lines = requests_table(values)
    at = next(i for i, line in enumerate(lines) if "8.属于行政查询事项" in line)
    lines.insert(at + 1, "\t\t9.属于其他情形\t0\t0\t0\t0\t1\t0\t1")
    result = parse(report_text(lines))
    assert [(r.labels, r.values) for r in result.extra_rows] == [
        (["9.属于其他情形"], ["0", "0", "0", "0", "1", "0", "1"])
    ]
    assert result.warnings == []


def test_a_row_that_cannot_be_aligned_is_a_warning_not_a_guess():
    lines = requests_table(consistent_values())
    lines[3] = "一、本年新收政府信息公开申请数量\t3\t1\t6"  # three numbers for seven columns
    result = parse(report_text(lines))
    assert "requests.received.total" not in result.cell_map()
    assert result.warnings == ["requests row received: 3 value cells for 7 columns"]
    assert {c.key: c.status for c in result.checks}["requests_balance"] == "not_assessable"


def test_numbering_and_bracket_variants_in_seeds():
    # "2、 主动公开政府信息情况" heading; "(一) 予以公开" in ASCII brackets with spaces; "（二）部分公开" without
    # its parenthetical; no 勾稽 note: all in the seeds, all read.
    for name, key, value in [
        ("000_90d8d6df986a6c21", "active.licensing.decisions", 168),
        ("003_d11106ab72934bbf", "requests.granted.total", 2),
        ("004_faf2576bdefa9143", "requests.partially_granted.total", 0),
    ]:
        assert parse((SEEDS / f"{name}.txt").read_bytes()).cell_map()[key].value == value


def test_page_of_an_unknown_cms_body_and_narrative():
    rows = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in line.split("\t")) + "</tr>"
        for line in requests_table(consistent_values())
    )
    work = "".join(
        f"<p>（{n}）我镇认真贯彻落实《条例》，完善制度，规范流程，提高政府信息公开质量。</p>" for n in "一二三四五六"
    )
    page = f"""<html><head><meta charset="utf-8"><title>某某门户网站</title></head><body>
    <header><div class="logo">某某区人民政府</div><nav><ul><li><a href="/">首页</a></li>
      <li><a href="/zwgk/">政务公开</a></li><li><a href="/hd/">互动交流</a></li></ul></nav></header>
    <div class="crumb"><a href="/">首页</a>&gt;<a href="/nb/">政府信息公开年报</a></div>
    <div class="main"><div class="left">
      <h1>某某区某某镇人民政府2020年政府信息公开工作年度报告</h1>
      <p>一、总体情况</p><p>全年共收到政府信息公开申请6件，均按期答复。</p>{work}
      <p>三、收到和处理政府信息公开申请情况</p>
      <table>{rows}</table>
    </div><div class="right"><h3>相关链接</h3><ul><li><a href="/a">中国政府网</a></li></ul></div></div>
    <footer><p>主办：某某区人民政府 ICP备案号：某ICP备00000000号</p></footer></body></html>"""
    result = parse(page.encode("utf-8"), "text/html")
    assert (result.status, result.title, result.year) == (
        "ok",
        "某某区某某镇人民政府2020年政府信息公开工作年度报告",
        2020,
    )
    assert result.cell_map()["requests.received.total"].value == 6
    # The narrative comes from trafilatura here (no known CMS container): menus and footer are left out.
    assert "全年共收到政府信息公开申请6件" in result.text
    assert "互动交流" not in result.text and "ICP" not in result.text
    assert {c.key: c.status for c in result.checks}["narrative_matches_tables"] == "pass"


@pytest.mark.parametrize(
    ("sample", "title", "agency", "published_on"),
    [
        # A breadcrumb line above the title, and the page's 日期 line below it.
        (
            "cqbn_jtj_2025",
            "重庆市巴南区交通运输委员会2025年政府信息公开工作年度报告",
            "重庆市巴南区交通运输委员会",
            "2026-01-28",
        ),
        (
            "cqbn_qzfbgs_2025_wap",
            "重庆市巴南区人民政府办公室2025年政府信息公开工作年度报告",
            "重庆市巴南区人民政府办公室",
            "2026-01-29",
        ),
        # The agency on the line above a title that starts with its year.
        (
            "cqstl_qzfbgs_2025",
            "重庆市铜梁区人民政府办公室2025年政府信息公开工作年度报告",
            "重庆市铜梁区人民政府办公室",
            None,
        ),
        ("jxxz_2017_prerevision", "上饶市信州区人民政府2017年度政府信息公开工作报告", "上饶市信州区人民政府", None),
        ("shanghai_2022_sec4_title_variant", "2022年上海市政府信息公开工作年度报告", "上海市", None),
        ("yichun_2021_text_extraction_drops_chars", "宜春市2021年政府信息公开工作年度报告", "宜春市", None),
    ],
)
def test_title_agency_and_date_of_real_page_beginnings(sample, title, agency, published_on):
    text = (FIXTURES / "site-samples" / f"{sample}.txt").read_text(encoding="utf-8")
    result = parse(text.split("\n", 1)[1].encode())  # without the "# source:" line
    assert (result.title, result.agency, result.published_on) == (title, agency, published_on)


def _broken(lines: list[str], label: str, cut: int, before: bool) -> list[str]:
    """The row of `label` with its label broken over two lines: the first part on a line of its own above the
    values (before=True, as PDF text gives it when the label wraps above) or the last part below them."""
    [i] = [n for n, line in enumerate(lines) if label in line]
    cells = lines[i].split("\t")
    at = cells.index(label)
    head, tail = label[:cut], label[cut:]
    if before:
        above = "\t".join(c if n < at else (head if n == at else "") for n, c in enumerate(cells))
        cells[at] = tail
        return [*lines[:i], above, "\t".join(cells), *lines[i + 1 :]]
    cells[at] = head
    below = "\t".join("" if n != at else tail for n in range(len(cells)))
    return [*lines[:i], "\t".join(cells), below, *lines[i + 1 :]]


@pytest.mark.parametrize("before", [True, False])
@pytest.mark.parametrize(
    ("row", "label", "cut"),
    [
        ("received", "一、本年新收政府信息公开申请数量", 9),
        ("carried_over", "二、上年结转政府信息公开申请数量", 9),
        ("unavailable_unclear", "3.补正后申请内容仍不明确", 8),
        ("total", "（七）总计", 4),
        ("carried_forward", "四、结转下年度继续办理", 5),
    ],
)
def test_a_label_broken_over_two_lines_is_joined_back(row, label, cut, before):
    values = consistent_values()
    values[row] = [n + 1 for n in values[row][:6]] + [values[row][6] + 6]  # numbers no other row has
    lines = _broken(requests_table(values), label, cut, before)
    assert label[:cut] in "\n".join(lines) and label not in "\n".join(lines)
    result = parse(report_text(lines))
    cells = result.cell_map()
    assert [cells[f"requests.{row}.{c}"].value for c in [*APPLICANTS, "total"]] == values[row]
    assert result.extra_rows == []
    assert result.warnings == []


def test_template_comes_from_the_table_headers_not_the_year():
    def retitled(template: str, year: int) -> bytes:
        content = next(p.report for p in publications() if p.report.template == template and p.report.seed is None)
        return render_text(
            replace(content, title_lines=(f"{content.agency}{year}年政府信息公开工作年度报告",))
        ).encode()

    # 2021 tables (行政许可 … in one block, 8 applicant columns …) under a 2020 title, and 2019 ones under 2022.
    assert [
        (r.year, r.template, r.warnings) for r in (parse(retitled("2021", 2020)), parse(retitled("2019", 2022)))
    ] == [
        (2020, "2021", []),
        (2022, "2019", []),
    ]


def _failed(values: dict[str, list[int]], appeals_review_total: int = 2) -> dict[str, list[tuple]]:
    text = report_text(requests_table(values)).decode("utf-8")
    text = text.replace("1\t0\t0\t1\t2\t0", f"1\t0\t0\t1\t{appeals_review_total}\t0")
    result = parse(text.encode("utf-8"))
    return {
        c.key: [(d["where"], d.get("left"), d.get("right")) for d in c.details if d["status"] == "fail"]
        for c in result.checks
        if c.status == "fail"
    }


def test_each_check_fails_on_the_numbers_that_break_it_and_keeps_them():
    assert _failed(consistent_values()) == {}
    # One more request received by a natural person, in its column and in the row total: the balance breaks.
    values = consistent_values()
    values["received"] = [4, 1, 0, 0, 2, 0, 7]
    assert _failed(values) == {
        "requests_balance": [("natural_person", 4, 3), ("total", 7, 6)],
        "narrative_matches_tables": [("narrative", 6, 7)],  # the text still says 6 (a warning)
    }
    # A row whose total is not the sum of its columns.
    values = consistent_values()
    values["granted"][-1] = 5
    assert _failed(values) == {
        "requests_row_totals": [("granted", 5, 4)],  # printed total, sum of the columns
        "requests_outcome_total": [("total", 6, 7)],  # (七) 总计, sum of the outcome rows
    }
    # 行政复议: 1 upheld + 1 pending printed as a total of 3.
    assert _failed(consistent_values(), appeals_review_total=3) == {"appeals_totals": [("review", 3, 2)]}


def test_a_table_continued_on_the_next_page_past_page_numbers_is_one_table():
    first = Table([["信息内容", "本年新制作数量"], ["规章", "0"]])
    rest = Table([["规范性文件", "3"]])  # no header of its own: it continues the table above
    pages = [
        [Paragraph("二、主动公开政府信息情况"), first, Paragraph("- 2 -")],
        [Paragraph("第 3 页 共 5 页"), rest, Paragraph("三、收到和处理政府信息公开申请情况")],
    ]
    blocks = join_pages(pages)
    assert blocks == [
        Paragraph("二、主动公开政府信息情况"),
        Table([["信息内容", "本年新制作数量"], ["规章", "0"], ["规范性文件", "3"]]),
        Paragraph("三、收到和处理政府信息公开申请情况"),
    ]
    # A new table with its own header starts a table of its own; a paragraph that is not a page number stops joining.
    header = Table([["申请人情况", "自然人"]])
    assert len(join_pages([[first], [header]])) == 2
    assert len(join_pages([[first, Paragraph("注：数据截至12月31日")], [Table([["规范性文件", "3"]])]])) == 3
    # Digits inside the page are content, not a page number.
    middle = [Paragraph("全年主动公开信息"), Paragraph("235"), Paragraph("条。")]
    assert join_pages([middle]) == middle


def test_page_metadata_gives_title_and_date():
    body = (SEEDS / "004_faf2576bdefa9143.txt").read_text(encoding="utf-8")
    page = (
        '<html><head><meta charset="utf-8"><title>首页_某区人民政府</title>'
        '<meta name="ArticleTitle" content="重庆市渝北区人民政府王家街道办事处2019年政府信息公开工作年度报告">'
        '<meta name="PubDate" content="2020-01-19 09:41"><meta name="ContentSource" content="王家街道"></head>'
        f'<body><div class="trs_paper_default"><pre>{body}</pre></div></body></html>'
    )
    result = parse(page.encode("utf-8"))
    assert (result.title, result.year, result.published_on) == (
        "重庆市渝北区人民政府王家街道办事处2019年政府信息公开工作年度报告",
        2019,
        "2020-01-19",
    )
    # Without PubDate, the date the page prints in its info line.
    page = page.replace('<meta name="PubDate" content="2020-01-19 09:41">', "").replace(
        "<pre>", '<div class="info">发布时间：2020-01-21 10:02</div><pre>'
    )
    assert parse(page.encode("utf-8")).published_on == "2020-01-21"


def test_vertical_header_text_as_pdf_tables_give_it():
    # pdfplumber reads a narrow header cell printed top to bottom as one character per line (结\n果\n维\n持).
    def vertical(cell: str) -> str:
        return (
            "\n".join(cell) if cell in ("自然人", "商业企业", "科研机构", "结果维持", "结果纠正", "尚未审结") else cell
        )

    text = report_text(requests_table(consistent_values())).decode("utf-8")
    blocks = []
    rows: list[list[str]] = []
    for line in text.split("\n"):
        if "\t" in line:
            rows.append([vertical(c) for c in line.split("\t")])
            continue
        if rows:
            blocks.append(Table(rows))
            rows = []
        blocks.append(Paragraph(line))
    assert any("自\n然\n人" in c for t in blocks if isinstance(t, Table) for r in t.rows for c in r)
    result = read_report(Document(blocks=blocks, format="pdf", pages=2))
    cells = result.cell_map()
    assert (result.status, result.template, result.warnings) == ("ok", "2019", [])
    assert [cells[f"requests.received.{c}"].value for c in [*APPLICANTS, "total"]] == [3, 1, 0, 0, 2, 0, 6]
    assert [cells[f"appeals.review.{c}"].value for c in ("upheld", "corrected", "other", "pending", "total")] == [
        1,
        0,
        0,
        1,
        2,
    ]


def test_a_sub_row_parent_ends_with_its_block():
    rows = [
        ["第二十条第（五）项"],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["其他对外管理服务事项", "行政检查", "3", "0"],
        ["行政确认", "1", "2"],  # a sub-row whose blank lead cell PDF text dropped
        ["第二十条第（六）项"],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政奖励", "4", "5"],  # a local row of the next block: not under 其他对外管理服务事项
    ]
    mapped = map_active(Table(rows), TPL)
    assert [(e.labels, e.values) for e in mapped.extra_rows] == [
        (["其他对外管理服务事项", "行政检查"], ["3", "0"]),
        (["其他对外管理服务事项", "行政确认"], ["1", "2"]),
        (["行政奖励"], ["4", "5"]),
    ]


def test_carry_over_chain_compares_a_year_with_the_previous_one():
    this_year = {"requests.carried_over.total": 3, "requests.carried_over.natural_person": 3}
    last_year = {"requests.carried_forward.total": 3, "requests.carried_forward.natural_person": 2}
    check = carry_over_chain(this_year, last_year, 2022)
    assert (check.key, check.status, check.severity) == ("carry_over_chain", "fail", "error")
    assert [d["where"] for d in check.details] == [*APPLICANTS, "total"]
    assert [(d["where"], d["status"]) for d in check.details if d["status"] != "not_assessable"] == [
        ("natural_person", "fail"),
        ("total", "pass"),
    ]
    assert check.details[0] == {
        "where": "natural_person",
        "status": "fail",
        "carried_over": 3,
        "previous_carried_forward": 2,
    }
    # Every column carried over as carried forward the year before: pass.
    both = {f"requests.carried_over.{c}": 1 for c in [*APPLICANTS, "total"]}
    before = {f"requests.carried_forward.{c}": 1 for c in [*APPLICANTS, "total"]}
    assert carry_over_chain(both, before, 2022).status == "pass"
    missing = carry_over_chain(this_year, None, 2022)
    assert (missing.status, missing.details) == (
        "not_assessable",
        [{"where": "total", "status": "not_assessable", "reason": "no 2021 report of this agency in the archive"}],
    )
