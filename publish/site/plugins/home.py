"""The home page's figures (templates/index.html): what the database holds, and how current it is."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from datasette import hookimpl

DATABASE = "reports"
DOWNLOADS = "downloads"  # the static mount of `nianbao export`'s releases (publish/serve.py)
SHOWN_RELEASES = 5


def _releases(datasette: Any) -> list[dict[str, Any]]:
    """The newest releases `nianbao export` listed in releases.json, if the server serves a releases folder."""
    folder = dict(datasette.static_mounts).get(DOWNLOADS)
    try:
        listed = json.loads((Path(folder) / "releases.json").read_text(encoding="utf-8")) if folder else []
    except (OSError, ValueError):
        return []
    return listed[:SHOWN_RELEASES]


async def _home(datasette: Any, request: Any) -> dict[str, Any]:
    db = datasette.get_database(DATABASE)
    built = datetime.fromtimestamp(Path(db.path).stat().st_mtime, UTC) if db.path else None
    # Counted by the build (dataset_summary, schema.sql): one row.
    figures = dict((await db.execute("select * from dataset_summary")).first())
    if figures["first_year"] is not None:
        figures["years"] = f"{figures['first_year']}–{figures['last_year']}"
    queries = await datasette.get_canned_queries(DATABASE, request.actor)
    return {
        **figures,
        "built": built.strftime("%Y-%m-%dT%H:%M:%SZ") if built else None,
        "releases": _releases(datasette),
        "db_download": datasette.setting("allow_download"),
        "csv_streams": datasette.setting("allow_csv_stream"),
        "queries": [(name, q.get("title") or name) for name, q in queries.items()],
    }


@hookimpl
def extra_template_vars(template: str, datasette: Any, request: Any) -> Any:
    if template != "index.html" or DATABASE not in datasette.databases:
        return {}

    async def inner() -> dict[str, Any]:
        return {"home": await _home(datasette, request)}

    return inner
