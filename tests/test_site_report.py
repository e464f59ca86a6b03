"""The report page (/reports/reports/{id}) and the archived copy (/-/archive/{sha256}), served by Datasette with the
site's plugins and templates from a database built from a crawl of the replica."""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path

import lxml.html
import pytest
from conftest import gold

from common.template import templates
from publish.report_layout import data_cell, printed_paths, spans

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
served = pytest.mark.slow  # crawls the replica
SEED = "000_90d8d6df986a6c21"  # 重庆市巴南区安澜镇人民政府 2019 (HTML)


# --- the layout, from the spec alone --------------------------------------------------------------------------


def test_merged_headers_follow_the_label_paths():
    paths = [("自然人",), ("法人或其他组织", "商业企业"), ("法人或其他组织", "科研机构"), ("总计",)]
    found = [(s.text, s.level, s.first, s.size, s.depth) for s in spans(paths)]
    assert found == [
        ("自然人", 0, 0, 1, 2),
        ("法人或其他组织", 0, 1, 2, 1),
        ("总计", 0, 3, 1, 2),
        ("商业企业", 1, 1, 1, 1),
        ("科研机构", 1, 2, 1, 1),
    ]


def test_a_slash_inside_a_label_is_not_a_group():
    block = templates()["2019"].active_blocks[1]
    assert printed_paths(block.columns) == [("上一年项目数量",), ("本年增/减",), ("处理决定数量",)]


# --- served -------------------------------------------------------------------------------------------------------


def _one(db: Path, sql: str, *params) -> tuple:
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row


def _report_id(db: Path, agency: str, year: int) -> str:
    return _one(db, "select id from reports where agency = ? and year = ?", agency, year)[0]


def _get(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def _page(base: str, report_id: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(_get(f"{base}/reports/reports/{report_id}")[0].decode("utf-8"))


def _expand(table: lxml.html.HtmlElement) -> dict[tuple[int, int], lxml.html.HtmlElement]:
    """Every grid position of a table, with the cell that covers it (rowspan and colspan expanded)."""
    grid: dict[tuple[int, int], lxml.html.HtmlElement] = {}
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for cell in tr.iterchildren("th", "td"):
            while (r, c) in grid:
                c += 1
            rows, columns = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
            for i in range(rows):
                for j in range(columns):
                    grid[(r + i, c + j)] = cell
            c += columns
    return grid


def _path(cells: list[lxml.html.HtmlElement]) -> tuple[str, ...]:
    """The label path of a grid line: each merged cell once."""
    unique = [c for i, c in enumerate(cells) if i == 0 or c is not cells[i - 1]]
    return tuple(c.text_content().strip() for c in unique)


def _requests_cells(
    page: lxml.html.HtmlElement,
) -> dict[tuple[tuple[str, ...], tuple[str, ...]], lxml.html.HtmlElement]:
    """Table 三's data cells by (row label path, column label path), read from the page as laid out."""
    (table,) = page.xpath("//section[@id='requests']//table[contains(@class, 'printed')]")
    grid = _expand(table)
    height = 1 + max(r for r, _ in grid)
    width = 1 + max(c for _, c in grid)
    header_rows = len(table.xpath("./thead/tr"))
    label_columns = next(c for c in range(width) if grid[(header_rows, c)].tag == "td")
    found = {}
    for r in range(header_rows, height):
        row = _path([grid[(r, c)] for c in range(label_columns)])
        for c in range(label_columns, width):
            column = _path([grid[(h, c)] for h in range(1, header_rows)])  # row 0: 申请人情况, over every column
            found[(row, column)] = grid[(r, c)]
    return found


@served
def test_the_seed_report_page_shows_table_three_in_place(site):
    base, db = site
    expected = gold(SEED)
    page = _page(base, _report_id(db, "重庆市巴南区安澜镇人民政府", 2019))
    assert page.xpath("//h1")[0].text_content() == "重庆市巴南区安澜镇人民政府2019年政府信息公开工作年度报告"
    cells = _requests_cells(page)
    tpl = templates()["2019"]
    label = lambda row, column: tuple(tuple(p.split("/")) for p in tpl.label_of("requests", row, column))  # noqa: E731
    assert cells[label("received", "natural_person")].text_content() == "0"
    assert cells[label("received", "natural_person")] is cells[(("一、本年新收政府信息公开申请数量",), ("自然人",))]
    requests = {k: v for k, v in expected["cells"].items() if k.startswith("requests.")}
    assert len(requests) == 23 * 7
    shown = {k: cells[label(*k.split(".")[1:])].text_content() for k in requests}
    assert shown == {k: str(v) for k, v in requests.items()}
    assert len(cells) == 23 * 7  # every cell of the 2019 table, nothing else


@served
def test_the_page_tells_a_blank_cell_from_zero(site):
    base, db = site
    page = _page(base, _report_id(db, "重庆市渝北区人民政府王家街道办事处", 2019))
    cells = _requests_cells(page)
    needs_creation = ("三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作")
    blank = cells[(needs_creation, ("法人或其他组织", "其他"))]
    assert (blank.text_content(), blank.get("class")) == ("", "blank")
    zero = cells[(needs_creation, ("法人或其他组织", "商业企业"))]
    assert (zero.text_content(), zero.get("class")) == ("0", "number")


@served
def test_the_page_shows_units_and_the_agency(site):
    base, db = site
    page = _page(base, _report_id(db, "重庆市巴南区安澜镇人民政府", 2019))
    (procurement,) = page.xpath("//section[@id='active']//tr[th[text()='政府集中采购']]")
    assert [td.text_content() for td in procurement.iter("td")] == ["6", "72.8万元"]
    facts = {dt.text_content(): dt.getnext().text_content().strip() for dt in page.xpath("//dl[@class='facts']/dt")}
    assert facts["发布机关"] == "重庆市巴南区安澜镇人民政府"
    assert facts["发布日期"] == "2020-01-13 法定期限 2020-01-31，提前 18 天"


def _check(page: lxml.html.HtmlElement, title_starts: str) -> lxml.html.HtmlElement:
    (check,) = [
        c for c in page.xpath("//div[contains(@class, 'check ')]") if title_starts in c.xpath("h3")[0].text_content()
    ]
    return check


@served
def test_each_check_is_in_words(site):
    base, db = site
    seed = _page(base, _report_id(db, "重庆市巴南区安澜镇人民政府", 2019))
    balance = _check(seed, "收支平衡")
    assert balance.xpath("h3/span[@class='badge']")[0].text_content() == "通过"
    rule = "for every column c: received[c] + carried_over[c] = total[c] + carried_forward[c]"
    assert balance.xpath(".//p[@class='rule']/code")[0].text_content() == rule
    chain = _check(seed, "跨年衔接")
    assert chain.xpath("h3/span[@class='badge']")[0].text_content() == "无法判断"
    assert "档案中没有该机关 2018 年度的报告" in chain.text_content()

    failing = _page(base, _report_id(db, "重庆市合川区教育委员会", 2022))
    balance = _check(failing, "收支平衡")
    assert balance.xpath("h3/span[@class='badge']")[0].text_content() == "未通过"
    rows = [
        [c.text_content() for c in tr.iterchildren()][:3]
        for tr in balance.xpath(".//table/tbody/tr[@class='status-fail']")
    ]
    assert rows == [["自然人", "未通过", "14 ≠ 15"], ["总计", "未通过", "23 ≠ 24"]]
    assert "本年新收政府信息公开申请数量｜自然人 = 12" in balance.text_content()


@served
def test_the_page_links_the_original_and_the_archived_copy(site):
    base, db = site
    report_id, sha256, detail_url = _one(
        db,
        "select id, document_sha256, detail_url from reports where agency = ? and year = ?",
        "重庆市巴南区安澜镇人民政府",
        2019,
    )
    page = _page(base, report_id)
    links = page.xpath("//dd[@class='links']/a/@href")
    assert detail_url in links
    assert f"/-/archive/{sha256}" in links
    assert page.xpath("//section[@id='narrative']/details/summary//h2")[0].text_content() == "报告正文"
    (version,) = page.xpath("//table[@class='versions']/tbody/tr")
    assert version.xpath("td")[0].text_content() == "1（当前）"


# --- the archived copy ----------------------------------------------------------------------------------------


@served
def test_the_archived_page_is_served_sandboxed(site):
    base, db = site
    (sha256,) = _one(
        db, "select document_sha256 from reports where agency = ? and year = ?", "重庆市巴南区安澜镇人民政府", 2019
    )
    body, headers = _get(f"{base}/-/archive/{sha256}")
    assert hashlib.sha256(body).hexdigest() == sha256
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["content-security-policy"] == "sandbox"
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-disposition" not in headers


@served
def test_an_archived_docx_is_a_download_named_after_the_report(site):
    base, db = site
    sha256, title = _one(
        db,
        "select d.sha256, r.title from documents d join reports r on r.document_sha256 = d.sha256"
        " where d.format = 'docx' and r.agency = '北京市通州区漷县镇人民政府' and r.year = 2020",
    )
    body, headers = _get(f"{base}/-/archive/{sha256}")
    assert hashlib.sha256(body).hexdigest() == sha256
    assert title == "北京市通州区漷县镇人民政府2020年政府信息公开工作年度报告"
    quoted = urllib.parse.quote(f"{title}.docx", safe="")
    assert headers["content-disposition"] == (
        f"attachment; filename=\"nianbao-{sha256[:16]}.docx\"; filename*=UTF-8''{quoted}"
    )
    assert headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@served
@pytest.mark.parametrize("digest", ["0" * 64, "abc", "..%2F..%2Freports.db", "0" * 63 + "g"])
def test_an_unknown_digest_is_not_found(site, digest):
    base, _ = site
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/-/archive/{digest}", timeout=10)
    assert refused.value.code == 404


def test_a_cell_read_by_ocr_says_so_and_a_corrected_one_is_marked():
    text = {"value": 12, "raw": "12", "unit": None, "method": "pdf", "confidence": None}
    assert data_cell(text) == {"text": "12", "unit": "", "css": "number", "title": "12"}
    read = data_cell(text | {"method": "ocr", "confidence": 0.987})
    assert (read["css"], read["title"]) == ("number", "OCR 识读，置信度 0.99（原文：12）")
    corrected = data_cell(text | {"method": "ocr_corrected", "confidence": 0.62})
    assert (corrected["css"], corrected["title"]) == (
        "number ocr-corrected",
        "OCR 误读，经勾稽关系更正（原识读见解析提示）",
    )
