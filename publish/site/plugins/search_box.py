"""Chinese search in Datasette: the reports table's search box and the canned query `search` find any substring.

Datasette's search box (and the canned query) send what the reader typed through the SQL function escape_fts(). The
index holds Chinese as overlapping bigrams (publish/search.py), so escape_fts is replaced here by the function that
segments the query the same way. trylast: Datasette's own escape_fts is registered by a hook that runs after ours
otherwise.
"""

from datasette import hookimpl
from markupsafe import Markup

from publish.search import match_query


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, match_query, deterministic=True)


@hookimpl
def render_cell(value, column, table):
    """In query results (the canned query `search`), a report_id links to the report's page."""
    if table is None and column == "report_id" and isinstance(value, str):
        return Markup('<a href="/reports/reports/{0}">{0}</a>').format(value)  # format() escapes value
    return None
