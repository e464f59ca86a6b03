"""`nianbao serve`: Datasette on the built database, read-only (immutable), with nianbao's metadata."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

METADATA = Path(__file__).with_name("metadata.yml")
SITE = Path(__file__).with_name("site")  # the site around the data: plugins/, templates/, static/ (served at /static/)


def datasette_command(db: Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    # -i (immutable): opened read-only, so nothing served can change the data; it also enables the .db download.
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "-i",
        str(db),
        "--metadata",
        str(METADATA),
        "--plugins-dir",
        str(SITE / "plugins"),
        "--template-dir",
        str(SITE / "templates"),
        "--static",
        f"static:{SITE / 'static'}",
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "3000",
        "--setting",
        "default_page_size",
        "50",
        "--setting",
        "facet_time_limit_ms",
        "500",
    ]


def serve(db: Path, host: str = "127.0.0.1", port: int = 8001) -> int:
    if not db.exists():
        raise FileNotFoundError(f"{db} does not exist: run `nianbao build` first")
    print(f"Datasette serving {db} at http://{host}:{port}/ (read-only; Ctrl-C stops)", flush=True)
    try:
        return subprocess.call(datasette_command(db, host, port))
    except KeyboardInterrupt:
        return 0
