"""Build time and peak memory on synthetic archives of 1,000 to 20,000 reports, cold and with a warm parse cache.

    .venv/bin/python -m bench.build [--sizes 1000,5000,10000,20000] [--jobs N]

Each archive is written once by bench.synthetic (the project's own WARC writer and index) and cached in
<data dir>/bench-build/<corpus version>/<size>/. For each size, `nianbao build` runs cold (no database, no parse
cache) and then warm (again, with the parse cache the cold run left). Time is the wall time of the whole command and
its CPU time (user + system, workers included: on a busy machine the wall time grows, the CPU time does not); peak
memory is the largest sum of resident memory of the build process and all its descendants (workers included),
sampled every 25 ms from /proc (shared pages count once per process: an upper bound). "Cold" means a cold parse
cache: the archive's files are in the OS page cache either way.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bench.synthetic import VERSION, write_archive
from common.datadir import DataDir

SIZES = (1000, 5000, 10000, 20000)
SAMPLE_SECONDS = 0.025
# Targets of issue 7 on a 2-core machine.
TARGET_SIZE, TARGET_WARM_SECONDS = 10_000, 60.0
MEMORY_SIZE, MEMORY_MIB = 20_000, 1024.0
# CPU seconds per 1,000 reports may grow this much from the smallest size to the largest. Judged on CPU seconds (of
# the build and its workers): the work done, which other load on the machine does not change, unlike wall time.
LINEAR_TOLERANCE = 1.25
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # user + system of the build and its children: what the machine's other load leaves alone
    peak_mib: float
    reports: int  # rows in the database's reports table
    parsed_ok: int
    cache_line: str | None  # what the build said about parsed and cached documents


def corpus(data: DataDir, size: int) -> tuple[DataDir, float | None]:
    """The cached archive of `size` reports, written first if missing: (its data directory, seconds to write it)."""
    root = data.bench_archives.resolve() / VERSION / str(size)
    if root.is_dir():
        return DataDir(root), None
    root.parent.mkdir(parents=True, exist_ok=True)
    print(f"bench: writing a synthetic archive of {size} reports in {root} (once)…", file=sys.stderr, flush=True)
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{size}-"))
    try:
        write_archive(DataDir(tmp), size)
    except BaseException:
        shutil.rmtree(tmp)
        raise
    tmp.rename(root)  # only a whole archive is ever reused
    return DataDir(root), time.perf_counter() - start


def nianbao_command() -> list[str]:
    script = Path(sys.executable).with_name("nianbao")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nianbao.cli"]


def process_tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids):
        for children in Path(f"/proc/{pids[i]}/task").glob("*/children"):
            try:
                pids += [int(child) for child in children.read_text().split()]
            except OSError:
                pass  # the thread or process has just ended
        i += 1
    return pids


def rss_mib(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES / 2**20
    except (OSError, IndexError):
        return 0.0  # it has just ended


def tree_rss_mib(pid: int) -> float:
    return sum(rss_mib(member) for member in process_tree(pid))


def remove(path: Path) -> None:
    """A file with its SQLite companions (-wal, -shm, -journal), or a folder."""
    if path.is_dir():
        shutil.rmtree(path)
    for member in path.parent.glob(f"{path.name}*") if path.parent.is_dir() else ():
        if member.is_file() and member.name[len(path.name) :] in ("", "-wal", "-shm", "-journal"):
            member.unlink()


def build(data: DataDir, jobs: int | None) -> Run:
    """Run `nianbao build` on data, sampling the memory of its process tree until it ends."""
    command = [*nianbao_command(), "build", "--data-dir", str(data.root)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    with tempfile.TemporaryFile() as output:  # a file, not a pipe: nothing to drain while sampling
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        peak = 0.0
        while True:
            peak = max(peak, tree_rss_mib(process.pid))
            try:
                process.wait(timeout=SAMPLE_SECONDS)
                break
            except subprocess.TimeoutExpired:
                continue
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{text[-3000:]}")
    with closing(sqlite3.connect(f"{data.database.resolve().as_uri()}?mode=ro", uri=True)) as db:
        reports, parsed_ok = db.execute(
            "SELECT count(*), count(*) FILTER (WHERE parse_status = 'ok') FROM reports"
        ).fetchone()
    line = re.search(r"^.*\bparsed\b.*\d.*\bcache\b.*$", text, re.MULTILINE)  # parsed N, M from the cache
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(seconds, cpu, peak, reports, parsed_ok, line.group(0).strip() if line else None)


def per_thousand(seconds: float, size: int) -> float:
    return seconds * 1000 / size


COLUMNS = (
    ("reports", 8), ("cold s", 7), ("cold CPU s", 11), ("cold MiB", 9), ("warm s", 7), ("warm CPU s", 11),
    ("warm MiB", 9), ("cold s/1k", 10), ("warm s/1k", 10),
)  # fmt: skip


def row(values: list[str]) -> str:
    return "".join(f"{value:>{width}} " for value, (_, width) in zip(values, COLUMNS, strict=True)).rstrip()


def table_row(size: int, cold: Run, warm: Run) -> str:
    runs = [
        f"{value:.{digits}f}"
        for r in (cold, warm)
        for value, digits in ((r.seconds, 1), (r.cpu_seconds, 1), (r.peak_mib, 0))
    ]
    return row([str(size), *runs, *(f"{per_thousand(r.seconds, size):.2f}" for r in (cold, warm))])


def verdicts(results: dict[int, tuple[Run, Run]]) -> list[str]:
    lines = []
    if TARGET_SIZE in results:
        warm = results[TARGET_SIZE][1].seconds
        met = "met" if warm <= TARGET_WARM_SECONDS else "MISSED"
        lines.append(f"{TARGET_SIZE:,} reports in ≤ {TARGET_WARM_SECONDS:.0f} s, warm cache: {warm:.1f} s, {met}")
    else:
        lines.append(f"{TARGET_SIZE:,} reports in ≤ {TARGET_WARM_SECONDS:.0f} s, warm cache: not measured")
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for label, which in (("cold", 0), ("warm", 1)):
            a, b = results[small][which], results[large][which]
            wall = per_thousand(b.seconds, large) / per_thousand(a.seconds, small)
            cpu = per_thousand(b.cpu_seconds, large) / per_thousand(a.cpu_seconds, small)
            met = "met" if cpu <= LINEAR_TOLERANCE else "MISSED"
            lines.append(
                f"linear time ({label}): CPU seconds per 1,000 reports at {large:,} are {cpu:.2f}× those at "
                f"{small:,} (wall seconds {wall:.2f}×; ≤ {LINEAR_TOLERANCE}× allowed), {met}"
            )
    else:
        lines.append("linear time: needs two sizes")
    if MEMORY_SIZE in results:
        peak = max(run.peak_mib for run in results[MEMORY_SIZE])
        met = "met" if peak <= MEMORY_MIB else "MISSED"
        lines.append(f"peak memory ≤ 1 GiB at {MEMORY_SIZE:,} reports: {peak:.0f} MiB, {met}")
    else:
        lines.append(f"peak memory ≤ 1 GiB at {MEMORY_SIZE:,} reports: not measured")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help=f"reports per archive, comma-separated (default {','.join(map(str, SIZES))})",
    )
    parser.add_argument("--jobs", type=int, help="passed to `nianbao build --jobs` (default: not passed)")
    parser.add_argument("--data-dir", help="where bench-build/ is cached (default: the data directory)")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    data = DataDir.resolve(args.data_dir)

    jobs = f", --jobs {args.jobs}" if args.jobs is not None else ""
    print(f"nianbao build benchmark: synthetic archives, {os.cpu_count()} cores{jobs}")
    print(row([name for name, _ in COLUMNS]), flush=True)
    results: dict[int, tuple[Run, Run]] = {}
    notes = []
    for size in sizes:
        archive, written = corpus(data, size)
        if written is not None:
            notes.append(f"{size:,}: archive written in {written:.1f} s")
        remove(archive.database)
        remove(archive.parse_cache)
        cold = build(archive, args.jobs)
        warm = build(archive, args.jobs)
        results[size] = (cold, warm)
        print(table_row(size, cold, warm), flush=True)
        for label, run in (("cold", cold), ("warm", warm)):
            if run.reports != size or run.parsed_ok != size:
                notes.append(f"{size:,} {label}: the database has {run.reports} reports, {run.parsed_ok} parsed ok")
            if run.cache_line:
                notes.append(f"{size:,} {label}: {run.cache_line}")
    load = os.getloadavg()[0]
    notes.append(f"load average (1 min) at the end: {load:.1f} (other work on the machine slows wall time)")
    print("\n".join(f"  {note}" for note in notes))
    print("targets (issue 7, 2 cores):")
    print("\n".join(f"  {line}" for line in verdicts(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
