"""The national tables of one report laid out as printed, from the template spec (common/template.py): official row
and column labels with their merged group headers, in the template's order, each cell blank, a number, or not in
the document. Pure functions of the spec and the report's cells, for the report page (publish/site)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from common.template import Label, Template

CellRow = Mapping[str, Any]  # a row of the table cells: value, raw, unit


@dataclass(frozen=True)
class Span:
    """A header cell: `size` labels along its axis, `depth` levels across (rowspan/colspan by orientation)."""

    text: str
    level: int
    first: int
    size: int
    depth: int


def spans(paths: Sequence[tuple[str, ...]]) -> list[Span]:
    """Merged headers of labels given as paths (parent, …, leaf): consecutive labels under the same parent share one
    header; a leaf above the deepest level covers the levels below it."""
    depth = max(len(p) for p in paths)
    found = []
    for level in range(depth):
        i = 0
        while i < len(paths):
            path = paths[i]
            if len(path) <= level:
                i += 1
            elif len(path) == level + 1:
                found.append(Span(path[level], level, i, 1, depth - level))
                i += 1
            else:
                j = i
                while j < len(paths) and len(paths[j]) > level + 1 and paths[j][: level + 1] == path[: level + 1]:
                    j += 1
                found.append(Span(path[level], level, i, j - i, 1))
                i = j
    return found


def printed_paths(labels: Sequence[Label]) -> list[tuple[str, ...]]:
    """Label paths as printed: a "/" under a parent no other label has is part of the label (本年增/减), not a group."""
    paths = [label.path for label in labels]
    parents = [p[:-1] for p in paths]
    return [p[:-2] + ("/".join(p[-2:]),) if len(p) > 1 and parents.count(p[:-1]) == 1 else p for p in paths]


def number(value: int | float) -> str:
    """A number as printed: 3, 72.8 (never 3.0)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def data_cell(cell: CellRow | None) -> dict[str, str]:
    """A cell's text and class: blank (printed empty, "/", "无") is empty and distinct from 0; not printed at all is
    marked too."""
    if cell is None:
        return {"text": "", "unit": "", "css": "blank absent", "title": "原文未印此格"}
    if cell["value"] is None:
        raw = (cell["raw"] or "").strip()
        return {"text": "", "unit": "", "css": "blank", "title": f"空白（原文：{raw}）" if raw else "空白"}
    shown = {"text": number(cell["value"]), "unit": cell["unit"] or "", "css": "number", "title": cell["raw"] or ""}
    method, confidence = cell.get("method"), cell.get("confidence")
    if method == "ocr_corrected":  # OCR misread it; the template's arithmetic allowed one reading
        shown |= {"css": "number ocr-corrected", "title": "OCR 误读，经勾稽关系更正（原识读见解析提示）"}
    elif method == "ocr" and confidence is not None:
        shown["title"] = f"OCR 识读，置信度 {confidence:.2f}（原文：{cell['raw']}）"
    return shown


@dataclass
class Grid:
    """One printed table: header rows of column headers, then body rows of (row header cells, data cells)."""

    caption: str | None  # a row over the whole table (active: its block's item, 第二十条第（一）项)
    corner: str  # the top-left cell's text (e.g. 信息内容), over the row labels
    over_columns: str | None  # a header printed over every column (申请人情况)
    label_depth: int  # columns the row labels take
    header_rows: list[list[Span]]
    body: list[tuple[list[Span], list[dict[str, str]]]] = field(default_factory=list)

    @property
    def header_depth(self) -> int:
        return len(self.header_rows) + (1 if self.over_columns else 0)


def _grid(
    caption: str | None,
    corner: str,
    over_columns: str | None,
    row_paths: Sequence[tuple[str, ...]],
    column_paths: Sequence[tuple[str, ...]],
    cells: Sequence[Sequence[dict[str, str]]],
) -> Grid:
    column_spans = spans(column_paths)
    levels = max(s.level for s in column_spans) + 1
    header_rows = [sorted((s for s in column_spans if s.level == n), key=lambda s: s.first) for n in range(levels)]
    row_spans = spans(row_paths) if row_paths else []
    label_depth = max((len(p) for p in row_paths), default=0)
    grid = Grid(caption, corner, over_columns, label_depth, header_rows)
    for i, data in enumerate(cells):
        labels = sorted((s for s in row_spans if s.first == i), key=lambda s: s.level)
        grid.body.append((labels, list(data)))
    return grid


def _cells_of(table: str, rows: Sequence[Label], columns: Sequence[Label], cells: Mapping[tuple, CellRow]) -> list:
    return [[data_cell(cells.get((table, r.key, c.key))) for c in columns] for r in rows]


def table_grids(template: Template, table: str, header: str | None, cells: Mapping[tuple, CellRow]) -> list[Grid]:
    """The grids of one table as printed: active one per block (第二十条第…项), requests one, appeals one row whose
    column headers are its row and column labels (行政复议 / 行政诉讼 › 未经复议直接起诉 …)."""
    if table == "active":
        return [
            _grid(
                block.item,
                header or "",
                None,
                printed_paths(block.rows),
                printed_paths(block.columns),
                _cells_of(table, block.rows, block.columns, cells),
            )
            for block in template.active_blocks
        ]
    rows, columns = template.rows(table), template.columns(table)
    if table == "requests":
        paths = printed_paths(rows)
        return [_grid(None, "", header, paths, printed_paths(columns), _cells_of(table, rows, columns, cells))]
    transposed = [r + c for r in printed_paths(rows) for c in printed_paths(columns)]
    return [_grid(None, "", None, [], transposed, [[c for row in _cells_of(table, rows, columns, cells) for c in row]])]
