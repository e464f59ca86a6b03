"""Page text flattened by web archivers: a table row is one line whose cells are glued together, the whitespace
between them dropped (一、本年新收政府信息公开申请数量801000081 for 80 | 1 | 0 | 0 | 0 | 0 | 81).

A row's digit run is split with what the template knows:
- how many values the row holds (7 in table 三, a block's columns in table 二, 15 in table 四);
- the form of a printed number (no leading zero, a sign only in 本年增/减, a unit only in a money column);
- the template's checks (a row's total is the sum of its other cells; the column balance and the outcome total of
  table 三), run by parsers.checks;
- a count of items is never negative (上一年项目数量 + 本年增/减 ≥ 0).
Cells that do not take the same value in every split satisfying all of that are left blank (null) with a warning:
never a guess. A blank cell leaves nothing in the run; blanks are only supposed where the run is too short for the row.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from common.template import ActiveBlock, Label, Template, table_specs, templates
from parsers.checks import (
    Values,
    appeals_totals,
    requests_balance,
    requests_outcome_total,
    requests_row_totals,
)
from parsers.labels import core, item_number
from parsers.model import Paragraph, Table
from parsers.tables import classify, detect_template
from parsers.values import MONEY_UNITS, clean
from parsers.values import read as read_cell

MAX_STEPS = 200_000  # search steps for one row: a hostile run must not cost more than this
MAX_SPLITS = 5_000  # splits of one row kept; more means the row cannot be decided anyway
MAX_COMBINATIONS = 20_000  # joint splits of the undecided rows of table 三 tried against the column checks

_UNIT = "|".join(map(re.escape, MONEY_UNITS))
_RUN = re.compile(rf"(?:[\d.,/—-]|{_UNIT}| )+$")
_PLACEHOLDERS = ("/", "—")
_THOUSANDS = re.compile(r",\d{3}")
_SECTION = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass(frozen=True)
class Column:
    key: str
    signed: bool = False  # 本年增/减 may be negative
    money: bool = False  # may carry 元 / 万元 / 亿元


Row = tuple[str, ...]  # the printed value of each column ("" for blank)
RowCheck = Callable[[Row], bool]


def _tokens(run: str, i: int, column: Column) -> Iterator[str]:
    """Every printed value of `column` the run may hold from position i."""
    for p in _PLACEHOLDERS:
        if run.startswith(p, i):
            yield p
    j = i + 1 if column.signed and run.startswith("-", i) else i
    if j >= len(run) or not run[j].isdigit():
        return
    ends = [j + 1] if run[j] == "0" else [k for k in range(j + 1, len(run) + 1) if run[j:k].isdigit()]
    for end in [e for e in ends if e - j <= 3 and run[j] != "0"]:
        while _THOUSANDS.match(run, end):  # 1,400,000: groups of three digits after one to three
            end += 4
            ends.append(end)
    for end in ends:
        yield from _with_fraction_and_unit(run, i, end, column)


def _with_fraction_and_unit(run: str, i: int, end: int, column: Column) -> Iterator[str]:
    ends = [end]
    if run.startswith(".", end):
        ends += [k for k in range(end + 2, len(run) + 1) if run[end + 1 : k].isdigit()]
    for e in ends:
        yield run[i:e]
        if column.money:
            for unit in MONEY_UNITS:
                for printed in (unit, f" {unit}"):  # 72.8万元, 72.8 万元
                    if run.startswith(printed, e):
                        yield run[i : e + len(printed)]


class _TooMany(Exception):
    pass


def splits(run: str, columns: list[Column], check: RowCheck | None = None) -> list[Row]:
    """Every way to read `run` as the row's values (checked by `check`), with as few blanks as the run needs.
    Raises _TooMany when the search would cost too much."""
    for blanks in range(len(columns) + 1):
        found = _splits(run, columns, blanks)
        if found:
            checked = [row for row in found if check is None or check(row)]
            # A row no split of which passes the checks (a misprinted total) is read by its form alone.
            return checked or found
    return []


def _splits(run: str, columns: list[Column], blanks: int) -> list[Row]:
    found: list[Row] = []
    steps = 0
    # Characters left from each position, spaces not counted: every value takes at least one.
    left = [sum(ch != " " for ch in run[i:]) for i in range(len(run) + 1)]

    def walk(i: int, col: int, blanks_left: int, row: list[str]) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS or len(found) > MAX_SPLITS:
            raise _TooMany
        while i < len(run) and run[i] == " ":
            i += 1  # a space is a cell boundary: no value spans it
        if col == len(columns):
            if i == len(run) and blanks_left == 0:
                found.append(tuple(row))
            return
        if left[i] < len(columns) - col - blanks_left:
            return
        if blanks_left:
            walk(i, col + 1, blanks_left - 1, [*row, ""])
        for token in _tokens(run, i, columns[col]):
            walk(i + len(token), col + 1, blanks_left, [*row, token])

    walk(0, 0, blanks, [])
    return found


def agreed(rows: list[Row]) -> tuple[Row, list[int]]:
    """The cells every split agrees on, the others blank; and the columns left blank that way."""
    cells = []
    undecided = []
    for i, values in enumerate(zip(*rows, strict=True)):
        if len(set(values)) == 1:
            cells.append(values[0])
        else:
            cells.append("")
            undecided.append(i)
    return tuple(cells), undecided


# --- the template's tables ----------------------------------------------------------------------------------------


def _values(prefix: str, columns: list[Column], row: Row) -> Values:
    """Cell key (prefix.column) -> value, as the checks take them."""
    return {f"{prefix}.{c.key}": read_cell(v).value for c, v in zip(columns, row, strict=True)}


def _passes(instances: list[dict]) -> bool:
    return all(i["status"] != "fail" for i in instances)


def _requests_check(tpl: Template, row_key: str, columns: list[Column]) -> RowCheck:
    return lambda row: _passes(requests_row_totals(_values(f"requests.{row_key}", columns, row), tpl, ""))


def _appeals_check(tpl: Template, columns: list[Column]) -> RowCheck:
    return lambda row: _passes(appeals_totals(_values("appeals", columns, row), tpl, ""))


def _active_check(columns: list[Column]) -> RowCheck:
    """A count of items is never negative: 上一年项目数量 + 本年增/减 ≥ 0."""
    keys = [c.key for c in columns]

    def check(row: Row) -> bool:
        if "previous_items" not in keys or "change" not in keys:
            return True
        previous, change = (read_cell(row[keys.index(k)]).value for k in ("previous_items", "change"))
        return previous is None or change is None or previous + change >= 0

    return check


def _columns(labels: tuple[Label, ...]) -> list[Column]:
    return [Column(c.key, signed=c.key == "change", money=c.money) for c in labels]


@dataclass
class _Line:
    label: str  # the row label as printed ("" for a line of values only)
    run: str  # the glued values ("" for a line without)


def _split_line(line: str) -> _Line:
    """The label and the run of values that ends the line; a space left between two values is kept (it is a cell
    boundary for certain)."""
    s = " ".join(unicodedata.normalize("NFKC", line).replace("\u2212", "-").split())
    m = _RUN.search(s)
    if m and (any(ch.isdigit() for ch in m.group(0)) or m.group(0).strip() in _PLACEHOLDERS):
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


class _Reader:
    def __init__(self, tpl: Template) -> None:
        self.tpl = tpl
        self.warnings: list[str] = []

    def _decide(self, where: str, run: str, rows: list[Row], columns: list[Column]) -> Row | None:
        if not rows:
            self.warnings.append(f"glued values {run} of {where}: no reading fits the row; cells left blank")
            return None
        cells, undecided = agreed(rows)
        if undecided:
            self.warnings.append(
                f"glued values {run} of {where}: {len(rows)} readings fit; "
                f"{', '.join(columns[i].key for i in undecided)} left blank"
            )
        return cells

    def _read(self, where: str, run: str, columns: list[Column], check: RowCheck) -> list[Row]:
        try:
            return splits(run, columns, check)
        except _TooMany:
            self.warnings.append(f"glued values {run} of {where}: too many readings; cells left blank")
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
            columns = _columns(row_block.columns)
            where = f"active row {label.key}"
            readings = self._read(where, parsed.run, columns, _active_check(columns))
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
        columns = _columns(self.tpl.requests_columns)
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
            readings = self._read(where, parsed.run, columns, _requests_check(self.tpl, label.key, columns))
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
                fixed |= _values(f"requests.{label.key}", columns, readings[0])
        kept: list[set[Row]] = [set() for _ in undecided]
        for combination in itertools.product(*(read[i][3] for i in undecided)):
            values = dict(fixed)
            for i, row in zip(undecided, combination, strict=True):
                values |= _values(f"requests.{read[i][1].key}", columns, row)
            if _passes(requests_balance(values, self.tpl, "")) and _passes(
                requests_outcome_total(values, self.tpl, "")
            ):
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
            if parsed.label or not parsed.run:
                rows_out.append([line.strip()])
                continue
            readings = self._read("appeals", parsed.run, columns, _appeals_check(self.tpl, columns))
            cells = self._decide("appeals", parsed.run, readings, columns)
            rows_out.append(list(cells or [""] * len(columns)))
        return Table(rows_out)


def _table_words(tpl: Template) -> set[str]:
    """What only a line of the national tables prints: labels, headers, markers."""
    words = {clean(m) for spec in table_specs().values() for m in (*spec.markers, spec.header or "")}
    for table in ("active", "requests", "appeals"):
        words |= {clean(part) for label in (*tpl.rows(table), *tpl.columns(table)) for part in label.path}
    return {w for w in words if len(w) >= 2}


def read(lines: list[str], tpl: Template) -> tuple[list[Paragraph | Table], list[str]]:
    """Blocks of a flattened page: its tables rebuilt, its other lines paragraphs; and the warnings."""
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
    return any((p := _split_line(line)).run and p.label and _row_of(p.label, all_rows) for line in lines)
