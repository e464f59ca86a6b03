"""Spreadsheet attachments: the five seed reports written as workbooks (XLSX by openpyxl here, XLS by xlwt in a tool
virtualenv nianbao never imports), one sheet with the tables merged as in the official template, parse to the same
gold cells as their text."""

from __future__ import annotations

import io
import json
import re
import subprocess

import pytest
from conftest import SEED_NAMES
from openpyxl import Workbook
from test_parse_formats import check, seed_content
from tool_venvs import tool_bin

from parsers import parse
from parsers.extract import sniff
from replica.model import TableSlot
from replica.render import _grid, table_rows

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def as_entered(text: str) -> str | int | float:
    """A cell as a person types it into a spreadsheet: numbers become numbers (72.8, 0), the rest stays text."""
    if not _NUMBER.fullmatch(text):
        return text
    return float(text) if "." in text else int(text)


def sheet(name: str) -> tuple[list[tuple[int, int, str | int | float]], list[tuple[int, int, int, int]]]:
    """The seed report as one sheet: (row, column, value) of its cells, 0-based, and its merges as (first row, last
    row, first column, last column). A row per title line and paragraph, then each table as the template merges it."""
    content = seed_content(name)
    cells: list[tuple[int, int, str | int | float]] = []
    merges: list[tuple[int, int, int, int]] = []
    row = 0
    for line in content.title_lines:
        cells.append((row, 0, line))
        row += 1
    for block in content.blocks:
        if isinstance(block, TableSlot):
            placed, height, _ = _grid(table_rows(block.kind, content))
            for r, c, cell in placed:
                cells.append((row + r, c, as_entered(cell.text)))
                if cell.rowspan > 1 or cell.colspan > 1:
                    merges.append((row + r, row + r + cell.rowspan - 1, c, c + cell.colspan - 1))
            row += height
        else:
            cells.append((row, 0, block.text))
            row += 1
    return cells, merges


def xlsx(name: str) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    cells, merges = sheet(name)
    for r, c, value in cells:
        if value != "":
            worksheet.cell(r + 1, c + 1, value)
    for first_row, last_row, first_column, last_column in merges:
        worksheet.merge_cells(
            start_row=first_row + 1, end_row=last_row + 1, start_column=first_column + 1, end_column=last_column + 1
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLWT_SCRIPT = """
import json, sys, xlwt
cells, merges = json.load(sys.stdin)
book = xlwt.Workbook(encoding="utf-8")
ws = book.add_sheet("年报")
origins = {}
for r0, r1, c0, c1 in merges:
    origins[(r0, c0)] = (r1, c1)
for r, c, value in cells:
    if (r, c) in origins:
        ws.write_merge(r, origins[(r, c)][0], c, origins[(r, c)][1], value)
    elif value != "":
        ws.write(r, c, value)
book.save(sys.stdout.buffer)
"""


def xls(name: str) -> bytes:
    python = tool_bin("xlwt", "xlwt==1.3.0") / "python"
    proc = subprocess.run(
        [str(python), "-c", XLWT_SCRIPT], input=json.dumps(sheet(name)).encode(), capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


@pytest.mark.parametrize("name", SEED_NAMES)
def test_xlsx(name):
    data = xlsx(name)
    assert sniff(data) == "xlsx"
    result = parse(data)
    assert result.format == "xlsx"
    check(result, name)


@pytest.mark.slow  # installs xlwt into a tool virtualenv on first use
@pytest.mark.parametrize("name", SEED_NAMES)
def test_xls(name):
    data = xls(name)
    assert sniff(data) == "xls"
    result = parse(data)
    assert result.format == "xls"
    check(result, name)


def test_a_sheet_is_split_into_paragraphs_and_tables():
    from parsers.sheet import _blocks

    grid = [
        ["某某镇2020年政府信息公开工作年度报告", "", ""],
        ["二、主动公开政府信息情况", None, None],
        ["第二十条第（一）项", None, None],
        ["信息内容", "本年新制作数量", "本年新公开数量"],
        ["规章", "0", "0"],
        ["", "", ""],
        ["第二十条第（五）项", None, None],
        ["信息内容", "本年处理决定数量", None],
    ]
    blocks = _blocks(grid)
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Paragraph", "Table", "Table"]
    assert blocks[2].rows == grid[2:5]
    assert blocks[3].rows == grid[6:]


def test_a_damaged_workbook_is_an_error():
    data = xlsx(SEED_NAMES[0])
    result = parse(data[: len(data) // 2])
    assert (result.status, result.format) == ("error", "zip")
    result = parse(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "Workbook".encode("utf-16-le"))
    assert (result.status, result.format) == ("error", "xls")
