"""Spreadsheet attachments: XLSX (openpyxl), and XLS or Kingsoft ET (xlrd: both are BIFF workbooks in an OLE file).

Each sheet becomes the blocks other formats produce: a row holding one cell is a paragraph (a title, a section
heading), runs of other rows are tables, merged cells are marked as in every other format (the text at the merge's
origin, None in each position it covers). The template mapping is then the one every format shares.
"""

from __future__ import annotations

import datetime
import io
import warnings
import zipfile

from parsers import limits
from parsers.labels import item_number
from parsers.model import Block, Document, ExtractionError, Paragraph, Table


def _text(value: object) -> str:
    """A cell as the report shows it: whole numbers without ".0", others as the shortest decimal that reads back."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    return str(value).strip()


def _table(rows: list[list[str | None]]) -> Table:
    """A table as wide as its own cells: a sheet's columns go on to its widest table's end, which this one's blank
    cells there are not part of (they would be read as value cells)."""
    width = max(max((i + 1 for i, c in enumerate(row) if c != ""), default=0) for row in rows)
    return Table([row[:width] for row in rows])


def _blocks(grid: list[list[str | None]]) -> list[Block]:
    """Paragraphs and tables of one sheet. A blank row ends a table; a row of one cell is a paragraph unless it is
    an item header of table 二 (第二十条第（一）项, merged across that table)."""
    blocks: list[Block] = []
    table: list[list[str | None]] = []
    for row in grid:
        filled = [c for c in row if c]
        heading = len(filled) == 1 and not item_number(filled[0])
        if heading or not filled:
            if table:
                blocks.append(_table(table))
                table = []
            if filled:
                blocks.append(Paragraph(filled[0]))
        else:
            table.append(row)
    if table:
        blocks.append(_table(table))
    return blocks


def _check_size(rows: int, columns: int) -> None:
    if rows * columns > limits.MAX_SHEET_CELLS:
        raise ExtractionError(
            f"a sheet of {rows} x {columns} cells (limit {limits.MAX_SHEET_CELLS}): not a report's tables"
        )


def _grid(values: list[list[object]], merges: list[tuple[int, int, int, int]]) -> list[list[str | None]]:
    """The sheet's cells as text, without blank rows and columns at its end; merges as (first row, last row, first
    column, last column), 0-based and inclusive: the positions a merge covers beyond its origin are None."""
    grid: list[list[str | None]] = [[_text(v) for v in row] for row in values]
    while grid and not any(grid[-1]):
        grid.pop()
    width = max((max((i + 1 for i, c in enumerate(row) if c), default=0) for row in grid), default=0)
    grid = [row[:width] + [""] * (width - len(row)) for row in grid]
    for first_row, last_row, first_column, last_column in merges:
        for r in range(first_row, min(last_row, len(grid) - 1) + 1):
            for c in range(first_column, min(last_column, width - 1) + 1):
                if (r, c) != (first_row, first_column):
                    grid[r][c] = None
    return grid


def extract_xlsx(data: bytes) -> Document:
    from openpyxl import load_workbook  # imported here: only spreadsheets need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():  # each part's real inflated size, before openpyxl inflates it by itself
                limits.read_zip_member(data, z, name, limits.MAX_ZIP_PART_BYTES)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of each part it does not read (data validation, …)
            workbook = load_workbook(io.BytesIO(data), data_only=True)  # formulas as the values last computed
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ExtractionError(f"not a readable XLSX workbook: {e}") from e
    blocks: list[Block] = []
    for sheet in workbook.worksheets:
        _check_size(sheet.max_row, sheet.max_column)
        merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in sheet.merged_cells.ranges]
        blocks += _blocks(_grid([list(row) for row in sheet.iter_rows(values_only=True)], merges))
    title = (workbook.properties.title or "").strip() or None
    return Document(blocks=blocks, format="xlsx", title=title)


def extract_xls(data: bytes) -> Document:
    """XLS, and Kingsoft ET (the same BIFF workbook stream)."""
    import xlrd

    try:
        workbook = xlrd.open_workbook(file_contents=data, formatting_info=True)  # formatting_info: merged cells
    except Exception as e:  # noqa: BLE001 - xlrd raises many kinds on a damaged file
        raise ExtractionError(f"not a readable XLS workbook: {type(e).__name__}: {e}") from e

    def value(cell: xlrd.sheet.Cell) -> object:
        if cell.ctype == xlrd.XL_CELL_DATE:
            return xlrd.xldate_as_datetime(cell.value, workbook.datemode)
        return cell.value if cell.ctype in (xlrd.XL_CELL_TEXT, xlrd.XL_CELL_NUMBER) else None

    blocks: list[Block] = []
    for sheet in workbook.sheets():
        _check_size(sheet.nrows, sheet.ncols)
        merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]  # xlrd's ends are exclusive
        blocks += _blocks(_grid([[value(c) for c in sheet.row(r)] for r in range(sheet.nrows)], merges))
    return Document(blocks=blocks, format="xls")
