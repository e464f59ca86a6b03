"""The home page's figures (templates/index.html): what the database holds, and how current it is."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from datasette import hookimpl

DATABASE = "reports"
# (name, SQL) of each figure the home page shows; each SQL returns one value.
FIGURES = {
    "reports": "select count(*) from reports",
    "agencies": "select count(*) from agencies",
    "cells": "select count(*) from cells",
    "failed_checks": "select count(*) from checks where status = 'fail'",
    "reports_failing": "select count(*) from reports where checks_failed > 0",
    "late": "select count(*) from coverage where days_late > 0",
    "missing": "select count(*) from coverage where status = 'missing'",
    "years": "select min(year) || '–' || max(year) from reports",
    "last_crawl": "select max(finished_at) from crawl_runs",
}
_FIGURES_OF: dict[tuple[Any, Any], dict[str, Any]] = {}  # (database file, its time) -> figures


async def _home(datasette: Any, request: Any) -> dict[str, Any]:
    db = datasette.get_database(DATABASE)
    built = datetime.fromtimestamp(Path(db.path).stat().st_mtime, UTC) if db.path else None
    # The database is served immutable (a new build restarts the server): its figures are counted once.
    key = (db.path, built)
    if key not in _FIGURES_OF:
        _FIGURES_OF[key] = {name: (await db.execute(sql)).first()[0] for name, sql in FIGURES.items()}
    figures = _FIGURES_OF[key]
    queries = await datasette.get_canned_queries(DATABASE, request.actor)
    return {
        **figures,
        "built": built.strftime("%Y-%m-%dT%H:%M:%SZ") if built else None,
        "queries": [(name, q.get("title") or name) for name, q in queries.items()],
    }


@hookimpl
def extra_template_vars(template: str, datasette: Any, request: Any) -> Any:
    if template != "index.html" or DATABASE not in datasette.databases:
        return {}

    async def inner() -> dict[str, Any]:
        return {"home": await _home(datasette, request)}

    return inner
