"""Build stage "write": reports.db is written aside, rows in batches inside one transaction, indexes, views and the
search index made after the load, then renamed into place, so a reader never sees half a database."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from publish.search import write_index as write_search_index
from publish.views import wide_views_sql

SCHEMA = Path(__file__).with_name("schema.sql")
_AFTER_THE_LOAD = "-- After the load:"
BATCH = 5000


def schema_parts() -> tuple[str, str]:
    """(tables, what comes after the load) of schema.sql."""
    tables, marker, after = SCHEMA.read_text(encoding="utf-8").partition(_AFTER_THE_LOAD)
    if not marker:
        raise ValueError(f"{SCHEMA} lacks the line {_AFTER_THE_LOAD!r} that separates tables from indexes and views")
    return tables, marker + after


class DatabaseWriter:
    def __init__(self, target: Path, staging: Path):
        self.target, self.staging = target, staging
        staging.unlink(missing_ok=True)
        self.conn = sqlite3.connect(staging, isolation_level=None)
        # The staging file is renamed into place only once complete: a crash leaves nothing to recover, so no journal.
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.executescript(schema_parts()[0])
        self.conn.execute("BEGIN")
        self._columns: dict[str, list[str]] = {}

    def insert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert rows (mappings; keys the table lacks are ignored, columns the row lacks are null)."""
        if table not in self._columns:
            self._columns[table] = [c[1] for c in self.conn.execute(f"PRAGMA table_info({table})")]
        columns = self._columns[table]
        # Table and column names come from schema.sql, never from data.
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        count = 0
        values = (tuple(row.get(c) for c in columns) for row in rows)
        while batch := list(islice(values, BATCH)):
            self.conn.executemany(sql, batch)
            count += len(batch)
        return count

    def finish(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.executescript(schema_parts()[1])
        self.conn.executescript(wide_views_sql())
        write_search_index(self.conn)
        self.conn.close()
        os.replace(self.staging, self.target)

    def abandon(self) -> None:
        self.conn.close()
        self.staging.unlink(missing_ok=True)
