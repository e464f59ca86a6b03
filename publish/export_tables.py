"""The tables of reports.db as a release holds them: each one's schema (Frictionless Table Schema, from SQLite's
declared types, primary and foreign keys) and its rows streamed into a CSV and a Parquet file, never whole in memory
(cells can be millions of rows)."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 10_000  # rows per fetch and per Parquet row group: bounded memory whatever the table's size
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a BOM: Excel on Chinese Windows reads it as UTF-8, not GBK

# Superseded versions are marked in the release, not only implied by superseded_by.
EXTRA_COLUMNS = {"report_versions": [("superseded", "INTEGER", "superseded_by IS NOT NULL")]}


@dataclass(frozen=True)
class Column:
    name: str
    declared: str  # SQLite's declared type, upper case ("" when none)
    required: bool
    expression: str  # what the export selects: the column itself, or a derived value

    @property
    def field_type(self) -> str:
        """Frictionless field type by SQLite's type affinity rules (https://sqlite.org/datatype3.html 3.1)."""
        if "INT" in self.declared:
            return "integer"
        if any(word in self.declared for word in ("CHAR", "CLOB", "TEXT")):
            return "string"
        if any(word in self.declared for word in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
            return "number"
        return "any"

    @property
    def arrow_type(self) -> pa.DataType:
        return {"integer": pa.int64(), "number": pa.float64()}.get(self.field_type, pa.string())


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[Column]
    primary_key: list[str]
    foreign_keys: list[tuple[list[str], str, list[str]]]  # (columns, referenced table, referenced columns)

    def select(self) -> str:
        exprs = ", ".join(f'{c.expression} AS "{c.name}"' for c in self.columns)
        order = ", ".join(f'"{k}"' for k in self.primary_key) or "rowid"
        return f'SELECT {exprs} FROM "{self.name}" ORDER BY {order}'  # noqa: S608 - names from the schema


def open_read_only(database: Path) -> sqlite3.Connection:
    if not database.is_file():
        raise FileNotFoundError(f"no database {database}: build it first (nianbao build)")
    conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("BEGIN")  # one snapshot for every table, even if a build swaps the file meanwhile
    return conn


def tables(conn: sqlite3.Connection) -> list[Table]:
    """Every table of the database, in schema order; not SQLite's own, not search indexes (virtual tables and their
    shadow tables: derived from the reports table, rebuilt by the build), not the home page's dataset_summary (counts
    of the others)."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    names = [
        name
        for name, _ in rows
        if not name.startswith("sqlite_")
        and name not in (*virtual, "dataset_summary")
        and not any(name.startswith(v + "_") for v in virtual)
    ]
    return [_table(conn, name) for name in names]


def _table(conn: sqlite3.Connection, name: str) -> Table:
    info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()  # cid, name, type, notnull, default, pk
    columns = [Column(c[1], (c[2] or "").upper(), bool(c[3]), f'"{c[1]}"') for c in info]
    columns += [Column(n, t, True, e) for n, t, e in EXTRA_COLUMNS.get(name, [])]
    primary_key = [c[1] for c in sorted((c for c in info if c[5]), key=lambda c: c[5])]
    groups: dict[int, tuple[list[str], str, list[str]]] = {}
    for fk_id, _seq, ref_table, src, ref, *_ in conn.execute(f'PRAGMA foreign_key_list("{name}")').fetchall():
        cols, _, refs = groups.setdefault(fk_id, ([], ref_table, []))
        cols.append(src)
        refs.append(ref)
    return Table(name, columns, primary_key, list(groups.values()))


def holding_keys(conn: sqlite3.Connection, table: Table, progress: Callable[[str], None]) -> Table:
    """The table with only the foreign keys its rows satisfy: SQLite does not enforce them, and a reference the data
    breaks (a report of a site crawled from --start-url has no sites row) would make the whole package invalid."""
    kept = []
    for cols, ref, refs in table.foreign_keys:
        pairs = " AND ".join(f'p."{r}" = c."{c}"' for c, r in zip(cols, refs, strict=True))
        present = " AND ".join(f'c."{c}" IS NOT NULL' for c in cols)
        sql = f'SELECT count(*) FROM "{table.name}" c WHERE {present} AND NOT EXISTS (SELECT 1 FROM "{ref}" p WHERE {pairs})'  # noqa: S608, E501 - schema names
        broken = conn.execute(sql).fetchone()[0]
        if broken:
            progress(f"export: {table.name}.{','.join(cols)} -> {ref} not declared: {broken} rows have no {ref} row")
        else:
            kept.append((cols, ref, refs))
    return replace(table, foreign_keys=kept)


def count(conn: sqlite3.Connection, table: Table) -> int:
    return int(conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0])  # noqa: S608 - a schema name


def _batches(conn: sqlite3.Connection, table: Table) -> Iterator[list[tuple]]:
    cursor = conn.execute(table.select())
    while batch := cursor.fetchmany(BATCH_ROWS):
        yield batch


def _typed(column: Column, value: object) -> object:
    """A value as its declared type: SQLite lets a column hold any type, Parquet and Frictionless do not."""
    if value is None:
        return None
    kind = column.field_type
    if kind == "integer" and not isinstance(value, int):
        return int(value)  # type: ignore[call-overload]  # a value that is not a whole number stops the export
    if kind == "number":
        return float(value)  # type: ignore[arg-type]
    if kind in ("string", "any") and not isinstance(value, str):
        return str(value)
    return value


def write_table(
    conn: sqlite3.Connection, table: Table, csv_path: Path, parquet_path: Path, progress: Callable[[int], None]
) -> int:
    """Write the table's rows to a CSV (header of column names, null as an empty field) and a Parquet file in one
    pass; returns the number of rows. progress(rows so far) after each batch."""
    schema = pa.schema([pa.field(c.name, c.arrow_type, nullable=not c.required) for c in table.columns])
    rows = 0
    with (
        csv_path.open("w", encoding=CSV_ENCODING, newline="") as out,
        pq.ParquetWriter(parquet_path, schema, compression="zstd") as parquet,
    ):
        writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends: Excel's and Frictionless' default
        writer.writerow([c.name for c in table.columns])
        for batch in _batches(conn, table):
            writer.writerows(batch)  # as stored: a whole number in a NUMERIC column stays 0, not 0.0
            typed = [[_typed(c, value) for c, value in zip(table.columns, row, strict=True)] for row in batch]
            arrays = [pa.array([row[i] for row in typed], c.arrow_type) for i, c in enumerate(table.columns)]
            parquet.write_table(pa.Table.from_arrays(arrays, schema=schema))
            rows += len(batch)
            progress(rows)
        if rows == 0:
            parquet.write_table(schema.empty_table())
    return rows
