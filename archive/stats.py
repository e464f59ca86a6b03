"""What each crawl run did on each site, from the provenance index alone. The crawl's summary and the build's
crawl_runs table are the same numbers, computed here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from common.outcomes import Outcome, OutcomeCounts

REPORT_KINDS = ("report_page", "attachment")  # discoveries that are (or carry) a report document


@dataclass
class SiteRun:
    run_id: str
    site: str
    outcomes: OutcomeCounts = field(default_factory=OutcomeCounts)
    report_pages: int = 0  # distinct URLs found: a document linked from two pages counts once
    attachments: int = 0
    reports_new: int = 0  # report documents fetched for the first time
    reports_changed: int = 0  # report documents whose bytes differ from the last run that fetched them


def site_runs(
    fetches: Iterable[dict[str, Any]], discoveries: Iterable[dict[str, Any]], run_order: list[str]
) -> dict[tuple[str, str], SiteRun]:
    """(run_id, site) -> SiteRun, for every pair that fetched or found anything. `run_order`: oldest run first."""
    runs: dict[tuple[str, str], SiteRun] = {}

    def of(run_id: str, site: str | None) -> SiteRun:
        key = (run_id, site or "")
        if key not in runs:
            runs[key] = SiteRun(*key)
        return runs[key]

    found: dict[tuple[str, str, str], set[str]] = defaultdict(set)  # (run, site, kind) -> urls
    report_urls: dict[str, set[str]] = defaultdict(set)  # run -> urls of report documents it found
    site_of: dict[str, str] = {}
    for d in discoveries:
        if d["kind"] in REPORT_KINDS:
            found[(d["run_id"], d["site"] or "", d["kind"])].add(d["url"])
            report_urls[d["run_id"]].add(d["url"])
            site_of[d["url"]] = d["site"] or ""
    fetched: dict[str, dict[str, str]] = defaultdict(dict)  # run -> url -> sha256 of its report documents
    for f in fetches:
        of(f["run_id"], f["site"]).outcomes[Outcome(f["outcome"])] += 1
        if f["outcome"] == Outcome.OK and f["url"] in report_urls[f["run_id"]]:
            fetched[f["run_id"]][f["url"]] = f["sha256"]
    for (run_id, site, kind), urls in found.items():
        if kind == "report_page":
            of(run_id, site).report_pages = len(urls)
        else:
            of(run_id, site).attachments = len(urls)
    last_seen: dict[str, str] = {}
    for run_id in run_order:
        for url, sha in fetched[run_id].items():
            if url not in last_seen:
                of(run_id, site_of[url]).reports_new += 1
            elif last_seen[url] != sha:
                of(run_id, site_of[url]).reports_changed += 1
        last_seen.update(fetched[run_id])
    return runs
