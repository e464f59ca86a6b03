"""Mapping document tables onto the national tables' canonical cells: one function per table.

Every format arrives here as grids (parsers.model.Table). Merged positions (None) are dropped first, so a row is the
sequence of cells a reader sees: label cells, then value cells. Rows are recognised by their labels, not by their
position (a label misprinted inside a numbered block of table 三 is the one exception: its number and neighbours
place it, with a warning); columns by the template's order, checked against the count of value cells. Labels, their
spellings, headers and markers come from the template spec (common/template.json).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from common.template import ActiveBlock, Label, Template, table_specs, templates
from parsers.labels import core, item_number, leading_number
from parsers.model import Cell, ExtraRow, Table
from parsers.values import clean, header_unit, is_value_like, read


@dataclass
class Mapped:
    cells: list[Cell] = field(default_factory=list)
    extra_rows: list[ExtraRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def compact(row: list[str | None]) -> list[str]:
    return [c for c in row if c is not None]


def split_row(row: list[str]) -> tuple[list[str], list[str]]:
    """(labels, values): labels are the non-blank cells up to the last cell that is not value-like."""
    last_label = max((i for i, c in enumerate(row) if not is_value_like(c)), default=-1)
    labels = [c for c in row[: last_label + 1] if clean(c)]
    return labels, row[last_label + 1 :]


def fit(values: list[str], n: int) -> list[str] | None:
    """Exactly n value cells, dropping blank cells that stand outside the table's columns (text extraction adds
    them at either end); None when the row cannot be aligned."""
    vals = list(values)
    while len(vals) > n and not clean(vals[-1]):
        vals.pop()
    while len(vals) > n and not clean(vals[0]):
        vals.pop(0)
    return vals if len(vals) == n else None


def raw_text(text: str) -> str:
    return " ".join(text.split())


def make_cell(table: str, row: str, column: str, text: str, unit_from_header: str | None = None) -> Cell:
    printed = read(text)
    # Text read by OCR (parsers.ocr.OcrText) brings its method and confidence.
    method: str | None = getattr(text, "method", None)
    confidence: float | None = getattr(text, "confidence", None)
    return Cell(table, row, column, printed.value, raw_text(text), printed.unit or unit_from_header, method, confidence)


@lru_cache(maxsize=1 << 14)
def _match(labels: tuple[Label, ...], text: str, *, around: bool = True) -> Label | None:
    """The label one of whose spellings (official, aliases) has the text's core; failing that, the only one with a
    spelling that contains it or (with `around`) is contained in it."""
    c = core(text)
    if not c:
        return None
    cores = [(label, core(spelling)) for label in labels for spelling in label.spellings]
    exact = list(dict.fromkeys(label for label, k in cores if k == c))
    if len(exact) == 1:
        return exact[0]
    if len(c) >= 4:
        near = list(dict.fromkeys(label for label, k in cores if c in k or (around and k in c)))
        if len(near) == 1:
            return near[0]
    return None


# --- 三、收到和处理政府信息公开申请情况 -------------------------------------------------------------------------


def _join_broken_labels(rows: list[list[str]], known: tuple[Label, ...]) -> list[list[str]]:
    """A label broken over lines or pages is joined back: a row holding only its end ("容仍不明确") after the row
    with the values, or only its start ("一、本年新收政府信") just before it. A piece may match a label by itself,
    being part of its text (补正后申请内, 年度继续办理), but then only the label the joined pieces make. A start piece's
    own row is dropped when joined; an end piece is absorbed."""
    result: list[list[str]] = []
    before: str | None = None  # a lone label piece just before this row
    for row in rows:
        labels, values = split_row(row)
        label_only = bool(labels) and all(not clean(v) for v in values)
        if label_only and result:
            prev_labels, prev_values = split_row(result[-1])
            if prev_labels and any(clean(v) for v in prev_values):
                # Not around: a label with more text after it would be two labels run together.
                joined = _match(known, prev_labels[-1] + labels[-1], around=False)
                if joined is not None and {_match(known, prev_labels[-1]), _match(known, labels[-1])} <= {None, joined}:
                    prev_labels[-1] += labels[-1]
                    result[-1] = prev_labels + prev_values
                    before = None
                    continue
        if not label_only and labels and before is not None:
            joined = _match(known, before + labels[-1], around=False)
            if joined is not None and {_match(known, before), _match(known, labels[-1])} <= {None, joined}:
                result.pop()  # the row of the start piece
                labels[-1] = before + labels[-1]
                row = labels + values
        before = labels[-1] if label_only else None
        result.append(row)
    return result


_REQUESTS = table_specs()["requests"]
SUBTOTAL = _REQUESTS.subtotal_column or ""  # 法人或其他组织/小计


def _requests_columns(rows: list[list[str]], tpl: Template) -> list[str | None]:
    """Column keys in printed order. Some reports add a 小计 (subtotal of 法人或其他组织) column; it has no key in the
    template, so its place is None and its cells become extra rows."""
    columns: list[str | None] = [c.key for c in tpl.requests_columns]
    if not SUBTOTAL:
        return columns
    parent, subtotal = SUBTOTAL.rsplit("/", 1)
    group = [i for i, c in enumerate(tpl.requests_columns) if "/".join(c.path[:-1]) == parent]
    first = core(tpl.requests_columns[group[0]].leaf)
    for row in rows:
        cores = [core(c) for c in row]
        if core(subtotal) in cores:
            # 小计 printed before its group's columns, or (more often) after them, just before 总计.
            before = first in cores and cores.index(core(subtotal)) < cores.index(first)
            columns.insert(group[0] if before else group[-1] + 1, None)
            break
    return columns


def _requests_header_cells() -> frozenset[str]:
    """Cells only a header row of table 三 prints: its header (申请人情况) and the parts of its column labels, but
    not the parts that are row labels too (其他, 总计)."""
    tpls = templates().values()
    columns = {core(part) for t in tpls for c in t.requests_columns for part in (*c.path, *c.aliases)}
    rows = {core(part) for t in tpls for r in t.requests_rows for part in (*r.path, *r.aliases)}
    return frozenset({core(_REQUESTS.header)} | (columns - rows))


REQUESTS_HEADER_CELLS = _requests_header_cells()


def _place(label: Label) -> tuple[str, int] | None:
    """An item of a numbered block of table 三 as (block, number): （三）不予公开/2.其他法律行政法规禁止公开 ->
    ("（三）不予公开", 2); None for a row outside such a block."""
    if len(label.path) != 3:
        return None
    number = leading_number(label.leaf)
    return (label.path[1], number) if number else None


def _by_place(rows: tuple[Label, ...], printed: str, before: Label | None, after: Label | None) -> Label | None:
    """The row a misprinted or abbreviated label (2.其他法律行政止公开) stands for, from its number and its
    neighbours: the item numbered so in the block of the row above it (whose number is one less) or of the row
    below it (one more)."""
    number = leading_number(printed)
    for neighbour, step in ((before, 1), (after, -1)):
        place = _place(neighbour) if neighbour else None
        if number and place and place[1] + step == number:
            return next((r for r in rows if _place(r) == (place[0], number)), None)
    return None


def _place_misprinted(
    read_rows: list[tuple[list[str], list[str], Label | None]], rows: tuple[Label, ...], problems: list[str]
) -> None:
    """Give each row of numbers whose label matched nothing the row its number and neighbours place it at, with a
    warning. A placed row may place its neighbour in turn (two misprints in a row), so this repeats until nothing
    changes; a row of the template is given once, and never one that a printed label matched."""
    given = {label for _, _, label in read_rows}
    changed = True
    while changed:
        changed = False
        for i, (labels, values, label) in enumerate(read_rows):
            if label is not None or not any(read(v).numeric for v in values):
                continue
            before = read_rows[i - 1][2] if i > 0 else None
            after = read_rows[i + 1][2] if i + 1 < len(read_rows) else None
            label = _by_place(rows, labels[-1], before, after)
            if label is not None and label not in given:
                given.add(label)
                read_rows[i] = (labels, values, label)
                problems.append(
                    f"requests row {label.key} read by its place: its label is printed “{raw_text(labels[-1])}”"
                )
                changed = True


def map_requests(table: Table, tpl: Template) -> Mapped:
    out = Mapped()
    rows = _join_broken_labels([compact(r) for r in table.rows], tpl.requests_rows)
    columns = _requests_columns(rows, tpl)
    read_rows: list[tuple[list[str], list[str], Label | None]] = []  # labels, values, the template's row
    for row in rows:
        labels, values = split_row(row)
        if not labels or not values or any(core(c) in REQUESTS_HEADER_CELLS for c in labels):
            continue  # a header row: its last header (其他, 总计) is not the row of that name
        read_rows.append((labels, values, _match(tpl.requests_rows, labels[-1])))
    _place_misprinted(read_rows, tpl.requests_rows, out.problems)
    seen: set[str] = set()
    for labels, values, label in read_rows:
        if label is None:
            if any(read(v).numeric for v in values):
                out.extra_rows.append(ExtraRow("requests", labels, [raw_text(v) for v in values]))
            continue
        fitted = fit(values, len(columns))
        if fitted is None:
            out.problems.append(f"requests row {label.key}: {len(values)} value cells for {len(columns)} columns")
            continue
        if label.key in seen:
            out.problems.append(f"requests row {label.key} printed twice; the first is kept")
            continue
        seen.add(label.key)
        for col, text in zip(columns, fitted, strict=True):
            if col is None:
                out.extra_rows.append(ExtraRow("requests", [*labels, SUBTOTAL], [raw_text(text)]))
            else:
                out.cells.append(make_cell("requests", label.key, col, text))
    return out


# --- 四、政府信息公开行政复议、行政诉讼情况 ----------------------------------------------------------------------


def map_appeals(table: Table, tpl: Template) -> Mapped:
    out = Mapped()
    keys = [(r.key, c.key) for r in tpl.appeals_rows for c in tpl.appeals_columns]
    for row in (compact(r) for r in table.rows):
        labels, values = split_row(row)
        if labels or not any(read(v).numeric for v in values):
            continue
        fitted = fit(values, len(keys))
        if fitted is None:
            out.problems.append(f"appeals: a row of {len(values)} value cells for {len(keys)} columns")
            continue
        out.cells = [make_cell("appeals", r, c, text) for (r, c), text in zip(keys, fitted, strict=True)]
        break
    return out


# --- 二、主动公开政府信息情况 ------------------------------------------------------------------------------------


def _block_for_item(tpl: Template, number: str) -> ActiveBlock | None:
    for block in tpl.active_blocks:
        if item_number(block.item) == number:
            return block
    return None


def _block_of_row(tpl: Template, label: Label) -> ActiveBlock:
    return next(b for b in tpl.active_blocks if label in b.rows)


_ACTIVE_HEADER = core(table_specs()["active"].header)  # 信息内容


def map_active(table: Table, tpl: Template) -> Mapped:
    out = Mapped()
    all_rows = tuple(r for b in tpl.active_blocks for r in b.rows)
    block: ActiveBlock | None = None
    header_units: list[str | None] = []
    parent: list[str] = []  # labels of the canonical row that local sub-rows refine
    parent_width = 0  # cells in the parent's own row
    seen: set[str] = set()
    for raw_row in table.rows:
        row = compact(raw_row)
        labels, values = split_row(row)
        if not labels:
            continue
        number = item_number(labels[0])
        if number:
            block = _block_for_item(tpl, number)
            header_units, parent = [], []
            continue
        if core(labels[0]) == _ACTIVE_HEADER:
            parent = []
            # Column header row: units printed in headers (本年收费金额（单位：万元）) apply to their column.
            header_units = [header_unit(h) for h in labels[1:]]
            continue
        label = _match(all_rows, labels[-1])
        # Under a parent: the first cell is blank (text) or covered by the parent's rowspan (None in HTML/DOCX grids).
        starts_blank = bool(raw_row) and (raw_row[0] is None or not clean(raw_row[0]))
        if label is None:
            if len(labels) >= 2 and _match(all_rows, labels[0]):
                parent, parent_width = labels[:1], len(row)
                out.extra_rows.append(ExtraRow("active", labels, [raw_text(v) for v in values]))
            elif parent and (starts_blank or len(row) < parent_width):  # PDF text may drop the blank lead cell
                out.extra_rows.append(ExtraRow("active", parent + labels, [raw_text(v) for v in values]))
            elif any(read(v).numeric for v in values):
                out.extra_rows.append(ExtraRow("active", labels, [raw_text(v) for v in values]))
            continue
        parent = []
        row_block = _block_of_row(tpl, label)
        if block is not None and row_block is not block:
            out.problems.append(f"active row {label.key} printed under {block.item}")
        columns = row_block.columns
        fitted = fit(values, len(columns))
        if fitted is None:
            out.problems.append(f"active row {label.key}: {len(values)} value cells for {len(columns)} columns")
            continue
        if label.key in seen:
            continue
        seen.add(label.key)
        units = header_units if len(header_units) == len(columns) else [None] * len(columns)
        out.cells += [
            make_cell("active", label.key, col.key, text, unit)
            for col, text, unit in zip(columns, fitted, units, strict=True)
        ]
    return out


MAPPERS = {"active": map_active, "requests": map_requests, "appeals": map_appeals}


# --- which table is which ----------------------------------------------------------------------------------------


def table_text(table: Table) -> str:
    return "".join(clean(c) for row in table.rows for c in row if c)


def classify(table: Table) -> str | None:
    """The national table with one of its decisive markers in the text, else the one with most markers (at least
    2; on a tie the first in the spec)."""
    text = table_text(table)
    specs = table_specs().values()
    for spec in specs:
        if any(clean(m) in text for m in spec.decisive_markers):
            return spec.name
    scores = {spec.name: sum(clean(m) in text for m in spec.markers) for spec in specs}
    kind, score = max(scores.items(), key=lambda kv: kv[1])
    return kind if score >= 2 else None


def detect_template(tables: list[Table]) -> str | None:
    """The template whose markers the tables print most (on a tie the older)."""
    text = "".join(table_text(t) for t in tables)
    scores = {name: sum(clean(m) in text for m in tpl.markers) for name, tpl in templates().items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 0 else None
