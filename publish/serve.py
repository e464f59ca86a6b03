"""`nianbao serve`: Datasette on the built database, read-only (immutable), with nianbao's metadata and site.

Datasette runs as a child of `nianbao serve`, which
- stops it on SIGTERM, SIGINT and SIGHUP (a service manager's stop or a closed terminal leaves nothing running);
- serves a hard link of reports.db of its own (DataDir.serving_database), never reports.db itself. A build renames a
  new reports.db into place; the server notices (the inode changed; one stat five times a second), stops Datasette,
  points its link at the new file and starts Datasette again. Datasette opens connections lazily, one per thread:
  serving reports.db directly, some threads would answer from the old file and some from the new one. With the
  link, every answer comes from one database or the other; during the restart (a second or two) connections are
  refused. URLs do not change: the served file keeps the name reports.db.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.datadir import DataDir
from publish.inspect import matching_inspect

METADATA = Path(__file__).with_name("metadata.yml")
SITE = Path(__file__).with_name("site")  # the site around the data: plugins/, templates/, static/ (served at /static/)
DOWNLOADS = "downloads"  # where the releases are served: /downloads/releases.json, /downloads/nianbao-….zip
CHECK_SECONDS = 0.2  # how often the server looks whether a build replaced reports.db (one stat)

# suggest_facets off: suggestions try every column of a table at each request (3 s of a 4 s reports page at
# 200,000 reports); the column menu's "Facet by this" still works.
SETTINGS = {
    "sql_time_limit_ms": "3000",
    "default_page_size": "50",
    "facet_time_limit_ms": "500",
    "suggest_facets": "off",
}
# --public: for a deployment on the internet. Arbitrary SQL stays, bounded in time and rows (and in value size, by
# plugins/sqlite_limits.py, always); full tables come from `nianbao export`'s static files, not from unbounded CSV
# streams or the .db download.
PUBLIC_SETTINGS = {
    "sql_time_limit_ms": "1000",
    "max_returned_rows": "1000",
    "allow_csv_stream": "off",
    "allow_download": "off",
}


def datasette_command(
    db: Path,
    host: str = "127.0.0.1",
    port: int = 8001,
    public: bool = False,
    inspect: Path | None = None,
    releases: Path | None = None,
) -> list[str]:
    """`inspect`: the database's inspect data (publish/inspect.py), checked to describe `db`; `releases`: the folder
    of `nianbao export`'s releases, served as static files at /downloads/ (the home page lists them)."""
    # -i (immutable): opened read-only, so nothing served can change the data; it also enables the .db download.
    settings = SETTINGS | (PUBLIC_SETTINGS if public else {})
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
        *(("--static", f"{DOWNLOADS}:{releases}") if releases and releases.is_dir() else ()),
        "--host",
        host,
        "--port",
        str(port),
        *(arg for name, value in settings.items() for arg in ("--setting", name, value)),
        *(("--inspect-file", str(inspect)) if inspect else ()),
    ]


class _Stop:
    """Set by SIGTERM (a service manager), SIGINT (Ctrl-C) or SIGHUP (the terminal closed): stop Datasette too."""

    def __init__(self) -> None:
        self.asked = False
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._ask)

    def _ask(self, *_: object) -> None:
        self.asked = True


@contextmanager
def datasette_running(
    db: Path, public: bool = False, inspect: Path | None = None, releases: Path | None = None
) -> Iterator[str]:
    """Datasette on `db` (as `nianbao serve` runs it, without the supervisor) on a free port of 127.0.0.1, for tests
    and benchmarks: yields its base URL once it answers; stopped on exit. `inspect` is used if it describes `db`."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inspect = inspect if inspect and matching_inspect(db, inspect) else None
    command = datasette_command(db, port=port, public=public, inspect=inspect, releases=releases)
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=1)  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:  # between a build's unlink and rename there is none: keep serving the link
        return None
    return st.st_dev, st.st_ino


def _link(db: Path, served: Path) -> tuple[int, int] | None:
    served.parent.mkdir(parents=True, exist_ok=True)
    fresh = served.with_name(served.name + ".new")
    fresh.unlink(missing_ok=True)
    os.link(db, fresh)
    os.replace(fresh, served)
    return _inode(served)


def _served_inspect(inspect: Path, served: Path) -> Path | None:
    """A copy of the build's inspect data beside the link, if it describes the linked file (a later build may replace
    the data directory's copy while this Datasette still serves the old database)."""
    data = matching_inspect(served, inspect)
    if data is None:
        return None
    copy = served.with_name(served.name + ".inspect.json")
    copy.write_text(json.dumps(data), encoding="utf-8")
    return copy


def _remove_stale(servers: Path) -> None:
    """The links of servers that were killed (SIGKILL) hold old databases on disk: removed."""
    for held in servers.glob("*/reports.db*") if servers.is_dir() else []:
        try:
            os.kill(int(held.parent.name), 0)
        except ProcessLookupError:
            held.unlink(missing_ok=True)
        except (ValueError, PermissionError):  # not ours to judge
            continue


def _die_with_parent() -> None:
    """In the Datasette child: Linux ends it when the server dies, even by SIGKILL, so it is never left behind."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def serve(data_dir: DataDir, host: str = "127.0.0.1", port: int = 8001, public: bool = False) -> int:
    db = data_dir.database
    if not db.exists():
        raise FileNotFoundError(f"{db} does not exist: run `nianbao build` first")
    served = data_dir.serving_database()
    _remove_stale(served.parent.parent)
    data_dir.releases.mkdir(exist_ok=True)  # served from the start, so a later `nianbao export` shows at once
    stop = _Stop()
    mode = "public: SQL bounded, no CSV streams or .db download" if public else "read-only"
    print(f"Datasette serving {db} at http://{host}:{port}/ ({mode}; Ctrl-C stops)", flush=True)
    try:
        while True:
            serving = _link(db, served)
            inspect = _served_inspect(data_dir.database_inspect, served)
            command = datasette_command(served, host, port, public, inspect, data_dir.releases)
            child = subprocess.Popen(command, preexec_fn=_die_with_parent)
            changed = False
            while not (stop.asked or changed) and child.poll() is None:
                time.sleep(CHECK_SECONDS)
                changed = _inode(db) not in (None, serving)
            if not (stop.asked or changed):
                return child.returncode  # Datasette stopped on its own (a port in use, a bad option)
            _stop(child)
            if stop.asked:
                return 0
            print(f"{db} was replaced: Datasette restarted on the new database", flush=True)
    finally:
        for held in served.parent.glob("reports.db*"):
            held.unlink(missing_ok=True)
        try:
            served.parent.rmdir()
        except OSError:
            pass
