"""Times the demo pipeline on the replica: replica start (cold and warm), crawl, build. Prints measured figures.

.venv/bin/python -m bench.pipeline_bench            # or: make bench
"""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from replica.server import ReplicaServer

NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        data = Path(tmp)
        cache = data / "replica-cache"
        server, cold = timed(lambda: ReplicaServer(cache).start())
        server.stop()
        server, warm = timed(lambda: ReplicaServer(cache).start())
        try:
            _, crawl = timed(
                lambda: subprocess.run(
                    [
                        NIANBAO,
                        "crawl",
                        "--data-dir",
                        tmp,
                        "--proxy",
                        server.proxy_url,
                        "--replica-ca",
                        str(server.ca_cert_path),
                        "--delay",
                        "0",
                        "--log-level",
                        "WARNING",
                    ],
                    check=True,
                    capture_output=True,
                )
            )
        finally:
            server.stop()
        _, build = timed(lambda: subprocess.run([NIANBAO, "build", "--data-dir", tmp], check=True, capture_output=True))
        with sqlite3.connect(data / "reports.db") as db:
            fetches = db.execute("select count(*) from fetches").fetchone()[0]
            reports = db.execute("select count(*) from reports where parse_status = 'ok'").fetchone()[0]
            cells = db.execute("select count(*) from cells").fetchone()[0]
        warc_bytes = sum(p.stat().st_size for p in (data / "archive" / "warc").glob("*.warc.gz"))
    peak_child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("nianbao pipeline benchmark (replica, 5 sites, delay 0)")
    print(f"  replica start, cold cache (LibreOffice conversions): {cold:6.2f} s")
    print(f"  replica start, warm cache:                           {warm:6.2f} s")
    print(f"  crawl: {fetches} fetches archived ({warc_bytes / 1024:.0f} KiB of WARC):  {crawl:6.2f} s")
    print(f"  build: {reports} reports parsed, {cells} cells:             {build:6.2f} s")
    print(f"  peak memory of crawl/build processes:                {peak_child_mb:6.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
