"""Chinese search in Datasette: the reports table's search box and the canned query `search` find any substring.

Datasette's search box (and the canned query) send what the reader typed through the SQL function escape_fts(). The
index holds Chinese as overlapping bigrams (publish/search.py), so escape_fts is replaced here by the function that
segments the query the same way. trylast: Datasette's own escape_fts is registered by a hook that runs after ours
otherwise.

Search results show a snippet of the report's text around the first word searched for, in place of the whole text.

Search results come without facets unless the reader asks (?_search_facets=1, a link on the page): Datasette counts
each facet over every match, one after the other, and a word such as 复议 matches most reports (8 facets over 160,000
matches: a second per page at 200,000 reports). Unless the reader sorts them, they come in rowid order, which the
build makes newest year first: SQLite then reads the first page of matches in order instead of sorting them all
(bench/serve: 90 -> 25 ms for 复议).
"""

import re
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qs

from datasette import hookimpl
from markupsafe import Markup

from publish.search import match_query

SNIPPET_AROUND = 40  # characters shown on either side of the match
_REPORTS_TABLE = re.compile(r"/reports/reports(\.\w+)?")  # the table (HTML, .json, .csv), not a report's page
_search = ContextVar("search", default=None)  # the request's ?_search=, for render_cell (which gets no request)


@hookimpl(trylast=True)
def prepare_connection(conn: Any) -> None:
    conn.create_function("escape_fts", 1, match_query, deterministic=True)


@hookimpl
def asgi_wrapper() -> Any:
    def wrap(app: Any) -> Any:
        async def remember_search(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                query = scope.get("query_string", b"")
                args = parse_qs(query.decode("utf-8", "replace"))
                words = args.get("_search", [""])[0].replace('"', " ").split()
                _search.set(words or None)
                reports_table = _REPORTS_TABLE.fullmatch(scope.get("path", ""))
                if words and reports_table and "_search_facets" not in args and "_nofacet" not in args:
                    query += b"&_nofacet=1"
                if words and reports_table and not any(a in args for a in ("_sort", "_sort_desc")):
                    # _labels=off: with foreign-key labels expanded, Datasette 0.65 fails to page by a column it
                    # did not select (rowid) with a KeyError; without them it looks the value up.
                    query += b"&_sort=rowid&_labels=off"
                scope = {**scope, "query_string": query}
            await app(scope, receive, send)

        return remember_search

    return wrap


def snippet(text: str, words: list[str]) -> Markup:
    """The text around the first of the words it holds, that word marked."""
    found = [(text.find(w), w) for w in words if w in text]
    if not found:
        return Markup("{}…").format(text[: 2 * SNIPPET_AROUND])
    at, word = min(found)
    before, after = text[max(0, at - SNIPPET_AROUND) : at], text[at + len(word) : at + len(word) + SNIPPET_AROUND]
    return Markup("…{}<mark>{}</mark>{}…").format(before, word, after)  # format() escapes its arguments


@hookimpl
def render_cell(value: Any, column: str, table: str | None) -> Any:
    if table is None and column == "report_id" and isinstance(value, str):
        # In query results (the canned query `search`), a report id links to the report's page.
        return Markup('<a href="/reports/reports/{0}">{0}</a>').format(value)
    if table == "reports" and column == "body" and isinstance(value, str) and (words := _search.get()):
        return snippet(value, words)
    return None
