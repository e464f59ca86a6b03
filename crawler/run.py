"""Running a crawl in this process (what `nianbao crawl` and `nianbao demo` do), and its summary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.index import ProvenanceIndex
from archive.stats import SiteRun, site_runs
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
        "LOG_LEVEL": options.log_level,
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


@dataclass
class SiteSummary:
    run: SiteRun
    expect_reports: bool

    @property
    def silent(self) -> bool:
        """A registered site that yielded no report: something changed on the site, or in our crawler."""
        return self.expect_reports and self.run.report_pages == 0


def summarise(data_dir: DataDir, run_id: str, sites: Mapping[str, Site]) -> list[SiteSummary]:
    with ProvenanceIndex(data_dir.index, readonly=True) as index:
        run = next(r for r in index.runs() if r["run_id"] == run_id)
        requested = json.loads(run["sites_json"] or "[]")
        runs = site_runs(index.fetches(run_id), index.discoveries(run_id), [run_id])
    # A site crawled by discovery has no registry entry, hence no expectation.
    return [
        SiteSummary(runs.get((run_id, h)) or SiteRun(run_id, h), sites[h].expect_reports if h in sites else False)
        for h in sorted(requested)
    ]


def summary_lines(summaries: list[SiteSummary]) -> list[str]:
    header = ("fetched", "ok", "errors", "challenge", "robots", "reports", "attach")
    lines = [f"{'site':<20} " + " ".join(f"{h:>{w}}" for h, w in zip(header, (7, 5, 6, 9, 6, 7, 6), strict=True))]
    for s in summaries:
        o = s.run.outcomes
        lines.append(
            f"{s.run.site:<20} {o.fetched:>7} {o[Outcome.OK]:>5} {o.errors:>6} {o[Outcome.CHALLENGE]:>9} "
            f"{o[Outcome.ROBOTS_REFUSED]:>6} {s.run.report_pages:>7} {s.run.attachments:>6}"
        )
    for s in summaries:
        if s.silent:
            lines.append(
                f"ERROR: {s.run.site} yielded no report (set expect_reports = false in the registry if that is right)"
            )
    return lines
