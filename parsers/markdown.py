"""Markdown from PDF converters: pipe tables (| a | b |), often broken and misaligned.

A converter writes a merged cell's text once and leaves the cells it covers empty (or drops them, so rows differ in
length); a cell's line breaks become <br>; a table broken over a page starts again with its own separator row. The
rows are handed on as they are: the table mappers read a row as its labels followed by its values, whatever the
number of empty cells before them. Pipe tables separated only by blank lines or separator rows are one table.
"""

from __future__ import annotations

import re

from parsers.model import Paragraph, Table

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
    return blocks
