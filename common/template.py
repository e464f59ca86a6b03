"""The national tables of the annual report, as data (template.json).

This is the one place that knows the 2019 and 2021 templates: the years they apply to, their keys and labels (with
the spellings real reports use), units, table markers and checks. Parsers map documents onto these keys, the
replica renders reports from them and the database labels its cells and builds its views with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("template.json")

TABLES = ("active", "requests", "appeals")


@dataclass(frozen=True)
class Label:
    key: str
    label: str  # official label; "/" joins a merged parent header to its child
    aliases: tuple[str, ...] = ()  # other spellings of the label's own cell (its leaf) seen in real reports
    money: bool = False  # a money column (its cells may carry 元 / 万元 / 亿元)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.label.split("/"))

    @property
    def leaf(self) -> str:
        return self.path[-1]

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every spelling of the label's own cell: the official one first."""
        return (self.leaf, *self.aliases)


@dataclass(frozen=True)
class ActiveBlock:
    item: str  # 第二十条第（一）项 …
    rows: tuple[Label, ...]
    columns: tuple[Label, ...]


@dataclass(frozen=True)
class Years:
    """Report years a template applies to, both ends included; None is open."""

    first: int | None
    last: int | None

    @classmethod
    def parse(cls, text: str) -> Years:
        """From the spec's form: "2019-2020", "2021-" or "-2018"."""
        first, _, last = text.partition("-")
        return cls(int(first) if first else None, int(last) if last else None)

    def __contains__(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)


@dataclass(frozen=True)
class Template:
    name: str  # "2019" | "2021"
    source: str
    report_years: Years
    markers: tuple[str, ...]  # labels printed only in this template's tables
    titles: dict[str, str]  # table -> official section title
    active_blocks: tuple[ActiveBlock, ...]
    requests_rows: tuple[Label, ...]
    requests_columns: tuple[Label, ...]
    appeals_rows: tuple[Label, ...]
    appeals_columns: tuple[Label, ...]

    def rows(self, table: str) -> tuple[Label, ...]:
        """A table's rows in printed order (table active: every block's)."""
        if table == "active":
            return tuple(r for b in self.active_blocks for r in b.rows)
        return self.requests_rows if table == "requests" else self.appeals_rows

    def columns(self, table: str) -> tuple[Label, ...]:
        """A table's column keys in printed order (table active: every block's, each key once)."""
        if table == "active":
            first: dict[str, Label] = {}
            for block in self.active_blocks:
                for column in block.columns:
                    first.setdefault(column.key, column)
            return tuple(first.values())
        return self.requests_columns if table == "requests" else self.appeals_columns

    def label_of(self, table: str, row: str, column: str) -> tuple[str, str]:
        """Official (row label, column label) of a cell."""
        return _cell_labels(self.name)[(table, row, column)]


@cache
def _cell_labels(template: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    """Every cell of a template with its official labels (the build labels millions of cells)."""
    tpl = templates()[template]
    tables = [("active", b.rows, b.columns) for b in tpl.active_blocks]
    tables += [("requests", tpl.requests_rows, tpl.requests_columns)]
    tables += [("appeals", tpl.appeals_rows, tpl.appeals_columns)]
    return {(table, r.key, c.key): (r.label, c.label) for table, rows, columns in tables for r in rows for c in columns}


@dataclass(frozen=True)
class TableSpec:
    """What every template's table prints besides its rows and columns."""

    name: str
    markers: tuple[str, ...]  # a document table printing at least 2 of them is this table
    decisive_markers: tuple[str, ...]  # one of them is enough
    header: str | None  # active: first cell of a block's column header row; requests: printed over the columns
    subtotal_column: str | None  # label of a column some reports add that has no key (法人或其他组织/小计)


@dataclass(frozen=True)
class CheckSpec:
    key: str
    scope: str  # report (one report's cells) | across_years (the same agency's reports of consecutive years)
    severity: str  # error | warning
    rule: str
    title: str  # the check in words, in Chinese, for readers


def _labels(items: list[dict[str, Any]]) -> tuple[Label, ...]:
    return tuple(Label(i["key"], i["label"], tuple(i.get("aliases", ())), i.get("money", False)) for i in items)


@cache
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return data


@cache
def templates() -> dict[str, Template]:
    """The templates with national tables, oldest first."""
    result = {}
    for t in spec()["templates"]:
        tables = t["tables"]
        result[t["template"]] = Template(
            name=t["template"],
            source=t["source"],
            report_years=Years.parse(t["report_years"]),
            markers=tuple(t["markers"]),
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


def legacy_template() -> str:
    """The template name of reports from before the national tables ("legacy")."""
    return str(spec()["legacy"]["template"])


def report_templates() -> tuple[str, ...]:
    """Every template a report may follow: those with national tables, then legacy."""
    return (*templates(), legacy_template())


def template_for_year(year: int) -> str:
    """The template a report of this year should follow (report_years in the spec)."""
    for tpl in templates().values():
        if year in tpl.report_years:
            return tpl.name
    if year in Years.parse(spec()["legacy"]["report_years"]):
        return legacy_template()
    raise ValueError(f"no template for report year {year}")


@cache
def table_specs() -> dict[str, TableSpec]:
    """Per table, in the order a table is recognised (on a tie of markers the first wins)."""
    result = {}
    for name, t in spec()["tables"].items():
        if name == "about":
            continue
        result[name] = TableSpec(
            name=name,
            markers=tuple(t["markers"]),
            decisive_markers=tuple(t.get("decisive_markers", ())),
            header=t.get("header"),
            subtotal_column=t["subtotal_column"]["label"] if "subtotal_column" in t else None,
        )
    return result


def _merged(sequences: list[list[str]]) -> list[str]:
    """Keys of several printed orders in one: each key after the key it follows in its own sequence, or before the
    first key after it that is already placed (at the end when there is none)."""
    merged: list[str] = []
    for sequence in sequences:
        for i, key in enumerate(sequence):
            if key in merged:
                continue
            if i > 0:
                merged.insert(merged.index(sequence[i - 1]) + 1, key)
                continue
            placed = [merged.index(k) for k in sequence[i + 1 :] if k in merged]
            merged.insert(placed[0] if placed else len(merged), key)
    return merged


def _newest_first() -> list[Template]:
    return list(templates().values())[::-1]


@cache
def all_row_keys(table: str) -> tuple[str, ...]:
    """Every row key of a table over all templates: the newest template's printed order, with rows only older
    templates have after the row they follow there."""
    return tuple(_merged([[r.key for r in t.rows(table)] for t in _newest_first()]))


@cache
def all_columns(table: str) -> tuple[Label, ...]:
    """Every column of a table over all templates (one Label per key, the newest template's), in printed order as
    all_row_keys() orders rows."""
    labels = {c.key: c for t in templates().values() for c in t.columns(table)}
    return tuple(labels[k] for k in _merged([[c.key for c in t.columns(table)] for t in _newest_first()]))


def yuan_per_unit() -> dict[str, int]:
    """Money units and their factor to yuan: {"元": 1, "万元": 10000, "亿元": 100000000}."""
    return dict(spec()["units"]["money"])


def count_units() -> tuple[str, ...]:
    """Units printed after a count (3件): the number is read, the unit dropped."""
    return tuple(spec()["units"]["count"])


@cache
def check_specs() -> dict[str, CheckSpec]:
    """The checks by key, in the spec's order."""
    return {c["key"]: CheckSpec(c["key"], c["scope"], c["severity"], c["rule"], c["title"]) for c in spec()["checks"]}
