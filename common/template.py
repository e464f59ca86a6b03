"""The national tables of the annual report, as data (spec/template.json).

This is the one place that knows the 2019 and 2021 templates: parsers map documents onto these keys, the replica
renders reports from them and the database labels its cells with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC_PATH = Path(__file__).with_name("template.json")

TABLES = ("active", "requests", "appeals")


@dataclass(frozen=True)
class Label:
    key: str
    label: str  # official label; "/" joins a merged parent header to its child

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.label.split("/"))

    @property
    def leaf(self) -> str:
        return self.path[-1]


@dataclass(frozen=True)
class ActiveBlock:
    item: str  # 第二十条第（一）项 …
    rows: tuple[Label, ...]
    columns: tuple[Label, ...]


@dataclass(frozen=True)
class Template:
    name: str  # "2019" | "2021"
    source: str
    titles: dict[str, str]  # table -> official section title
    active_blocks: tuple[ActiveBlock, ...]
    requests_rows: tuple[Label, ...]
    requests_columns: tuple[Label, ...]
    appeals_rows: tuple[Label, ...]
    appeals_columns: tuple[Label, ...]

    def cell_keys(self) -> list[tuple[str, str, str]]:
        """Every canonical (table, row, column) of this template, in reading order."""
        keys = [("active", r.key, c.key) for b in self.active_blocks for r in b.rows for c in b.columns]
        keys += [("requests", r.key, c.key) for r in self.requests_rows for c in self.requests_columns]
        keys += [("appeals", r.key, c.key) for r in self.appeals_rows for c in self.appeals_columns]
        return keys

    def label_of(self, table: str, row: str, column: str) -> tuple[str, str]:
        """Official (row label, column label) of a cell."""
        if table == "active":
            for block in self.active_blocks:
                rows = {r.key: r for r in block.rows}
                if row in rows:
                    cols = {c.key: c for c in block.columns}
                    return rows[row].label, cols[column].label
            raise KeyError((table, row, column))
        rows, cols = (
            (self.requests_rows, self.requests_columns)
            if table == "requests"
            else (self.appeals_rows, self.appeals_columns)
        )
        return {r.key: r for r in rows}[row].label, {c.key: c for c in cols}[column].label


def _labels(items: list[dict]) -> tuple[Label, ...]:
    return tuple(Label(i["key"], i["label"]) for i in items)


@cache
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def templates() -> dict[str, Template]:
    result = {}
    for t in spec()["templates"]:
        tables = t["tables"]
        result[t["template"]] = Template(
            name=t["template"],
            source=t["source"],
            titles={name: tables[name]["title"] for name in TABLES},
            active_blocks=tuple(
                ActiveBlock(b["item"], _labels(b["rows"]), _labels(b["columns"])) for b in tables["active"]["blocks"]
            ),
            requests_rows=_labels(tables["requests"]["rows"]),
            requests_columns=_labels(tables["requests"]["columns"]),
            appeals_rows=_labels(tables["appeals"]["rows"]),
            appeals_columns=_labels(tables["appeals"]["columns"]),
        )
    return result


def template_for_year(year: int) -> str:
    """The template a report of this year should follow (2019 template for 2019–2020 reports, 2021 after)."""
    if year < 2019:
        return "legacy"
    return "2019" if year <= 2020 else "2021"


def checks() -> list[dict]:
    return spec()["checks"]
