"""How the crawls of a data directory ended and what is due, from its provenance index alone (read-only): what
`nianbao status` prints and what `nianbao build` warns about."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from archive.index import ProvenanceIndex
from archive.stats import FULL, SiteRun, site_runs, sweep_of_run
from common.datadir import DataDir
from crawler.sweep import DEFAULT_FULL_SWEEP_EVERY, finished_since_full_sweep, full_sweep_due


def run_error(run: dict[str, Any]) -> str | None:
    """Why a run failed or was interrupted, as the crawl (or the next command) recorded it."""
    error = json.loads(run.get("stats_json") or "{}").get("nianbao/error")
    return str(error) if error else None


def newest_run_warning(data_dir: DataDir) -> str | None:
    """A plain sentence when the newest crawl run did not finish: a build then publishes part of it."""
    if not data_dir.has_archive():
        return None
    with ProvenanceIndex(data_dir.index, readonly=True) as index:
        runs = index.runs()
    if not runs or runs[-1]["status"] not in ("interrupted", "failed"):
        return None
    run = runs[-1]
    if run["status"] == "interrupted":
        return (
            f"the newest crawl run {run['run_id']} was interrupted at {run['finished_at']}: the database holds what"
            " it archived; `nianbao crawl --resume` continues it"
        )
    why = f" ({run_error(run)})" if run_error(run) else ""
    return (
        f"the newest crawl run {run['run_id']} failed at {run['finished_at']}{why}: the database holds what it"
        " archived; `nianbao crawl` starts a new run"
    )


@dataclass
class SiteStatus:
    site: str
    run_id: str  # its last run
    started_at: str
    finished_at: str | None
    status: str
    error: str | None
    fetches: int
    reports_found: int
    last_full_sweep: str | None  # the run id


@dataclass
class Status:
    data_dir: str
    lock_held: bool
    lock_holder: dict[str, Any] | None
    database_built_at: str | None
    build_due: bool  # a run ended after the database was built (or there is no database)
    full_sweep_every: int
    finished_runs_since_full_sweep: int | None  # None: no run finished yet
    full_sweep_due: bool  # the next crawl walks every list page
    sites: list[SiteStatus] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def status(data_dir: DataDir, full_sweep_every: int = DEFAULT_FULL_SWEEP_EVERY) -> Status:
    held, holder = data_dir.lock_holder()
    built = (
        datetime.fromtimestamp(data_dir.database.stat().st_mtime, UTC).replace(microsecond=0)
        if data_dir.database.exists()
        else None
    )
    runs: list[dict[str, Any]] = []
    sites: list[SiteStatus] = []
    if data_dir.has_archive():
        with ProvenanceIndex(data_dir.index, readonly=True) as index:
            runs = index.runs()
            sites = _site_statuses(index, runs, held)
    ended = [_time(r["finished_at"]) for r in runs if r["finished_at"]]
    since_full = finished_since_full_sweep(runs)
    return Status(
        data_dir=str(data_dir),
        lock_held=held,
        lock_holder=asdict(holder) if holder else None,
        database_built_at=built.isoformat().replace("+00:00", "Z") if built else None,
        build_due=bool(ended) and (built is None or max(ended) > built),
        full_sweep_every=full_sweep_every,
        finished_runs_since_full_sweep=since_full,
        full_sweep_due=full_sweep_due(since_full, full_sweep_every),
        sites=sites,
    )


def _site_statuses(index: ProvenanceIndex, runs: list[dict[str, Any]], lock_held: bool) -> list[SiteStatus]:
    last: dict[str, dict[str, Any]] = {}
    last_full: dict[str, str] = {}
    for run in runs:  # oldest first: the newest run of each site wins
        for site in json.loads(run["sites_json"] or "[]"):
            last[site] = run
            if sweep_of_run(run) == FULL:
                last_full[site] = run["run_id"]
    counted: dict[tuple[str, str], SiteRun] = {}
    for run_id in {run["run_id"] for run in last.values()}:
        counted |= site_runs(index.fetches(run_id), index.discoveries(run_id))
    statuses = []
    for site, run in sorted(last.items()):
        numbers = counted.get((run["run_id"], site))
        ended, error = run["status"], run_error(run)
        if ended == "running" and not lock_held:  # only the lock holder crawls: its process is gone
            ended, error = "interrupted", "the crawl process is gone; the next crawl or build marks it interrupted"
        statuses.append(
            SiteStatus(
                site=site,
                run_id=run["run_id"],
                started_at=run["started_at"],
                finished_at=run["finished_at"],
                status=ended,
                error=error,
                fetches=numbers.outcomes.fetched if numbers else 0,
                reports_found=numbers.report_pages if numbers else 0,
                last_full_sweep=last_full.get(site),
            )
        )
    return statuses


def status_lines(s: Status) -> list[str]:
    if s.lock_holder:
        holder = s.lock_holder
        lock = f"held by pid {holder['pid']} on {holder['host']}, since {holder['started_at']}: {holder['command']}"
    else:
        lock = "held (its holder has not written itself in yet)" if s.lock_held else "free"
    built = f"built {s.database_built_at}" if s.database_built_at else "not built yet"
    if s.finished_runs_since_full_sweep is None:
        sweep = "the next crawl is a full sweep (no crawl has finished yet)"
    else:
        kind = "a full sweep" if s.full_sweep_due else "incremental"
        sweep = (
            f"the next crawl is {kind} ({s.finished_runs_since_full_sweep} finished runs since the last full sweep;"
            f" one every {s.full_sweep_every})"
        )
    lines = [
        f"data directory: {s.data_dir}",
        f"lock:           {lock}",
        f"database:       {built}" + ("; a build is due (a crawl ended after it)" if s.build_due else ""),
        f"sweep:          {sweep}",
    ]
    if not s.sites:
        return [*lines, "no crawl yet"]
    lines.append(
        f"{'site':<24} {'last run':<22} {'started':<20} {'finished':<20} {'status':<11} {'fetches':>7} {'reports':>7}"
        "  last full sweep"
    )
    for site in s.sites:
        lines.append(
            f"{site.site:<24} {site.run_id:<22} {site.started_at:<20} {site.finished_at or '-':<20} {site.status:<11}"
            f" {site.fetches:>7} {site.reports_found:>7}  {site.last_full_sweep or 'none'}"
        )
        if site.error:
            lines.append(f"  {site.status}: {site.error}")
    return lines
