"""Page text flattened by web archivers: a table row is one line whose cells are glued together, the whitespace
between them dropped (一、本年新收政府信息公开申请数量801000081 for 80 | 1 | 0 | 0 | 0 | 0 | 81).

A line is a row when it ends with a run of values and its label ends with a template row's own label (its parents may
be glued before it: （三）不予公开1.属于国家秘密). The lines around such rows that print the tables' headers and labels
belong to the table; the table is the national table whose markers it prints. Each run is split by parsers.glued;
the readings of table 三 that stay undecided are narrowed by its column checks (the balance, the outcome total).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from common.template import ActiveBlock, Label, Template, table_specs, templates
from parsers.checks import Values, requests_balance, requests_outcome_total
from parsers.glued import (
    PLACEHOLDERS,
    Column,
    Row,
    RowCheck,
    TooMany,
    active_check,
    agreed,
    appeals_check,
    columns_of,
    passes,
    requests_check,
    splits,
    values_of,
)
from parsers.labels import core, item_number
from parsers.model import Paragraph, Table
from parsers.tables import classify, detect_template
from parsers.values import MONEY_UNITS, clean

MAX_COMBINATIONS = 20_000  # joint readings of the undecided rows of table 三 tried against the column checks

_UNIT = "|".join(map(re.escape, MONEY_UNITS))
_RUN = re.compile(rf"(?:[\d.,/—-]|{_UNIT}| )+$")
_SECTION = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass
class _Line:
    label: str  # the row label as printed ("" for a line of values only)
    run: str  # the glued values ("" for a line without)


def _split_line(line: str) -> _Line:
    """The label and the run of values that ends the line; a space left between two values is kept (it is a cell
    boundary for certain)."""
    s = " ".join(unicodedata.normalize("NFKC", line).replace("\u2212", "-").split())
    m = _RUN.search(s)
    if m and (any(ch.isdigit() for ch in m.group(0)) or m.group(0).strip() in PLACEHOLDERS):
        return _Line(clean(s[: m.start()]), m.group(0).strip())
    return _Line(clean(s), "")


def _leaf_start(label: str, leaf_core: str) -> int | None:
    """Where the row's own label starts in a printed label that carries its parents (（三）不予公开1.属于国家秘密)."""
    return next((i for i in range(len(label)) if core(label[i:]) == leaf_core), None)


def _row_of(label: str, rows: tuple[Label, ...]) -> tuple[Label, int] | None:
    """The template row whose own label ends the printed label (the longest such), and where it starts."""
    c = core(label)
    best: tuple[Label, int, int] | None = None
    for row in rows:
        for spelling in row.spellings:
            k = core(spelling)
            if k and c.endswith(k) and (best is None or len(k) > best[2]):
                start = _leaf_start(label, k)
                if start is not None:
                    best = (row, start, len(k))
    return (best[0], best[1]) if best else None


def choose_template(lines: list[str]) -> Template | None:
    """The template whose markers the text prints most."""
    name = detect_template([Table([[line] for line in lines])])
    return templates()[name] if name else None


def _shown(run: str) -> str:
    """A run as a warning quotes it: a hostile one is cut short."""
    return run if len(run) <= 40 else f"{run[:40]}…"


class _Reader:
    def __init__(self, tpl: Template) -> None:
        self.tpl = tpl
        self.warnings: list[str] = []

    def _decide(self, where: str, run: str, rows: list[Row], columns: list[Column]) -> Row | None:
        if not rows:
            self.warnings.append(f"glued values {_shown(run)} of {where}: no reading fits the row; cells left blank")
            return None
        cells, undecided = agreed(rows)
        if undecided:
            self.warnings.append(
                f"glued values {_shown(run)} of {where}: {len(rows)} readings fit; "
                f"{', '.join(columns[i].key for i in undecided)} left blank"
            )
        return cells

    def _read(self, where: str, run: str, columns: list[Column], check: RowCheck) -> list[Row]:
        try:
            return splits(run, columns, check)
        except TooMany:
            self.warnings.append(f"glued values {_shown(run)} of {where}: too many readings; cells left blank")
            return []

    def active(self, lines: list[str]) -> Table:
        rows_out: list[list[str | None]] = []
        all_rows = tuple(r for b in self.tpl.active_blocks for r in b.rows)
        block = None
        for line in lines:
            parsed = _split_line(line)
            number = item_number(parsed.label)
            if number and not parsed.run:
                block = next((b for b in self.tpl.active_blocks if item_number(b.item) == number), None)
                rows_out.append([line.strip()])
                continue
            header = core(table_specs()["active"].header)
            if parsed.label.startswith(header) and not parsed.run:
                rows_out.append([header, *self._header_cells(parsed.label[len(header) :], block)])
                continue
            found = _row_of(parsed.label, all_rows) if parsed.run else None
            if found is None:
                rows_out.append([line.strip()])
                continue
            label, start = found
            row_block = next(b for b in self.tpl.active_blocks if label in b.rows)
            columns = columns_of(row_block.columns)
            where = f"active row {label.key}"
            readings = self._read(where, parsed.run, columns, active_check(columns))
            cells = self._decide(where, parsed.run, readings, columns)
            rows_out.append([parsed.label[start:], *(cells or [""] * len(columns))])
        return Table(rows_out)

    @staticmethod
    def _header_cells(rest: str, block: ActiveBlock | None) -> list[str]:
        """Column labels glued after 信息内容, cut at the block's own labels where they are printed in order."""
        if block is not None:
            labels = [clean(c.label) for c in block.columns]
            if "".join(labels) == rest:
                return labels
        return [rest]

    def requests(self, lines: list[str]) -> Table:
        columns = columns_of(self.tpl.requests_columns)
        read: list[tuple[list[str], Label, str, list[Row]]] = []  # (label cells, row, run, readings)
        rows_out: list[list[str | None] | int] = []
        for line in lines:
            parsed = _split_line(line)
            found = _row_of(parsed.label, self.tpl.requests_rows) if parsed.run else None
            if found is None:
                rows_out.append([line.strip()])
                continue
            label, start = found
            where = f"requests row {label.key}"
            readings = self._read(where, parsed.run, columns, requests_check(self.tpl, label.key, columns))
            labels = [parsed.label[:start], parsed.label[start:]] if start else [parsed.label]
            rows_out.append(len(read))
            read.append((labels, label, parsed.run, readings))
        self._across_rows(read, columns)
        table: list[list[str | None]] = []
        for item in rows_out:
            if isinstance(item, int):
                labels, label, run, readings = read[item]
                cells = self._decide(f"requests row {label.key}", run, readings, columns)
                table.append([*labels, *(cells or [""] * len(columns))])
            else:
                table.append(item)
        return Table(table)

    def _across_rows(self, read: list[tuple[list[str], Label, str, list[Row]]], columns: list[Column]) -> None:
        """Keep only the readings of the undecided rows that let the column balance and the outcome total hold."""
        undecided = [i for i, (_, _, _, readings) in enumerate(read) if len(readings) > 1]
        if not undecided:
            return
        n = 1
        for i in undecided:
            n *= len(read[i][3])
        if n > MAX_COMBINATIONS:
            return
        fixed: Values = {}
        for _, label, _, readings in read:
            if len(readings) == 1:
                fixed |= values_of(f"requests.{label.key}", columns, readings[0])
        kept: list[set[Row]] = [set() for _ in undecided]
        for combination in itertools.product(*(read[i][3] for i in undecided)):
            values = dict(fixed)
            for i, row in zip(undecided, combination, strict=True):
                values |= values_of(f"requests.{read[i][1].key}", columns, row)
            if passes(requests_balance(values, self.tpl, "")) and passes(requests_outcome_total(values, self.tpl, "")):
                for k, row in enumerate(combination):
                    kept[k].add(row)
        for k, i in enumerate(undecided):
            if kept[k]:
                labels, label, run, readings = read[i]
                read[i] = (labels, label, run, [r for r in readings if r in kept[k]])

    def appeals(self, lines: list[str]) -> Table:
        columns = [Column(f"{r.key}.{c.key}") for r in self.tpl.appeals_rows for c in self.tpl.appeals_columns]
        rows_out: list[list[str | None]] = []
        for line in lines:
            parsed = _split_line(line)
            if parsed.label:  # headers, and the values glued after them when the table is one line
                rows_out.append([parsed.label])
            if not parsed.run:
                continue
            readings = self._read("appeals", parsed.run, columns, appeals_check(self.tpl, columns))
            cells = self._decide("appeals", parsed.run, readings, columns)
            rows_out.append(list(cells or [""] * len(columns)))
        return Table(rows_out)


def _table_words(tpl: Template) -> set[str]:
    """What only a line of the national tables prints: labels, headers, markers."""
    words = {clean(m) for spec in table_specs().values() for m in (*spec.markers, spec.header or "")}
    for table in ("active", "requests", "appeals"):
        words |= {clean(part) for label in (*tpl.rows(table), *tpl.columns(table)) for part in label.path}
    return {w for w in words if len(w) >= 2}


def _label_starts(tpl: Template) -> re.Pattern[str]:
    """The labels a row of tables 二 and 三 may start with: its own, its parents', a block's item and header."""
    parts = {part for label in (*tpl.rows("active"), *tpl.requests_rows) for part in label.path}
    parts |= {b.item for b in tpl.active_blocks} | {table_specs()["active"].header or ""}
    cleaned = sorted({clean(p) for p in parts if clean(p)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, cleaned)))


_VALUE_END = re.compile(r"[\d./—元-]")


def _cut(line: str, starts: re.Pattern[str]) -> list[str]:
    """A table flattened into one line, its rows glued too: the line cut before every label that follows a value
    (…00000002.其他法律行政法规禁止公开0000000…). Running text (with a 。) is left whole."""
    s = " ".join(unicodedata.normalize("NFKC", line).split())
    if "。" in s:
        return [line]
    cuts = [m.start() for m in starts.finditer(s) if m.start() and _VALUE_END.match(s[m.start() - 1])]
    return [s[a:b] for a, b in zip([0, *cuts], [*cuts, len(s)], strict=True)]


def read(lines: list[str], tpl: Template) -> tuple[list[Paragraph | Table], list[str]]:
    """Blocks of a flattened page: its tables rebuilt, its other lines paragraphs; and the warnings."""
    starts = _label_starts(tpl)
    lines = [part for line in lines for part in _cut(line, starts)]
    words = _table_words(tpl)
    all_rows = (*tpl.rows("active"), *tpl.requests_rows)

    def in_table(line: str) -> bool:
        parsed = _split_line(line)
        if parsed.run and (not parsed.label or _row_of(parsed.label, all_rows)):
            return True
        s = clean(line)
        return "。" not in s and not _SECTION.match(s) and any(w in s for w in words)

    reader = _Reader(tpl)
    blocks: list[Paragraph | Table] = []
    for is_table, group in itertools.groupby((line for line in lines if line.strip()), key=in_table):
        group_lines = list(group)
        if not is_table:
            blocks += [Paragraph(line.strip()) for line in group_lines]
            continue
        kind = classify(Table([[line] for line in group_lines]))
        if kind == "active":
            blocks.append(reader.active(group_lines))
        elif kind == "requests":
            blocks.append(reader.requests(group_lines))
        elif kind == "appeals":
            blocks.append(reader.appeals(group_lines))
        else:
            blocks += [Paragraph(line.strip()) for line in group_lines]
    return blocks, reader.warnings


def has_glued_rows(lines: list[str], tpl: Template) -> bool:
    """True when some line is a template row label with values glued to it."""
    all_rows = (*tpl.rows("active"), *tpl.requests_rows)
    starts = _label_starts(tpl)
    lines = [part for line in lines for part in _cut(line, starts)]
    return any((p := _split_line(line)).run and p.label and _row_of(p.label, all_rows) for line in lines)
