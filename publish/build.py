"""`nianbao build`: the archive (WARC + provenance index) in, reports.db out. No network.

The build runs in stages, one module each: select (which archived documents may be reports) -> parse (worker
processes, parse cache) -> select (which document is each page's report) -> versions (every capture of each report's
document, parsed, grouped by content) -> rows (documents, reports, versions, cells, extra rows; agencies named, ids
given) -> checks (each report's own, and the cross-year chain) -> coverage and deadlines -> changes
per run (new, changed, gone) -> crawl statistics (archive.stats, the same numbers as the crawl's summary; reports new,
changed and gone from the changes) -> write (aside, then renamed into place unless it
shrank: the publish gate, publish/write.py).

The same archive always gives the same database: no build timestamps, rows in a stable order, ids derived from each
report's agency and year (publish/versions.py), and the same rows for any number of workers, with or without the
parse cache. Memory stays bounded: only a small summary of each parse result is held; whole results are read back
from the cache one report at a time.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archive.index import ProvenanceIndex
from archive.stats import REPORT_KINDS, site_runs
from common.datadir import DataDir
from common.outcomes import Outcome, OutcomeCounts
from common.registry import Site
from common.template import check_specs
from parsers.pool import Limits, default_jobs
from parsers.version import parser_version
from publish.agencies import name_agencies
from publish.changes import Changes
from publish.checks import CrossYear, check_counts, check_rows
from publish.coverage import coverage_rows
from publish.parse_cache import ParseCache, document_key
from publish.parsing import ParseStage
from publish.rows import add_document, cell_rows, extra_rows, report_row, result_fields
from publish.select import candidates, choose, is_archived_ok, is_report, published_once
from publish.versions import History, assign_ids, version_fields, version_rows, versions_of
from publish.write import DatabaseWriter


@dataclass
class BuildSummary:
    sites: int = 0
    outcomes: OutcomeCounts = field(default_factory=OutcomeCounts)
    documents: int = 0
    reports: int = 0
    parsed: int = 0
    cached: int = 0
    parse_status: Counter = field(default_factory=Counter)
    reports_with_failed_checks: int = 0
    changed_after_publication: int = 0
    database: str = ""

    def lines(self) -> list[str]:
        others = ", ".join(f"{n} {status}" for status, n in sorted(self.parse_status.items()) if status != "ok")
        return [
            f"sites:              {self.sites}",
            f"pages fetched:      {self.outcomes.fetched} {self.outcomes.breakdown()}",
            f"documents archived: {self.documents} distinct payloads",
            f"documents parsed:   {self.parsed} ({self.cached} more taken from the parse cache)",
            f"reports found:      {self.reports}",
            f"reports parsed:     {self.parse_status['ok']}" + (f" (not parsed: {others})" if others else ""),
            f"checks failed:      {self.reports_with_failed_checks} reports with at least one failed check",
            f"reports changed:    {self.changed_after_publication} changed after their first publication",
            f"database:           {self.database}",
        ]


def _site_rows(sites: Mapping[str, Site]) -> Iterable[dict[str, Any]]:
    for s in sorted(sites.values(), key=lambda s: s.host):
        yield {
            "host": s.host,
            "name": s.name,
            "admin_code": s.admin_code,
            **s.region,
            "cms": s.cms,
            "start_urls": json.dumps(list(s.start_urls)),
            "expect_reports": int(s.expect_reports),
        }


def _listed(discoveries: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Run id -> the report pages and attachments it found."""
    listed: dict[str, set[str]] = defaultdict(set)
    for d in discoveries:
        if d["kind"] in REPORT_KINDS:
            listed[d["run_id"]].add(d["url"])
    return listed


def _crawl_run_rows(index: ProvenanceIndex, run_list: list[dict[str, Any]], changes: Changes) -> list[dict[str, Any]]:
    runs = {r["run_id"]: r for r in run_list}
    per_site = site_runs(index.fetches(), index.discoveries())
    counts = changes.counts()
    rows = []
    for (run_id, site), s in sorted(per_site.items()):
        run, o, changed = runs.get(run_id, {}), s.outcomes, counts.get((run_id, site), Counter())
        rows.append(
            {
                "run_id": run_id,
                "site": site,
                "started_at": run.get("started_at"),
                "finished_at": run.get("finished_at"),
                "status": run.get("status"),
                "fetches": o.fetched,
                "ok": o[Outcome.OK],
                "http_errors": o[Outcome.HTTP_ERROR],
                "challenges": o[Outcome.CHALLENGE],
                "robots_refused": o[Outcome.ROBOTS_REFUSED],
                "network_errors": o.network_errors,
                "report_pages_found": s.report_pages,
                "attachments_found": s.attachments,
                "reports_new": changed["new"],
                "reports_changed": changed["changed"],
                "reports_gone": changed["gone"],
            }
        )
    return rows


def build(
    data_dir: DataDir,
    sites: Mapping[str, Site],
    jobs: int | None = None,
    limits: Limits | None = None,
    progress: Callable[[str], None] = lambda _: None,
    accept_shrink: bool = False,
) -> BuildSummary:
    if not data_dir.has_archive():
        raise FileNotFoundError(f"no archive in {data_dir.archive}: run `nianbao crawl` first")
    summary = BuildSummary(sites=len(sites), database=str(data_dir.database))
    index = ProvenanceIndex(data_dir.index, readonly=True)
    cache = ParseCache(data_dir.parse_cache, parser_version())
    writer = DatabaseWriter(
        data_dir.database, data_dir.staging_database(), data_dir.refused_database, data_dir.database_inspect
    )
    try:
        # select: every report page and what it attaches (one pass over the index's fetches), and every capture of
        # each (for versions)
        discoveries = list(index.discoveries())
        history = History({d["url"] for d in discoveries if d["kind"] in REPORT_KINDS})
        latest: dict[str, dict[str, Any]] = {}
        documents: dict[str, dict[str, Any]] = {}
        as_of = "1970-01-01"
        for fetch in index.fetches():
            summary.outcomes[fetch["outcome"]] += 1
            as_of = max(as_of, fetch["fetched_at"])
            add_document(documents, fetch)
            history.add(fetch)
            if is_archived_ok(fetch):
                latest[fetch["url"]] = fetch
        groups = candidates(latest, discoveries)
        # parse: the pages first; the attachments only of pages that are not reports themselves
        stage = ParseStage(data_dir, cache, jobs or default_jobs(), limits or Limits(), progress)
        progress(f"parsing {len(groups)} report pages and their attachments")
        summaries = stage.run(g[0].fetch for g in groups)
        summaries |= stage.run(c.fetch for g in groups if not is_report(summaries[g[0].key]) for c in g[1:])
        # select: each page's report(s), each document once; then every earlier capture of their documents
        published = published_once([f for g in groups for f in choose(g, summaries)])
        earlier = history.fetches(f.candidate.url for f, _ in published)
        summaries |= stage.run(f for f in earlier if document_key(f) not in summaries)
        summary.parsed, summary.cached = stage.parsed, stage.cached
        # rows; versions; agencies and ids; cross-year pairs; coverage
        regions = {host: s.region for host, s in sites.items()}
        reports, found_versions = [], []
        for f, also_at in published:
            found_versions.append(versions_of(history.of[f.candidate.url], summaries, is_report(f.summary)))
            row = report_row(f, also_at, regions.get(f.candidate.site or ""))
            reports.append(row | version_fields(found_versions[-1], summaries, f.page["published_on"]))
        agencies = name_agencies(reports, regions, {host: s.admin_code for host, s in sites.items()})
        assign_ids(reports)
        versions = {r["id"]: v for r, v in zip(reports, found_versions, strict=True)}
        # Newest year first: the order of rowids, which the site's search results follow (plugins/search_box.py)
        reports.sort(key=lambda r: (-(r["year"] or 0), r["id"]))
        cross_year = CrossYear(
            reports, {r["id"]: summaries[versions[r["id"]][-1].key]["across_years"] for r in reports}
        )
        coverage = coverage_rows(reports, agencies, as_of)
        for version in (v for report_versions in versions.values() for v in report_versions):
            documents[version.fetch["sha256"]]["format"] = summaries[version.key]["format"]
        runs = index.runs()
        changes = Changes(runs, _listed(discoveries), history.missing)
        del discoveries, latest, history, found_versions

        progress(f"writing {len(reports)} reports to the database")
        writer.insert("sites", _site_rows(sites))
        writer.insert("check_rules", (vars(c) | {"check_key": c.key} for c in check_specs().values()))
        writer.insert("fetches", index.fetches())  # streamed again from the index
        writer.insert("documents", (documents[k] for k in sorted(documents)))
        writer.insert("agencies", (agencies[k] for k in sorted(agencies)))
        all_versions: list[dict[str, Any]] = []
        for r in reports:  # one whole parse result at a time
            report_versions = versions[r["id"]]
            result = stage.result(report_versions[-1].key)
            checks = check_rows(r, result, cross_year)
            r.update(result_fields(result), **check_counts(checks))
            writer.insert("reports", [r])
            writer.insert("cells", cell_rows(r["id"], result))
            writer.insert("checks", checks)
            writer.insert("extra_rows", extra_rows(r["id"], result))
            changes.add(r, report_versions, stage.result)
            all_versions += version_rows(r, report_versions, summaries)
            summary.parse_status[r["parse_status"]] += 1
            summary.reports_with_failed_checks += r["checks_failed"] > 0
            summary.changed_after_publication += r["changed_after_publication"]
            r.pop("body")  # the text is written; coverage and checks need only the small fields
        writer.insert("report_versions", all_versions)  # small rows: one batch, not one insert per report
        writer.insert("changes", changes.sorted_rows())
        writer.insert("cell_changes", changes.sorted_cell_rows())
        writer.insert("crawl_runs", _crawl_run_rows(index, runs, changes))
        writer.insert("coverage", coverage)
        writer.finish(accept_shrink)  # the publish gate: raises publish.write.ShrinkRefused
        cache.drop_other_versions()
    except BaseException:
        writer.abandon()
        raise
    finally:
        index.close()
        cache.close()  # what was parsed is kept, even when the build fails later
    summary.documents, summary.reports = len(documents), len(reports)
    return summary
