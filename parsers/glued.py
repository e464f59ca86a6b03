"""Splitting a run of glued values (801000081, as a web archiver flattens a table row) into a row's cells: 80 | 1 |
0 | 0 | 0 | 0 | 81. A space left in the run is a cell boundary for certain.

A run is split with what the template knows:
- how many values the row holds (7 in table 三, a block's columns in table 二, 15 in table 四);
- the form of a printed number (no leading zero, a sign only in 本年增/减, a unit only in a money column);
- the template's checks (a row's total is the sum of its other cells; the column balance and the outcome total of
  table 三), run by parsers.checks;
- a count of items is never negative (上一年项目数量 + 本年增/减 ≥ 0).
Cells that do not take the same value in every split satisfying all of that are left blank (null) with a warning:
never a guess. A blank cell leaves nothing in the run; blanks are only supposed where the run is too short for the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from common.template import Label, Template
from parsers.checks import Values, appeals_totals, requests_row_totals
from parsers.values import MONEY_UNITS
from parsers.values import read as read_cell

MAX_STEPS = 200_000  # search steps for one row: a hostile run must not cost more than this
MAX_SPLITS = 5_000  # splits of one row kept; more means the row cannot be decided anyway

PLACEHOLDERS = ("/", "—")  # printed for "nothing": a cell of their own
_THOUSANDS = re.compile(r",\d{3}")


@dataclass(frozen=True)
class Column:
    key: str
    signed: bool = False  # 本年增/减 may be negative
    money: bool = False  # may carry 元 / 万元 / 亿元


Row = tuple[str, ...]  # the printed value of each column ("" for blank)
RowCheck = Callable[[Row], bool]


def _tokens(run: str, i: int, column: Column) -> Iterator[str]:
    """Every printed value of `column` the run may hold from position i."""
    for p in PLACEHOLDERS:
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


class TooMany(Exception):
    pass


def splits(run: str, columns: list[Column], check: RowCheck | None = None) -> list[Row]:
    """Every way to read `run` as the row's values (checked by `check`), with as few blanks as the run needs.
    Raises TooMany when the search would cost too much."""
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
            raise TooMany
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


# --- the template's checks, as checks of one row's reading ---------------------------------------------------------


def values_of(prefix: str, columns: list[Column], row: Row) -> Values:
    """Cell key (prefix.column) -> value, as the checks take them."""
    return {f"{prefix}.{c.key}": read_cell(v).value for c, v in zip(columns, row, strict=True)}


def passes(instances: list[dict]) -> bool:
    return all(i["status"] != "fail" for i in instances)


def requests_check(tpl: Template, row_key: str, columns: list[Column]) -> RowCheck:
    return lambda row: passes(requests_row_totals(values_of(f"requests.{row_key}", columns, row), tpl, ""))


def appeals_check(tpl: Template, columns: list[Column]) -> RowCheck:
    return lambda row: passes(appeals_totals(values_of("appeals", columns, row), tpl, ""))


def active_check(columns: list[Column]) -> RowCheck:
    """A count of items is never negative: 上一年项目数量 + 本年增/减 ≥ 0."""
    keys = [c.key for c in columns]

    def check(row: Row) -> bool:
        if "previous_items" not in keys or "change" not in keys:
            return True
        previous, change = (read_cell(row[keys.index(k)]).value for k in ("previous_items", "change"))
        return previous is None or change is None or previous + change >= 0

    return check


def columns_of(labels: tuple[Label, ...]) -> list[Column]:
    return [Column(c.key, signed=c.key == "change", money=c.money) for c in labels]
