"""Full or incremental: how much of each site a run walks.

A full sweep walks every list page and fetches everything (conditionally when validators are known); an
incremental run stops a list at the first page that shows only known reports and reads known reports without
validators from the archive. A run is full when asked (`nianbao crawl --full`), when no earlier run finished, and
every NIANBAO_FULL_SWEEP_EVERY-th run: when the data directory's finished runs since its last full sweep number
N - 1. The count is per data directory (a `--site` run counts too), not per site.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from archive.index import ProvenanceIndex
from archive.stats import FULL, INCREMENTAL, sweep_of_run

DEFAULT_FULL_SWEEP_EVERY = 7


def finished_since_full_sweep(runs: Iterable[dict[str, Any]]) -> int | None:
    """How many finished runs came after the last finished full sweep (runs oldest first); None: none finished."""
    finished = [r for r in runs if r["status"] == "finished"]
    if not finished:
        return None
    since_full = 0
    for run in reversed(finished):
        if sweep_of_run(run) == FULL:
            break
        since_full += 1
    return since_full


def full_sweep_due(since_full: int | None, every: int) -> bool:
    return since_full is None or every <= 1 or since_full >= every - 1


def choose_sweep(index: ProvenanceIndex, run_id: str, *, full: bool, every: int) -> str:
    """The sweep of run `run_id` about to start."""
    since_full = finished_since_full_sweep(r for r in index.runs() if r["run_id"] != run_id)
    return FULL if full or full_sweep_due(since_full, every) else INCREMENTAL
