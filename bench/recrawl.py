"""What a scheduled re-crawl costs, on the replica: a first crawl, an unchanged re-crawl, then the replica's edition 2
crawled as a full sweep. Prints requests and body bytes of each, and whether the edition-2 crawl found exactly the
changed, new and gone reports of the replica's catalogue.

.venv/bin/python -m bench.recrawl            # or: make bench
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common.datadir import DataDir
from replica.catalog import changes
from replica.server import ReplicaServer

TARGET = 0.03  # the unchanged re-crawl transfers at most 3 % of the first crawl's body bytes


def crawl(data: DataDir, server: ReplicaServer, *options: str) -> float:
    command = [
        str(Path(sys.executable).with_name("nianbao")),
        "crawl",
        "--data-dir",
        str(data),
        "--proxy",
        server.proxy_url,
        "--replica-ca",
        str(server.ca_cert_path),
        "--delay",
        "0",
        "--log-level",
        "ERROR",
        *options,
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def run_cost(data: DataDir) -> tuple[int, int, int]:
    """(requests, body bytes transferred, 304 answers) of the newest run. A 304 transfers no body; an identical-payload
    revisit did transfer its body, so it counts."""
    with sqlite3.connect(data.index) as index:
        (run_id,) = index.execute("select run_id from runs order by started_at desc, run_id desc limit 1").fetchone()
        return index.execute(
            "select count(*), coalesce(sum(case when status = 304 then 0 else length end), 0),"
            " sum(status = 304) from fetches where run_id = ? and status is not null",
            (run_id,),
        ).fetchone()


def build(data: DataDir) -> None:
    nianbao = str(Path(sys.executable).with_name("nianbao"))
    subprocess.run([nianbao, "build", "--data-dir", str(data)], check=True, capture_output=True, text=True)


def found_changes(data: DataDir) -> set[tuple[str, str]]:
    """(change, detail_url) of the newest run in the built database."""
    with sqlite3.connect(data.database) as db:
        return set(
            db.execute(
                "select c.change, c.detail_url from changes c where c.run_id = (select max(run_id) from crawl_runs)"
            ).fetchall()
        )


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="nianbao-recrawl-") as tmp:
        data = DataDir(Path(tmp))
        with ReplicaServer(data.replica_cache) as server:
            seconds = crawl(data, server)
            first = run_cost(data)
            rows.append(("first crawl", first, seconds))
            seconds = crawl(data, server)
            again = run_cost(data)
            rows.append(("unchanged re-crawl (incremental)", again, seconds))
            server.set_edition(2)
            seconds = crawl(data, server, "--full")
            rows.append(("edition 2, full sweep", run_cost(data), seconds))
        build(data)
        expected = {(c.kind, c.detail_url) for c in changes(edition=2)}
        found = found_changes(data)
    print("nianbao re-crawl benchmark (replica, delay 0)")
    print(f"  {'crawl':<34} {'requests':>8} {'304':>5} {'body bytes':>12} {'of first':>9} {'time':>7}")
    for name, (requests, body, not_modified), seconds in rows:
        print(f"  {name:<34} {requests:>8} {not_modified:>5} {body:>12,} {body / first[1]:>9.1%} {seconds:>6.1f}s")
    ratio = again[1] / first[1]
    print(
        f"unchanged re-crawl: {ratio:.2%} of the first crawl's body bytes (target at most {TARGET:.0%}):"
        f" {'met' if ratio <= TARGET else 'NOT MET'}"
    )
    print(
        f"edition 2: {len(found & expected)} of {len(expected)} catalogued changes found"
        f", {len(found - expected)} not in the catalogue: {'exact' if found == expected else 'NOT EXACT'}"
    )
    for kind, url in sorted(expected - found):
        print(f"  missed: {kind} {url}")
    for kind, url in sorted(found - expected):
        print(f"  extra:  {kind} {url}")
    return 0 if ratio <= TARGET and found == expected else 1


if __name__ == "__main__":
    sys.exit(main())
