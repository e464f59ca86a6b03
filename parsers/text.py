"""Plain text as other tools extract it from DOCX/PDF reports (the seed files are such texts).

Two table shapes with tabs occur:
- one cell per line with a leading tab, rows separated by a blank line, a cell's text wrapping onto following lines
  without a tab ("\\t本年新\\n制作数量");
- one row per line, cells separated by tabs, a row sometimes broken over a page ("3. 补正后申请内" … "容仍不明确").
Everything else is paragraphs. A text without such tables may hold them in another tool's form: Markdown pipe tables
(parsers.markdown), `pdftotext -layout` columns (parsers.layout) or a web archiver's glued cells (parsers.flattened).
"""

from __future__ import annotations

import re

from parsers import flattened, layout, markdown
from parsers.model import Document, Paragraph, Table

_ARTIFACT = re.compile(r"\[bookmark: [^\]]*\]")


def _is_cell_line(line: str) -> bool:
    """One cell per line: a leading tab and no other tab."""
    return line.startswith("\t") and "\t" not in line[1:]


def _is_row_line(line: str) -> bool:
    return "\t" in line and not _is_cell_line(line)


def _blank(line: str) -> bool:
    # A line holding only a tab is an empty cell, not a blank line.
    return "\t" not in line and line.strip() == ""


def _next_nonblank(lines: list[str], i: int) -> int:
    while i < len(lines) and _blank(lines[i]):
        i += 1
    return i


def _read_cell_table(lines: list[str], i: int) -> tuple[Table, int]:
    rows: list[list[str | None]] = []
    row: list[str | None] = []
    while i < len(lines):
        line = lines[i]
        if _is_cell_line(line):
            row.append(line[1:])
            i += 1
            # Continuation lines: the cell's text wrapped without a tab.
            while i < len(lines) and not _blank(lines[i]) and "\t" not in lines[i]:
                row[-1] = f"{row[-1]}\n{lines[i]}"
                i += 1
            continue
        if _blank(line):
            if row:
                rows.append(row)
                row = []
            j = _next_nonblank(lines, i)
            if j < len(lines) and _is_cell_line(lines[j]):
                i = j
                continue
            i = j
        break
    if row:
        rows.append(row)
    return Table(rows), i


def _read_row_table(lines: list[str], i: int) -> tuple[Table, int]:
    rows: list[list[str | None]] = []
    while i < len(lines):
        line = lines[i]
        if _is_row_line(line):
            rows.append(list(line.split("\t")))
            i += 1
            continue
        # A blank line inside a table (page break) when the table goes on right after it.
        if _blank(line) and i + 1 < len(lines) and _is_row_line(lines[i + 1]):
            i += 1
            continue
        break
    return Table(rows), i


def extract(text: str) -> Document:
    text = _ARTIFACT.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", ""))
    lines = text.split("\n")
    blocks: list[Paragraph | Table] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_cell_line(line):
            table, i = _read_cell_table(lines, i)
            # A lone tab-indented line is a paragraph, not a table.
            if len(table.rows) == 1 and len(table.rows[0]) == 1:
                text_of_cell = (table.rows[0][0] or "").strip()
                if text_of_cell:
                    blocks.append(Paragraph(text_of_cell))
            else:
                blocks.append(table)
        elif _is_row_line(line):
            table, i = _read_row_table(lines, i)
            blocks.append(table)
        else:
            if not _blank(line):
                blocks.append(Paragraph(line.strip()))
            i += 1
    if not any(isinstance(b, Table) for b in blocks):
        return _other_tools(lines, blocks)
    return Document(blocks=blocks, format="text")


_LONE_NUMBER = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")
MIN_LONE_NUMBERS = 20


def _other_tools(lines: list[str], blocks: list[Paragraph | Table]) -> Document:
    """The tables of a text that prints them as another tool writes them, if it does."""
    if markdown.has_tables(lines):
        return Document(markdown.read(lines), format="text", warnings=["text: tables read from Markdown"])
    if layout.has_tables(lines):
        return Document(layout.read(lines), format="text", warnings=["text: tables read from spaced columns"])
    tpl = flattened.choose_template(lines)
    if tpl is not None and flattened.has_glued_rows(lines, tpl):
        glued_blocks, warnings = flattened.read(lines, tpl)
        return Document(glued_blocks, format="text", warnings=["text: tables read from glued cells", *warnings])
    if sum(bool(_LONE_NUMBER.match(line)) for line in lines) >= MIN_LONE_NUMBERS:
        # pdftotext without -layout: a table's numbers one per line, in runs down parts of its columns, apart from
        # their row labels; which column a run belongs to is lost, so no cell can be read without a guess.
        warning = "text: numbers one per line apart from their labels (pdftotext without -layout?): cells not read"
        return Document(blocks=blocks, format="text", warnings=[warning])
    return Document(blocks=blocks, format="text")


def decode(data: bytes) -> str:
    """Text files come in UTF-8 (with or without BOM), GB18030 or UTF-16; try them in that order."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")
