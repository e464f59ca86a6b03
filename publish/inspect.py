"""Datasette's inspect data for reports.db, made by the build: the file's SHA-256 and each table's row count.

Serving an immutable database, Datasette hashes the whole file and counts every table on the first request of the
home page (40 s at 200,000 reports, bench/serve); with the data it reads them instead (`datasette serve
--inspect-file`, the format `datasette inspect` writes). The data also records the database's size and modification
time, so a server uses it only with the very file it describes.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from datasette.inspect import inspect_hash

DATABASE_NAME = "reports"  # Datasette names a database after its file's stem


def write_inspect(db: Path, inspect: Path) -> None:
    """Write `inspect` describing the complete database `db` (closed; it must not change afterwards)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            try:
                (count,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608 - the schema's names
            except sqlite3.OperationalError:  # virtual tables that cannot be counted
                continue
            tables[table] = {"name": table, "count": count}
    finally:
        conn.close()
    st = db.stat()
    data = {"hash": inspect_hash(db), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "file": "reports.db"}
    staging = inspect.with_name(inspect.name + ".tmp")
    staging.write_text(json.dumps({DATABASE_NAME: data | {"tables": tables}}, indent=1), encoding="utf-8")
    os.replace(staging, inspect)


def matching_inspect(db: Path, inspect: Path) -> dict[str, Any] | None:
    """The inspect data of `db`, if `inspect` describes this very file (same size and modification time)."""
    try:
        data = json.loads(inspect.read_text(encoding="utf-8"))
        st = db.stat()
        entry = data[DATABASE_NAME]
    except (OSError, ValueError, KeyError):
        return None
    same = entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns
    return data if same else None
