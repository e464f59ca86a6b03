"""Running a crawl in this process (what `nianbao crawl` and `nianbao demo` do), and its summary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.index import ProvenanceIndex
from archive.stats import SiteRun, site_runs, sweep_of_run
from common.datadir import DataDir
from common.outcomes import Outcome
from common.registry import Registry, Site, load
from crawler.archiving import new_run_id


@dataclass
class CrawlOptions:
    """What the command line says; what it leaves out (None, empty) stays as crawler/settings.py read it from the
    environment."""

    data_dir: DataDir
    sites: list[str] = field(default_factory=list)  # hosts; empty = every registered site
    start_urls: list[str] = field(default_factory=list)  # discovery: crawl from these pages, registered or not
    registry: Registry = field(default_factory=load)  # loaded once, handed to Scrapy as is
    proxy: str | None = None
    replica_ca: str | None = None
    delay: float | None = None
    log_level: str | None = None
    verbose: bool = False  # Scrapy's own INFO lines too (LOG_LEVEL INFO unless log_level says otherwise)
    full: bool = False  # a full sweep: every list page, everything fetched (crawler.sweep)
    resume: bool = False  # continue the newest interrupted run under its run id (crawler.frontier)


class NothingToResume(RuntimeError):
    pass


def run_to_resume(data_dir: DataDir) -> dict[str, Any]:
    """The newest interrupted run (a run left `running` by a dead process is marked interrupted when the next
    command takes the data directory's lock: ProvenanceIndex.mark_interrupted)."""
    if not data_dir.has_archive():
        raise NothingToResume(f"no archive in {data_dir}: nothing to resume")
    with ProvenanceIndex(data_dir.index, readonly=True) as index:
        runs = [r for r in index.runs() if r["status"] == "interrupted"]
    if not runs:
        raise NothingToResume("no interrupted run to resume")
    return runs[-1]


def scrapy_settings(options: CrawlOptions) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    given = {
        "NIANBAO_SITES": options.sites,
        "NIANBAO_START_URLS": options.start_urls,
        "NIANBAO_PROXY": options.proxy,
        "NIANBAO_REPLICA_CA": options.replica_ca,
        "LOG_LEVEL": options.log_level or ("INFO" if options.verbose else None),
    }
    overrides: dict[str, Any] = {"DATA_DIR": str(options.data_dir), "NIANBAO_REGISTRY": options.registry}
    overrides |= {name: value for name, value in given.items() if value}
    if options.delay is not None:
        overrides["DOWNLOAD_DELAY"] = options.delay
        overrides["AUTOTHROTTLE_START_DELAY"] = max(options.delay, 0.1)
        overrides["AUTOTHROTTLE_MAX_DELAY"] = max(options.delay * 10, 1.0)
    if options.full:
        overrides["NIANBAO_FULL"] = True
    if options.resume:
        run = run_to_resume(options.data_dir)
        settings_json = json.loads(run["settings_json"] or "{}")
        overrides |= {"NIANBAO_RESUME": True, "NIANBAO_RUN_ID": run["run_id"]}
        if not (options.sites or options.start_urls):  # the sites the interrupted run was crawling
            start_urls = settings_json.get("start_urls") or []
            overrides["NIANBAO_START_URLS" if start_urls else "NIANBAO_SITES"] = start_urls or json.loads(
                run["sites_json"] or "[]"
            )
    overrides["NIANBAO_RUN_ID"] = overrides.get("NIANBAO_RUN_ID") or settings.get("NIANBAO_RUN_ID") or new_run_id()
    settings.setdict(overrides, priority="cmdline")
    return settings


def crawl(options: CrawlOptions) -> str:
    """Run the reports spider to completion (blocks; once per process, as Twisted's reactor cannot restart).
    Returns the run's id."""
    settings = scrapy_settings(options)
    process = CrawlerProcess(settings)
    process.crawl("reports")
    process.start()
    return str(settings["NIANBAO_RUN_ID"])


FALL_RATIO = 0.5  # a site is flagged when its reports found or its fetches fall below half of its previous run's ...
FALL_MIN_BEFORE = 4  # ... provided it had at least this many then


@dataclass
class SiteSummary:
    run: SiteRun
    expect_reports: bool
    previous: SiteRun | None = None  # the site in the previous finished run of the same sweep (full, incremental)

    @property
    def silent(self) -> bool:
        """A registered site that yielded no report: something changed on the site, or in our crawler."""
        return self.expect_reports and self.run.report_pages == 0

    def falls(self) -> list[str]:
        """What fell sharply against the previous run: `2 reports found (10 before)`, `15 fetched (60 before)`."""
        if self.previous is None:
            return []
        pairs = (
            ("reports found", self.run.report_pages, self.previous.report_pages),
            ("fetched", self.run.outcomes.fetched, self.previous.outcomes.fetched),
        )
        return [f"{now} {what} ({before} before)" for what, now, before in pairs if _fell(now, before)]


def _fell(now: int, before: int) -> bool:
    return before >= FALL_MIN_BEFORE and now < before * FALL_RATIO


@dataclass
class CrawlSummary:
    run_id: str
    status: str  # finished, failed, interrupted
    error: str | None  # why it failed (stats nianbao/error)
    no_network: bool
    sites: list[SiteSummary]

    def lines(self) -> list[str]:
        """The table of sites and what needs a look; nothing per site when there was no network at all."""
        if self.no_network:
            return []
        header = ("fetched", "ok", "errors", "challenge", "robots", "reports", "attach")
        widths = (7, 5, 6, 9, 6, 7, 6)
        lines = [f"{'site':<20} " + " ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True))]
        for s in self.sites:
            o = s.run.outcomes
            lines.append(
                f"{s.run.site:<20} {o.fetched:>7} {o[Outcome.OK]:>5} {o.errors:>6} {o[Outcome.CHALLENGE]:>9} "
                f"{o[Outcome.ROBOTS_REFUSED]:>6} {s.run.report_pages:>7} {s.run.attachments:>6}"
            )
        if self.status != "finished":
            return lines  # a run stopped early says nothing about its sites
        for s in self.sites:
            if s.silent:
                lines.append(
                    f"ERROR: {s.run.site} yielded no report "
                    "(set expect_reports = false in the registry if that is right)"
                )
        for s in self.sites:
            if s.falls():
                assert s.previous is not None
                lines.append(
                    f"WARNING: {s.run.site} fell sharply against its previous run {s.previous.run_id}: "
                    + ", ".join(s.falls())
                )
        return lines

    def failure(self) -> str | None:
        """One line when the run did not finish."""
        if self.status == "finished":
            return None
        return f"run {self.run_id} {self.status}" + (f": {self.error}" if self.error else "")

    def exit_status(self) -> int:
        """1: the run failed or was interrupted; 2: a registered site yielded no report; else 0."""
        if self.status != "finished":
            return 1
        return 2 if any(s.silent for s in self.sites) else 0


def summarise(data_dir: DataDir, run_id: str, sites: Mapping[str, Site]) -> CrawlSummary:
    with ProvenanceIndex(data_dir.index, readonly=True) as index:
        runs = index.runs()
        run = next((r for r in runs if r["run_id"] == run_id), None)
        if run is None:
            return CrawlSummary(run_id, "failed", "the run could not be recorded in the index", False, [])
        requested = sorted(json.loads(run["sites_json"] or "[]"))
        this = site_runs(index.fetches(run_id), index.discoveries(run_id))
        stats = json.loads(run["stats_json"] or "{}")
        no_network = any(e["kind"] == "no_network" for e in index.events(run_id))
        before = [
            r
            for r in reversed(runs[: runs.index(run)])
            if r["status"] == "finished" and sweep_of_run(r) == sweep_of_run(run)
        ]
        previous_run = {
            host: next((r["run_id"] for r in before if host in json.loads(r["sites_json"] or "[]")), None)
            for host in requested
        }
        previous: dict[tuple[str, str], SiteRun] = {}
        for prev in {p for p in previous_run.values() if p}:
            previous |= site_runs(index.fetches(prev), index.discoveries(prev))
    summaries = [
        SiteSummary(
            this.get((run_id, h)) or SiteRun(run_id, h),
            # A site crawled by discovery has no registry entry, hence no expectation.
            sites[h].expect_reports if h in sites else False,
            previous.get((previous_run[h], h)) if previous_run[h] else None,
        )
        for h in requested
    ]
    error = stats.get("nianbao/error") or (
        f"the crawl ended with {stats['finish_reason']}"
        if run["status"] == "failed" and "finish_reason" in stats
        else None
    )
    return CrawlSummary(run_id, run["status"], error, no_network, summaries)
