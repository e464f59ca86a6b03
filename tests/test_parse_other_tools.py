"""The seeds as other tools give their text (tests/fixtures/other-tools/, made by bench/other_text_fixtures):
pdftotext -layout columns, a converter's misaligned Markdown tables, a web archiver's flattened page with glued
cells. Glued digit runs are split by the template's counts and checks; what stays undecided is null with a warning."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import FIXTURES, SEED_NAMES, gold

from bench.other_text_fixtures import fixture_path, flattened, markdown_repeated, seed_content
from parsers import parse
from parsers.glued import Column, splits
from replica.render import report_html

OTHER_TOOLS = FIXTURES / "other-tools"


def parsed(name: str):
    return parse((OTHER_TOOLS / name).read_bytes())


def scored(name: str) -> dict:
    g = gold(name)
    return {k: v for k, v in g["cells"].items() if k not in g["unscored"]}


def row(cells: dict, table_row: str, columns: list[str]) -> list:
    return [cells[f"{table_row}.{c}"].value for c in columns]


REQUEST_COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]


@pytest.mark.parametrize("kind", ["pdftotext-layout.txt", "markdown.md"])
@pytest.mark.parametrize("name", ["000_90d8d6df986a6c21", "004_faf2576bdefa9143"])
def test_layout_and_markdown_texts_read_every_gold_cell(name, kind):
    result = parsed(f"{name}.{kind}")
    assert (result.status, result.template, result.year) == ("ok", "2019", gold(name)["year"])
    assert {c.key: c.value for c in result.cells} == scored(name)


def test_pdftotext_layout_places_a_blank_cell_by_its_column():
    cells = parsed("004_faf2576bdefa9143.pdftotext-layout.txt").cell_map()
    assert row(cells, "requests.unavailable_needs_creation", REQUEST_COLUMNS) == [0, 0, 0, 0, 0, None, 0]
    assert (cells["active.other_services.decisions"].value, cells["active.other_services.change"].value) == (11924, -8)
    amount = cells["active.procurement.amount"]
    assert (amount.value, amount.unit) == (517200, "元")


def test_misaligned_markdown_rows_keep_their_values():
    # Rows of 10, 9 and 8 cells in one table: leading empty cells dropped by the converter.
    cells = parsed("003_d11106ab72934bbf.markdown.md").cell_map()
    assert row(cells, "requests.received", REQUEST_COLUMNS) == [2, 0, 0, 0, 0, 0, 2]
    assert row(cells, "requests.carried_over", REQUEST_COLUMNS) == [None, 0, 0, 0, 0, 0, 0]
    amount = parsed("000_90d8d6df986a6c21.markdown.md").cell_map()["active.procurement.amount"]
    assert (amount.value, amount.raw, amount.unit) == (72.8, "72.8万元", "万元")


def test_flattened_page_splits_glued_runs_with_one_reading():
    result = parsed("002_5e19d69b53729175.flat.txt")
    cells = result.cell_map()
    assert result.status == "ok"
    assert row(cells, "requests.received", REQUEST_COLUMNS) == [1, 0, 0, 0, 0, 0, 1]  # 1000001
    assert row(cells, "requests.unavailable_not_held", REQUEST_COLUMNS) == [1, 0, 0, 0, 0, 0, 1]
    assert [cells[f"appeals.review.{c}"].value for c in ("upheld", "total")] == [0, 0]


def test_flattened_page_leaves_ambiguous_runs_null_with_a_warning():
    result = parsed("000_90d8d6df986a6c21.flat.txt")
    cells = result.cell_map()
    # 行政许可110168 is 11|0|168, but 1|10|168, 110|1|68 … fit as well: no guess.
    assert row(cells, "active.licensing", ["previous_items", "change", "decisions"]) == [None, None, None]
    assert (
        "glued values 110168 of active row licensing: 7 readings fit; previous_items, change, decisions left blank"
        in result.warnings
    )
    # Every cell read is the gold's: the undecided ones are null, none is wrong.
    gold_cells = scored("000_90d8d6df986a6c21")
    assert {k: v for k, v in ((c.key, c.value) for c in result.cells) if v is not None} == {
        k: v for k, v in gold_cells.items() if k in cells and cells[k].value is not None
    }


def test_a_blank_cell_in_a_glued_run_leaves_its_row_undecided():
    # 000000 for seven columns: any of them may be the blank one.
    result = parsed("004_faf2576bdefa9143.flat.txt")
    assert row(result.cell_map(), "requests.unavailable_needs_creation", REQUEST_COLUMNS) == [None] * 7
    assert any("000000 of requests row unavailable_needs_creation: 7 readings" in w for w in result.warnings)


def test_a_table_flattened_into_one_line_is_cut_before_each_row_label():
    # …（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开0000000…: the 2 starts the next label.
    result = parsed("002_5e19d69b53729175.flat-tables.txt")
    cells = result.cell_map()
    assert row(cells, "requests.received", REQUEST_COLUMNS) == [1, 0, 0, 0, 0, 0, 1]
    assert row(cells, "requests.denied_state_secret", REQUEST_COLUMNS) == [0] * 7
    assert row(cells, "requests.denied_prohibited_by_law", REQUEST_COLUMNS) == [0] * 7
    assert [cells[f"appeals.litigation_after_review.{c}"].value for c in ("upheld", "total")] == [0, 0]
    gold_cells = scored("002_5e19d69b53729175")
    assert {c.key: c.value for c in result.cells if c.value is not None} == {
        k: v for k, v in gold_cells.items() if k not in ("active.procurement.projects", "active.procurement.amount")
    }


def test_the_issue_example_has_exactly_one_reading():
    text = (OTHER_TOOLS / "002_5e19d69b53729175.flat.txt").read_text(encoding="utf-8")
    glued = text.replace("一、本年新收政府信息公开申请数量1000001", "一、本年新收政府信息公开申请数量801000081")
    cells = parse(glued.encode()).cell_map()
    assert row(cells, "requests.received", REQUEST_COLUMNS) == [80, 1, 0, 0, 0, 0, 81]


SEVEN = [Column(c) for c in REQUEST_COLUMNS]


def row_total(values: tuple[str, ...]) -> bool:
    return sum(map(int, values[:6])) == int(values[6])


def test_the_row_total_decides_between_readings_of_the_same_form():
    assert len(splits("801000081", SEVEN)) == 5  # 80|1|0|0|0|0|81, 8|0|10|0|0|0|81, 801|0|0|0|0|8|1 …
    assert splits("801000081", SEVEN, row_total) == [("80", "1", "0", "0", "0", "0", "81")]


def test_a_form_of_number_rules_out_readings():
    columns = [Column("previous_items"), Column("change", signed=True), Column("decisions")]
    # A sign only in 本年增/减, no leading zero.
    assert splits("4-361", columns) == [("4", "-3", "61"), ("4", "-36", "1")]
    assert splits("2-10", columns) == [("2", "-1", "0")]
    assert splits("000", columns) == [("0", "0", "0")]


def test_a_run_too_long_to_search_is_left_blank_with_a_warning():
    text = (OTHER_TOOLS / "002_5e19d69b53729175.flat.txt").read_text(encoding="utf-8")
    appeals = "0" * 15
    hostile = text.replace(f"\n{appeals}\n", "\n" + "1" * 60 + "\n")
    assert hostile != text
    result = parse(hostile.encode())
    assert all(c.value is None for c in result.cells if c.table == "appeals")
    assert f"glued values {'1' * 40}… of appeals: too many readings; cells left blank" in result.warnings


def test_pdftotext_without_layout_is_not_guessed():
    # Numbers one per line in runs down parts of columns, apart from their labels: the columns are lost.
    result = parsed("002_5e19d69b53729175.pdftotext.txt")
    assert (result.status, result.cells) == ("no_tables", [])
    assert result.title == "竹亭镇2020年度政府信息公开年度报告"
    assert result.warnings == [
        "text: numbers one per line apart from their labels (pdftotext without -layout?): cells not read"
    ]


def test_a_space_left_between_values_is_a_cell_boundary():
    text = (OTHER_TOOLS / "000_90d8d6df986a6c21.flat.txt").read_text(encoding="utf-8")
    spaced = text.replace("行政许可110168", "行政许可 11 0 168").replace(
        "政府集中采购672.8万元", "政府集中采购6 72.8 万元"
    )
    result = parse(spaced.encode())
    cells = result.cell_map()
    assert row(cells, "active.licensing", ["previous_items", "change", "decisions"]) == [11, 0, 168]
    amount = cells["active.procurement.amount"]
    assert (cells["active.procurement.projects"].value, amount.value, amount.unit) == (6, 72.8, "万元")
    assert not any("licensing" in w or "procurement" in w for w in result.warnings)


def test_thousands_separators_in_a_glued_run():
    money = [Column("projects"), Column("amount", money=True)]
    assert splits("91,400,000", money) == [("9", "1,400,000")]
    assert splits("0,123", [Column("n")]) == []


def test_markdown_repeating_merged_cells_drops_the_copies_of_a_merged_value():
    # | 信息内容 | 上一年项目数量 | 本年增/减 | 本年增/减 | over | 行政事业性收费 | 0 | 0 | 0 |: two values, not three.
    result = parsed("000_90d8d6df986a6c21.markdown-repeated.md")
    cells = result.cell_map()
    assert row(cells, "active.fees", ["previous_items", "change"]) == [0, 0]
    amount = cells["active.procurement.amount"]
    assert (cells["active.procurement.projects"].value, amount.value, amount.unit) == (6, 72.8, "万元")
    assert {c.key: c.value for c in result.cells} == scored("000_90d8d6df986a6c21")
    assert result.warnings == ["text: tables read from Markdown"]


@pytest.mark.parametrize("name", SEED_NAMES)
def test_the_texts_made_without_libreoffice_are_reproduced(name):
    content = seed_content(name)
    page = report_html(content)
    assert flattened(page) == fixture_path(name, "flat").read_text(encoding="utf-8")
    assert flattened(page, row_lines=False) == fixture_path(name, "flat-tables").read_text(encoding="utf-8")
    assert markdown_repeated(content) == fixture_path(name, "markdown-repeated").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["000_90d8d6df986a6c21", "004_faf2576bdefa9143"])
def test_an_ofd_document_reads_every_gold_cell(name):
    result = parsed(f"{name}.ofd.ofd")
    assert (result.status, result.format, result.template, result.year) == ("ok", "ofd", "2019", gold(name)["year"])
    assert {c.key: c.value for c in result.cells} == scored(name)


def test_an_ofd_without_its_document_part_is_an_error_that_says_so():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
                              "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")  # fmt: skip
    result = parse(out.getvalue())
    assert (result.status, result.format, result.error) == (
        "error",
        "ofd",
        "an OFD file without its part Doc_0/Document.xml",
    )
