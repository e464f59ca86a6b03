"""The official Chinese labels of the wide views' columns (requests_wide, appeals_wide, active_wide), from the
template spec: Datasette shows them under each view's description and on each column's menu. Where the 2019 and 2021
templates print one key under different labels, both are given with their template."""

import copy
from functools import cache
from typing import Any

from datasette import hookimpl

from common.template import TABLES, all_columns, templates

DATABASE = "reports"


@cache
def _wide_view_columns() -> dict[str, Any]:
    tables = {}
    for table in TABLES:
        described = {}
        for column in all_columns(table):
            labels: dict[str, list[str]] = {}  # label -> the templates that print it
            for name, template in templates().items():
                for c in template.columns(table):
                    if c.key == column.key:
                        labels.setdefault(c.label, []).append(name)
            if len(labels) == 1:
                text = next(iter(labels))
            else:
                text = "；".join(f"{label}（{'、'.join(names)}）" for label, names in labels.items())
            described[f"{column.key}_yuan" if column.money else column.key] = (
                text + " — 折合元 in yuan" if column.money else text
            )
        tables[f"{table}_wide"] = {"columns": described}
    return {"databases": {DATABASE: {"tables": tables}}}


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict[str, Any]:
    return copy.deepcopy(_wide_view_columns())  # Datasette merges the local metadata into what it gets
