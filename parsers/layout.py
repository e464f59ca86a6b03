"""Text that `pdftotext -layout` gives: a table row is one line whose cells are separated by runs of spaces.

A table is a run of non-blank lines of which several have cells; a section heading (四、政府信息公开行政复议…) or a
blank line ends it, a page break (a form feed) does not. A
blank cell leaves only more spaces: in the wide tables (三 and 四), a row with fewer numbers than the full rows near it
gets its blanks where the nearest full row has a number and it has none (by character position: pdftotext places every
character in one column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.model import Paragraph, Table
from parsers.tables import split_row
from parsers.values import MONEY_UNITS
from parsers.values import read as read_cell

_GAP = re.compile(r"\S+(?: \S+)*")  # a field: words separated by single spaces
MIN_COLUMNS_BY_POSITION = 5
_SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]\S*$")


@dataclass
class _Field:
    text: str
    centre: float


def _fields(line: str) -> list[_Field]:
    """The line's fields; a field of numbers separated by single spaces is one field per number (a unit printed
    apart from its number, 72.8 万元, stays with it)."""
    fields: list[_Field] = []
    for m in _GAP.finditer(line):
        words = m.group(0).split(" ")
        if len(words) > 1 and all(read_cell(w).numeric or w in MONEY_UNITS for w in words):
            start = m.start()
            for word in words:
                if word in MONEY_UNITS and fields:
                    fields[-1].text += f" {word}"
                else:
                    fields.append(_Field(word, start + len(word) / 2))
                start += len(word) + 1
        else:
            fields.append(_Field(m.group(0), (m.start() + m.end()) / 2))
    return fields


def _value_count(fields: list[_Field]) -> int:
    return len(split_row([f.text for f in fields])[1])


def has_tables(lines: list[str]) -> bool:
    """Some line has a label and numbers separated by runs of spaces."""
    for line in lines:
        fields = _fields(line.replace("\f", ""))
        if len(fields) >= 2 and re.search(r"\S {2,}\S", line) and any(read_cell(f.text).numeric for f in fields[1:]):
            return True
    return False


def _nearest(anchors: list[float], x: float) -> int:
    return min(range(len(anchors)), key=lambda i: abs(anchors[i] - x))


def _with_blanks(rows: list[list[_Field]]) -> list[list[str | None]]:
    counts = [_value_count(r) for r in rows]
    full = max(counts, default=0)
    result: list[list[str | None]] = []
    for i, (row, count) in enumerate(zip(rows, counts, strict=True)):
        texts: list[str | None] = [f.text for f in row]
        if full >= MIN_COLUMNS_BY_POSITION and 0 < count < full:
            nearest = min((j for j, c in enumerate(counts) if c == full), key=lambda j: abs(j - i))
            anchors = [f.centre for f in rows[nearest][-full:]]
            slots = [_nearest(anchors, f.centre) for f in row[-count:]]
            if all(a < b for a, b in zip(slots, slots[1:], strict=False)):
                values: list[str | None] = [""] * full
                for slot, f in zip(slots, row[-count:], strict=True):
                    values[slot] = f.text
                texts = texts[: len(texts) - count] + values
        result.append(texts)
    return result


def read(lines: list[str]) -> list[Paragraph | Table]:
    blocks: list[Paragraph | Table] = []
    region: list[str] = []

    def close() -> None:
        rows = [_fields(line) for line in region]
        if sum(len(r) >= 2 for r in rows) >= 2:
            blocks.append(Table(_with_blanks(rows)))
        else:
            blocks.extend(Paragraph(line.strip()) for line in region)
        region.clear()

    for line in lines:
        line = line.replace("\f", "")
        if _SECTION_HEADING.match(line.strip()):
            if region:
                close()
            blocks.append(Paragraph(line.strip()))
        elif line.strip():
            region.append(line)
        elif region:
            close()
    if region:
        close()
    return blocks
