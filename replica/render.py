"""A report as the HTML fragment a CMS article carries, and as the Word document its attachment is made from.

Both come from one table model (rows of cells with rowspan/colspan, as the official templates merge them), so the
HTML tables and the Word tables have the same shape.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from common.template import Template, templates
from replica.model import ExtraRow, Paragraph, ReportContent, TableSlot

# Part of every attachment's cache key: bump it when the rendered output changes.
RENDERER_VERSION = "3"

# The note in the corner cell of the requests table, as the official template prints it.
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
ACTIVE_WIDTH = 4  # 信息内容 + three value columns
REQUESTS_LABEL_WIDTH = 3  # row labels nest up to three levels deep
FONT = "宋体"


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


# A table is a list of rows; a row lists the cells that start in it, left to right (HTML semantics).
Rows = list[list[Cell]]


# --- table model -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    """One merged cell of a nested label header: covers `span` consecutive leaves starting at leaf `first`."""

    text: str
    level: int
    first: int
    span: int
    leaf: bool


def _label_tree(paths: list[tuple[str, ...]]) -> list[_Node]:
    """Merged cells for nested labels (三、本年度办理结果/（三）不予公开/1.属于国家秘密): one cell per shared prefix."""
    nodes = []
    for i, path in enumerate(paths):
        for level, text in enumerate(path):
            prefix = path[: level + 1]
            if i > 0 and paths[i - 1][: level + 1] == prefix:
                continue  # merged into the cell that started on an earlier leaf
            span = 1
            while i + span < len(paths) and paths[i + span][: level + 1] == prefix:
                span += 1
            nodes.append(_Node(text, level, i, span, leaf=level == len(path) - 1))
    return nodes


def _column_headers(paths: list[tuple[str, ...]], height: int) -> Rows:
    """Header rows for nested column labels: a parent spans its children, a leaf reaches down to the last row."""
    nodes = _label_tree(paths)
    return [
        [Cell(n.text, rowspan=height - n.level if n.leaf else 1, colspan=n.span) for n in nodes if n.level == level]
        for level in range(height)
    ]


def _row_headers(paths: list[tuple[str, ...]], width: int) -> Rows:
    """Label cells for nested row labels: a parent spans its rows, a leaf reaches right to the first value column."""
    nodes = _label_tree(paths)
    return [
        [Cell(n.text, rowspan=n.span, colspan=width - n.level if n.leaf else 1) for n in nodes if n.first == i]
        for i in range(len(paths))
    ]


def _spread(texts: list[str] | tuple[str, ...], width: int) -> list[Cell]:
    """Cells for texts across `width` columns; the last one spans what is left, as the official template does."""
    cells = [Cell(t) for t in texts]
    if cells and len(cells) < width:
        cells[-1] = Cell(texts[-1], colspan=width - len(cells) + 1)
    return cells


def _active_rows(tpl: Template, cells: dict[str, str], extras: list[ExtraRow]) -> Rows:
    rows: Rows = []
    for block in tpl.active_blocks:
        rows.append([Cell(block.item, colspan=ACTIVE_WIDTH)])
        rows.append([Cell("信息内容"), *_spread([c.label for c in block.columns], ACTIVE_WIDTH - 1)])
        for row in block.rows:
            refinements = [e for e in extras if e.parent_key == row.key]
            if not refinements:
                values = [cells.get(f"active.{row.key}.{c.key}", "") for c in block.columns]
                rows.append([Cell(row.label), *_spread(values, ACTIVE_WIDTH - 1)])
                continue
            # A report that splits a row (其他对外管理服务事项 → 行政检查 / 行政确认) keeps the parent label beside.
            for i, extra in enumerate(refinements):
                parent = [Cell(row.label, rowspan=len(refinements))] if i == 0 else []
                rows.append([*parent, Cell(extra.label), *_spread(extra.values, ACTIVE_WIDTH - 2)])
    return rows


def _requests_rows(tpl: Template, cells: dict[str, str], extras: list[ExtraRow]) -> Rows:
    columns = [("申请人情况", *c.path) for c in tpl.requests_columns]
    header = _column_headers(columns, height=3)
    header[0].insert(0, Cell(BALANCE_NOTE, rowspan=3, colspan=REQUESTS_LABEL_WIDTH))
    rows = header
    labels = _row_headers([r.path for r in tpl.requests_rows], REQUESTS_LABEL_WIDTH)
    for row, label_cells in zip(tpl.requests_rows, labels, strict=True):
        rows.append([*label_cells, *(Cell(cells.get(f"requests.{row.key}.{c.key}", "")) for c in tpl.requests_columns)])
        for extra in (e for e in extras if e.parent_key == row.key):
            rows.append([Cell(extra.label, colspan=REQUESTS_LABEL_WIDTH), *(Cell(v) for v in extra.values)])
    return rows


def _appeals_rows(tpl: Template, cells: dict[str, str], extras: list[ExtraRow]) -> Rows:
    # 15 columns, (row × column) of the spec: 行政复议 × 5, 行政诉讼/未经复议直接起诉 × 5, 行政诉讼/复议后起诉 × 5.
    columns = [(*r.path, c.label) for r in tpl.appeals_rows for c in tpl.appeals_columns]
    values = [Cell(cells.get(f"appeals.{r.key}.{c.key}", "")) for r in tpl.appeals_rows for c in tpl.appeals_columns]
    rows = [*_column_headers(columns, height=3), values]
    rows += [[Cell(e.label), *(Cell(v) for v in e.values)] for e in extras]
    return rows


def table_rows(kind: str, content: ReportContent) -> Rows:
    """The national table `kind` ("active", "requests", "appeals") of a report, merged as in the official template."""
    tpl = templates()[content.template]
    extras = [e for e in content.extra_rows if e.table == kind]
    build = {"active": _active_rows, "requests": _requests_rows, "appeals": _appeals_rows}[kind]
    return build(tpl, content.cells, extras)


# --- HTML ------------------------------------------------------------------------------------------------------


def _td(cell: Cell) -> str:
    spans = "".join(f' {name}="{n}"' for name, n in (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if n > 1)
    return f'<td{spans} valign="middle"><p style="text-align:center;">{html.escape(cell.text)}</p></td>'


def table_html(rows: Rows) -> str:
    lines = [
        '<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;" width="100%">',
        "<tbody>",
    ]
    lines += ["<tr>" + "".join(_td(c) for c in row) + "</tr>" for row in rows]
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def report_html(content: ReportContent) -> str:
    """The whole report as a CMS editor would store it: centred title lines, paragraphs, the national tables."""
    parts = [f'<p style="text-align:center;"><strong>{html.escape(line)}</strong></p>' for line in content.title_lines]
    for block in content.blocks:
        if isinstance(block, TableSlot):
            parts.append(table_html(table_rows(block.kind, content)))
        else:
            parts.append(f'<p style="text-indent:2em;">{html.escape(block.text)}</p>')
    return "\n".join(parts)


# --- plain text ------------------------------------------------------------------------------------------------


def report_text(content: ReportContent) -> str:
    """The report as text tools extract it: one line per paragraph, one tab-separated line per table row, a merged
    cell's text at its origin and nothing in the positions it covers."""
    lines = list(content.title_lines)
    for block in content.blocks:
        if isinstance(block, TableSlot):
            placed, n_rows, n_cols = _grid(table_rows(block.kind, content))
            grid = [[""] * n_cols for _ in range(n_rows)]
            for r, c, cell in placed:
                grid[r][c] = cell.text
            lines += ["\t".join(row) for row in grid]
        else:
            lines.append(block.text)
    return "\n".join(lines) + "\n"


# --- Word ------------------------------------------------------------------------------------------------------


def _grid(rows: Rows) -> tuple[list[tuple[int, int, Cell]], int, int]:
    """Place HTML-style rows on a grid: (row, column, cell) of every cell, and the grid's size."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
    n_rows = max(r for r, _ in taken) + 1
    n_cols = max(c for _, c in taken) + 1
    return placed, n_rows, n_cols


def _set_east_asian_font(element, name: str) -> None:
    """python-docx sets only the Latin font; LibreOffice needs w:eastAsia to pick a CJK face for Chinese text."""
    rpr = element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


# Column widths (cm) on an A4 page with 2.2 cm side margins: label columns wide enough for their text.
TEXT_WIDTH_CM = 16.6
LABEL_WIDTHS_CM = {"active": [4.6], "requests": [1.6, 1.8, 4.6], "appeals": []}


def _column_widths(kind: str, n_cols: int) -> list[float]:
    labels = LABEL_WIDTHS_CM[kind][:n_cols]
    rest = (TEXT_WIDTH_CM - sum(labels)) / (n_cols - len(labels))
    return labels + [rest] * (n_cols - len(labels))


def _add_table(doc, kind: str, rows: Rows) -> None:
    placed, n_rows, n_cols = _grid(rows)
    table = doc.add_table(rows=n_rows, cols=n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _column_widths(kind, n_cols)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    # table.cell() rescans the whole table on every call: take the grid once, fill it, then merge.
    grid = table._cells
    for i, cell in enumerate(grid):
        cell.width = Cm(widths[i % n_cols])  # Word and LibreOffice read the cell widths, not the grid's
    for r, c, cell in placed:
        target = grid[r * n_cols + c]
        paragraph = target.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(cell.text).font.size = Pt(9)
    for r, c, cell in placed:
        if cell.rowspan > 1 or cell.colspan > 1:
            last = grid[(r + cell.rowspan - 1) * n_cols + c + cell.colspan - 1]
            grid[r * n_cols + c].merge(last)  # keeps the text of the top-left cell: the others are empty


def report_docx(content: ReportContent) -> bytes:
    """The report as a .docx with real merged cells and a Chinese font, as agencies type them up in Word."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, as Chinese official documents
    section.left_margin = section.right_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(12)
    _set_east_asian_font(normal.element, FONT)
    props = doc.core_properties
    props.title = content.title
    props.author = content.agency
    props.created = props.modified = datetime(content.year + 1, 1, 5, 9, 0)  # stable, plausible metadata
    props.last_modified_by = content.agency
    props.revision = 1

    for line in content.title_lines:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = True
        run.font.size = Pt(18)
    for block in content.blocks:
        if isinstance(block, TableSlot):
            _add_table(doc, block.kind, table_rows(block.kind, content))
            doc.add_paragraph()
        elif isinstance(block, Paragraph):
            paragraph = doc.add_paragraph(block.text)
            paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters, as Chinese documents indent
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
