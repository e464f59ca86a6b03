"""Every connection Datasette opens refuses to make a string or blob longer than MAX_LENGTH, so a query such as
`select hex(randomblob(200000000))` fails at once instead of taking the server to gigabytes. Always on, not only with
--public: a reader on their own machine gains nothing from such a value either, and the longest value a build writes
(a report's text) is far shorter."""

import sqlite3

from datasette import hookimpl

MAX_LENGTH = 4 * 1024 * 1024  # bytes
# Pages read through a memory map rather than a read() each: a search that matches most of 200,000 reports looks
# up every one of them (bench/serve: count 100 -> 40 ms). The database is immutable; SQLite caps the map at 2 GiB.
MMAP_SIZE = 2**31


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
