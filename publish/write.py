"""Build stage "write": reports.db is written aside, rows in batches inside one transaction, indexes, views and the
search index made after the load, then renamed into place, so a reader never sees half a database.

The publish gate: a new database with fewer reports, cells or coverage than the one in place is not renamed into
place (a nightly run must never silently publish a broken database) unless the operator accepts the shrink; it is
left aside (DataDir.refused_database) and ShrinkRefused says what fell."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from publish.inspect import write_inspect
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


# What may not fall from one published database to the next: name -> the count.
GATED = {
    "reports": "SELECT count(*) FROM reports",
    "cells": "SELECT count(*) FROM cells",
    "coverage rows": "SELECT count(*) FROM coverage",
    "agency-years with a report": "SELECT count(*) FROM coverage WHERE report_id IS NOT NULL",
}


class ShrinkRefused(ValueError):
    """The publish gate kept the database in place: the new one has fewer of something (the message says what). A
    ValueError, so every command that builds (build, update, demo) says it plainly and exits with status 1."""


def gated_counts(conn: sqlite3.Connection) -> dict[str, int]:
    counts = {}
    for name, sql in GATED.items():
        try:
            counts[name] = conn.execute(sql).fetchone()[0]
        except sqlite3.OperationalError:  # a database of an older schema lacks the table: nothing to compare
            continue
    return counts


def shrinkage(previous: Path, new: dict[str, int]) -> list[str]:
    """What fell from the database at `previous` (if any) to counts `new`, e.g. ["reports 120 -> 100"]."""
    if not previous.exists():
        return []
    conn = sqlite3.connect(f"file:{previous}?mode=ro", uri=True)
    try:
        before = gated_counts(conn)
    except sqlite3.DatabaseError:  # not a database we can read: nothing to keep
        return []
    finally:
        conn.close()
    return [f"{name} {before[name]} -> {new[name]}" for name in GATED if new.get(name, 0) < before.get(name, 0)]


class DatabaseWriter:
    def __init__(self, target: Path, staging: Path, refused: Path, inspect: Path):
        self.target, self.staging, self.refused, self.inspect = target, staging, refused, inspect
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

    def finish(self, accept_shrink: bool = False) -> None:
        """Complete the database and rename it into place, unless it is smaller than the one there (ShrinkRefused;
        `accept_shrink` publishes it anyway)."""
        self.conn.execute("COMMIT")
        self.conn.executescript(schema_parts()[1])
        self.conn.executescript(wide_views_sql())
        write_search_index(self.conn)
        fell = shrinkage(self.target, gated_counts(self.conn))
        self.conn.close()
        if fell and not accept_shrink:
            os.replace(self.staging, self.refused)
            raise ShrinkRefused(
                f"not published: the new database has less than {self.target} ({', '.join(fell)}), which stays in "
                f"place. The new one is kept aside in {self.refused}; to publish it anyway, run "
                "`nianbao build --accept-shrink`"
            )
        # Written first: a server that starts between the two renames finds data of another file, and ignores it.
        write_inspect(self.staging, self.inspect)
        os.replace(self.staging, self.target)
        self.refused.unlink(missing_ok=True)

    def abandon(self) -> None:
        self.conn.close()
        self.staging.unlink(missing_ok=True)
