"""Markdown from PDF converters: pipe tables (| a | b |), often broken and misaligned.

A converter writes a merged cell's text once and leaves the cells it covers empty (or drops them, so rows differ in
length), or repeats it in every cell it covers; a cell's line breaks become <br>; a table broken over a page starts
again with its own separator row. The rows are handed on nearly as they are: the table mappers read a row as its
labels followed by its values, whatever the number of empty cells before them. One thing is undone: where a header
row repeats a merged header over two columns (本年增/减 | 本年增/减), the rows under it repeat their merged value
too, and the copy is dropped. Pipe tables separated only by blank lines or separator rows are one table.
"""

from __future__ import annotations

import re

from parsers.model import Paragraph, Table
from parsers.values import clean, is_value_like

_SEPARATOR_CELL = re.compile(r"^\s*:?-{3,}:?\s*$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def is_pipe_row(line: str) -> bool:
    s = line.strip()
    return s.startswith("|") and s.endswith("|") and len(s) > 1


def cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [_BREAK.sub("\n", c).replace("\\|", "|").strip() for c in _CELL_SPLIT.split(inner)]


def _is_separator(row: list[str]) -> bool:
    return all(_SEPARATOR_CELL.match(c) for c in row)


def _without_repeated_spans(rows: list[list[str | None]]) -> list[list[str | None]]:
    """Rows under a header that repeats a merged cell lose the copies of their own merged value."""
    result: list[list[str | None]] = []
    repeats: list[int] = []  # columns whose header repeats the one before it
    width = 0
    for row in rows:
        if not any(is_value_like(c) and clean(c) for c in row):
            repeats = [j for j in range(1, len(row)) if clean(row[j]) and row[j] == row[j - 1]]
            width = len(row)
        elif repeats and len(row) == width and all(row[j] == row[j - 1] for j in repeats):
            row = [c for j, c in enumerate(row) if j not in repeats]
        result.append(list(row))
    return result


def has_tables(lines: list[str]) -> bool:
    return any(is_pipe_row(line) for line in lines)


def read(lines: list[str]) -> list[Paragraph | Table]:
    blocks: list[Paragraph | Table] = []
    for line in lines:
        if is_pipe_row(line):
            row = cells(line)
            if _is_separator(row):
                continue
            if not blocks or not isinstance(blocks[-1], Table):
                blocks.append(Table([]))
            table = blocks[-1]
            assert isinstance(table, Table)
            table.rows.append(list(row))
        elif line.strip():
            text = line.strip().lstrip("#").strip()
            if text:
                blocks.append(Paragraph(text))
    return [Table(_without_repeated_spans(b.rows)) if isinstance(b, Table) else b for b in blocks]
