"""A readable grid of a parse result (`nianbao parse --format table`)."""

from __future__ import annotations

import unicodedata

from common.template import templates
from parsers.model import ParseResult


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(width - _width(text), 0)
    return gap + text if right else text + gap


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True))]
    for row in rows:
        lines.append("  ".join(_pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    return lines


def table_text(result: ParseResult, name: str) -> str:
    lines = [
        f"== {name}",
        f"status {result.status}  format {result.format}  template {result.template}  year {result.year}",
        f"title  {result.title}",
        f"agency {result.agency}",
    ]
    if result.error:
        lines.append(f"error  {result.error}")
    tpl = templates().get(result.template or "")
    cells = result.cell_map()

    def show(key: str) -> str:
        cell = cells.get(key)
        return "·" if cell is None else (cell.raw or "(blank)")

    if tpl:
        lines.append(f"\n{tpl.titles['active']}")
        for block in tpl.active_blocks:
            lines += _grid(
                [block.item, *(c.label for c in block.columns)],
                [[r.label, *(show(f"active.{r.key}.{c.key}") for c in block.columns)] for r in block.rows],
            )
        for table, rows, columns in (
            ("requests", tpl.requests_rows, tpl.requests_columns),
            ("appeals", tpl.appeals_rows, tpl.appeals_columns),
        ):
            lines.append(f"\n{tpl.titles[table]}")
            lines += _grid(
                ["", *(c.leaf for c in columns)],
                [[r.leaf, *(show(f"{table}.{r.key}.{c.key}") for c in columns)] for r in rows],
            )
    for extra in result.extra_rows:
        lines.append(f"extra row ({extra.table}): {' / '.join(extra.labels)}: {' | '.join(extra.values)}")
    for warning in result.warnings:
        lines.append(f"warning: {warning}")
    if result.checks:
        lines.append("\nchecks: " + ", ".join(f"{c.key} {c.status}" for c in result.checks))
    return "\n".join(lines)
