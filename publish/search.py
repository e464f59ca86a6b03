"""Search that finds any run of Chinese characters, even two (复议, 收费): an FTS5 index over overlapping bigrams.

Chinese has no spaces between words, and FTS5's trigram tokenizer cannot match fewer than three characters. So each
run of Chinese characters is written as its overlapping bigrams ("不予公开" -> "不予 予公 公开 开"; the last
character alone, so that a one-character query can match it as a prefix), and a query is segmented the same way into
an FTS5 phrase: consecutive bigrams in the index are exactly the substring in the text. Other text (digits, Latin
words) is left to FTS5's unicode61 tokenizer. The index is contentless: it holds tokens for matching, never text.
"""

from __future__ import annotations

import re
import sqlite3

FTS_TABLE = "reports_fts"
COLUMNS = ("title", "agency", "body")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_QUERY_WORD = re.compile(r'"([^"]*)"?|(\S+)')


def segment(text: str | None) -> str:
    """The text as the index holds it: every run of Chinese characters replaced by its overlapping bigrams."""
    if not text:
        return ""
    return _HAN.sub(lambda m: " " + " ".join(m[0][i : i + 2] for i in range(len(m[0]))) + " ", text)


def _phrase(word: str) -> str | None:
    tokens = segment(word).split()
    if not tokens:
        return None
    lone = _HAN.fullmatch(tokens[-1]) and len(tokens[-1]) == 1
    if lone and len(tokens) > 1 and _HAN.fullmatch(tokens[-2]):
        tokens.pop()  # the run's last character, already inside the bigram before it
        lone = False
    phrase = '"' + " ".join(tokens).replace('"', '""') + '"'
    # A lone character starts a bigram in the text (or ends a run there): match it as a prefix.
    return phrase + " *" if lone else phrase


def match_query(query: str | None) -> str:
    """An FTS5 MATCH expression for what a reader typed: every space-separated word (or "quoted phrase") must occur
    as a substring; nothing the reader types is FTS5 syntax."""
    words = [m[1] if m[1] is not None else m[2] for m in _QUERY_WORD.finditer(query or "")]
    phrases = [p for p in map(_phrase, words) if p]
    return " ".join(phrases) if phrases else '""'


def write_index(conn: sqlite3.Connection) -> None:
    """(Re)create the search index of reports (rowid = reports.rowid) from its title, agency and body."""
    columns = ", ".join(COLUMNS)
    conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    conn.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({columns}, content='', tokenize='unicode61')")
    rows = conn.execute(f"SELECT rowid, {columns} FROM reports")  # noqa: S608 - names are constants
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO {FTS_TABLE} (rowid, {columns}) VALUES (?, ?, ?, ?)",  # noqa: S608
        ((rowid, *map(segment, texts)) for rowid, *texts in rows),
    )
    conn.execute("COMMIT")
