"""What each crawl run did on each site, from the provenance index alone. The crawl's summary and the build's
crawl_runs table are the same numbers, computed here."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from common.outcomes import Outcome, OutcomeCounts

REPORT_KINDS = ("report_page", "attachment")  # discoveries that are (or carry) a report document
FULL, INCREMENTAL = "full", "incremental"  # a run's sweep: every list page walked, or lists stopped at known reports


def sweep_of_run(run: Mapping[str, Any]) -> str:
    """A run's sweep (its settings_json "sweep"); runs written before sweeps existed walked everything."""
    return str(json.loads(run.get("settings_json") or "{}").get("sweep", FULL))


@dataclass
class SiteRun:
    run_id: str
    site: str
    outcomes: OutcomeCounts = field(default_factory=OutcomeCounts)
    report_pages: int = 0  # distinct URLs found: a document linked from two pages counts once
    attachments: int = 0


def site_runs(
    fetches: Iterable[dict[str, Any]], discoveries: Iterable[dict[str, Any]]
) -> dict[tuple[str, str], SiteRun]:
    """(run_id, site) -> SiteRun, for every pair that fetched or found anything. Which reports were new, changed or
    gone in a run needs their parsed content: the build counts them (publish/changes.py)."""
    runs: dict[tuple[str, str], SiteRun] = {}

    def of(run_id: str, site: str | None) -> SiteRun:
        key = (run_id, site or "")
        if key not in runs:
            runs[key] = SiteRun(*key)
        return runs[key]

    found: dict[tuple[str, str, str], set[str]] = defaultdict(set)  # (run, site, kind) -> urls
    for d in discoveries:
        if d["kind"] in REPORT_KINDS:
            found[(d["run_id"], d["site"] or "", d["kind"])].add(d["url"])
    for f in fetches:
        of(f["run_id"], f["site"]).outcomes[Outcome(f["outcome"])] += 1
    for (run_id, site, kind), urls in found.items():
        if kind == "report_page":
            of(run_id, site).report_pages = len(urls)
        else:
            of(run_id, site).attachments = len(urls)
    return runs
