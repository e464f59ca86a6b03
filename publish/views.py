"""The wide views of reports.db, generated from the template spec (common/template.json).

One view per national table (requests_wide, appeals_wide, active_wide): one row per (report, row), the canonical
agency (agency_id, agency_name) beside the name as printed (agency), one column per
column key of every template, in printed order; money columns in yuan (`amount_yuan`). `row_order` is the row's place
in the printed table, and the views list each report's rows in that order.
"""

from __future__ import annotations

import re

from common.template import TABLES, all_columns, all_row_keys

_KEY = re.compile(r"[a-z][a-z0-9_]*")


def _key(key: str) -> str:
    """A spec key, safe as an SQL identifier and inside quotes."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"template key {key!r} is not lower_snake_case")
    return key


def wide_view_sql(table: str) -> str:
    """CREATE VIEW {table}_wide over the tables cells and reports."""
    order = " ".join(f"WHEN '{_key(k)}' THEN {n}" for n, k in enumerate(all_row_keys(table), 1))
    columns = [
        f"max(CASE c.column_key WHEN '{_key(c.key)}' THEN c.value_yuan END) AS {c.key}_yuan"
        if c.money
        else f"max(CASE c.column_key WHEN '{_key(c.key)}' THEN c.value END) AS {c.key}"
        for c in all_columns(table)
    ]
    select = ",\n       ".join(
        [
            "r.id AS report_id, r.agency_id, a.name AS agency_name, r.agency, r.year, r.template",
            f"CASE c.row_key {order} END AS row_order",
            "c.row_key, max(c.row_label) AS row_label",
            *columns,
        ]
    )
    return (
        f"CREATE VIEW {table}_wide AS\n"
        f"SELECT {select}\n"
        "FROM cells c JOIN reports r ON r.id = c.report_id LEFT JOIN agencies a ON a.id = r.agency_id\n"
        f"WHERE c.table_key = '{_key(table)}'\n"
        "GROUP BY r.id, c.row_key\n"
        "ORDER BY r.id, row_order;\n"
    )


def wide_views_sql() -> str:
    """CREATE VIEW statements of every wide view (run after publish/schema.sql)."""
    return "\n".join(wide_view_sql(table) for table in TABLES)
