"""Times the demo pipeline on the replica: replica start (cold and warm), crawl, build. Prints measured figures.

.venv/bin/python -m bench.pipeline_bench            # or: make bench
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common.datadir import DataDir
from replica.server import ReplicaServer


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def nianbao(*args: str) -> tuple[float, float]:
    """Run `nianbao ARGS…` in a fresh interpreter: (seconds, its peak memory in MiB)."""
    command = [sys.executable, "-m", "bench.memory", *args]
    proc, seconds = timed(lambda: subprocess.run(command, check=True, capture_output=True, text=True))
    return seconds, float(re.search(r"peak_mib=(\d+)\s*$", proc.stderr).group(1))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        data = DataDir(Path(tmp))
        cache = data.replica_cache
        server, cold = timed(lambda: ReplicaServer(cache).start())
        server.stop()
        server, warm = timed(lambda: ReplicaServer(cache).start())
        try:
            proxy = ("--proxy", server.proxy_url, "--replica-ca", str(server.ca_cert_path))
            crawl, crawl_mib = nianbao("crawl", "--data-dir", tmp, *proxy, "--delay", "0", "--log-level", "WARNING")
        finally:
            server.stop()
        build, build_mib = nianbao("build", "--data-dir", tmp)
        rebuild, rebuild_mib = nianbao("build", "--data-dir", tmp)  # everything from the parse cache
        with sqlite3.connect(data.database) as db:
            fetches = db.execute("select count(*) from fetches").fetchone()[0]
            reports = db.execute("select count(*) from reports where parse_status = 'ok'").fetchone()[0]
            cells = db.execute("select count(*) from cells").fetchone()[0]
            sites = db.execute("select count(*) from sites").fetchone()[0]
        warc_bytes = sum(p.stat().st_size for p in data.warc_dir.glob("*.warc.gz"))
    rows = [
        ("replica start, cold cache (LibreOffice conversions)", f"{cold:6.2f} s"),
        ("replica start, warm cache", f"{warm:6.2f} s"),
        (f"crawl: {fetches} fetches, {warc_bytes / 1024:.0f} KiB of WARC", f"{crawl:6.2f} s, peak {crawl_mib:.0f} MiB"),
        (f"build: {reports} reports parsed, {cells} cells", f"{build:6.2f} s, peak {build_mib:.0f} MiB"),
        ("build again (nothing new: the parse cache)", f"{rebuild:6.2f} s, peak {rebuild_mib:.0f} MiB"),
    ]
    print(f"nianbao pipeline benchmark (replica, {sites} sites, delay 0)")
    print("\n".join(f"  {label + ':':<53} {value}" for label, value in rows))
    print("  (each peak is that Python process's own: the build's parse workers and LibreOffice are apart;")
    print("   bench/build.py measures the build's whole process tree)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
