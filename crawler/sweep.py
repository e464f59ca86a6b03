"""Full or incremental: how much of each site a run walks.

A full sweep walks every list page and fetches everything (conditionally when validators are known); an
incremental run stops a list at the first page that shows only known reports and reads known reports without
validators from the archive. A run is full when asked (`nianbao crawl --full`), when no earlier run finished, and
every NIANBAO_FULL_SWEEP_EVERY-th run: when the data directory's finished runs since its last full sweep number
N - 1. The count is per data directory (a `--site` run counts too), not per site.
"""

from __future__ import annotations

import json

from archive.index import ProvenanceIndex

FULL, INCREMENTAL = "full", "incremental"
DEFAULT_FULL_SWEEP_EVERY = 7


def sweep_of_run(run: dict) -> str:
    """A run's sweep; runs written before sweeps existed walked everything."""
    return str(json.loads(run.get("settings_json") or "{}").get("sweep", FULL))


def choose_sweep(index: ProvenanceIndex, run_id: str, *, full: bool, every: int) -> str:
    if full or every <= 1:
        return FULL
    finished = [r for r in index.runs() if r["status"] == "finished" and r["run_id"] != run_id]
    if not finished:
        return FULL
    since_full = 0
    for run in reversed(finished):
        if sweep_of_run(run) == FULL:
            break
        since_full += 1
    return FULL if since_full >= every - 1 else INCREMENTAL
