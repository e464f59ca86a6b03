"""Build stage "changes": per crawl run, which reports were new, changed (a new version: new content, never just new
bytes) or gone, and the cells whose values changed. The one home of these counts: crawl_runs' reports_new,
reports_changed and reports_gone are counted from the same rows.

- new: the report's first version was first seen in that run.
- changed: a later version was first seen in that run; `cells` holds each changed cell, keyed "table.row.column",
  as [old, new] printed texts (a cell only one version has is null in the other); null when only the text changed.
- gone: the report was listed before, and this run is a full sweep (settings "sweep": "full") that finished and
  covered the report's site, in which its detail page was not listed, or it or its document answered 404/410.
  Incremental runs stop early on known lists, and an interrupted or failed run saw only part of a site: neither
  declares anything gone. A report is gone once; listed again, it can be gone again later.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from archive.stats import FULL, sweep_of_run
from parsers.model import Cell, ParseResult
from publish.parse_cache import Key
from publish.versions import Version

KINDS = ("new", "changed", "gone")


def is_full_sweep_of(run: Mapping[str, Any], site: str | None) -> bool:
    """A run that saw all of the site: finished, walked every list page, and covered the site."""
    sites = json.loads(run.get("sites_json") or "[]")
    return run["status"] == "finished" and sweep_of_run(run) == FULL and site in sites


def _printed(cell: Cell | None) -> str | None:
    return None if cell is None else cell.raw


def _same(old: Cell | None, new: Cell | None) -> bool:
    if old is None or new is None:
        return old is new
    if old.value is not None or new.value is not None:
        return old.value == new.value
    return (old.raw or "").strip() == (new.raw or "").strip()


def cell_changes(old: ParseResult, new: ParseResult) -> list[tuple[str, Cell | None, Cell | None]]:
    """(key "table.row.column", old, new) of each cell whose value differs, in key order."""
    before, after = {c.key: c for c in old.cells}, {c.key: c for c in new.cells}
    keys = sorted(before | after)
    return [(k, before.get(k), after.get(k)) for k in keys if not _same(before.get(k), after.get(k))]


class Changes:
    """Collects the changes rows of every report, then counts them per (run, site)."""

    def __init__(
        self, runs: Sequence[Mapping[str, Any]], listed: Mapping[str, set[str]], missing: set[tuple[str, str]]
    ):
        self.runs = runs  # oldest first
        self.listed = listed  # run id -> report URLs discovered in that run
        self.missing = missing  # (run id, url) that answered 404/410
        self.rows: list[dict[str, Any]] = []
        self.cell_rows: list[dict[str, Any]] = []

    def add(self, report: Mapping[str, Any], versions: list[Version], result: Callable[[Key], ParseResult]) -> None:
        """`result`: the whole parse result of a document (read only for changed reports)."""
        self._row(versions[0].first_run, report, "new", versions[0].number)
        for old, new in zip(versions, versions[1:], strict=False):
            changed = cell_changes(result(old.key), result(new.key))
            cells = {key: [_printed(o), _printed(n)] for key, o, n in changed}
            self._row(new.first_run, report, "changed", new.number, cells)
            self.cell_rows += [self._cell_row(new.first_run, report["id"], *change) for change in changed]
        for run in self._gone_in(report):
            self._row(run, report, "gone", versions[-1].number)

    def _gone_in(self, report: Mapping[str, Any]) -> Iterable[str]:
        urls = (report["detail_url"], report["document_url"])
        listed = False
        for run in self.runs:
            run_id = run["run_id"]
            absent = report["detail_url"] not in self.listed.get(run_id, ()) or any(
                (run_id, url) in self.missing for url in urls
            )
            if not absent:
                listed = True
            elif listed and is_full_sweep_of(run, report["site"]):
                listed = False
                yield run_id

    def _row(
        self, run_id: str, report: Mapping[str, Any], change: str, version: int, cells: dict | None = None
    ) -> None:
        self.rows.append(
            {
                "run_id": run_id,
                "report_id": report["id"],
                "change": change,
                "version": version,
                "site": report["site"],
                "agency_id": report["agency_id"],
                "agency": report["agency"],
                "year": report["year"],
                "detail_url": report["detail_url"],
                "document_url": report["document_url"],
                "cells": json.dumps(cells, ensure_ascii=False, sort_keys=True) if cells else None,
            }
        )

    @staticmethod
    def _cell_row(run_id: str, report_id: str, key: str, old: Cell | None, new: Cell | None) -> dict[str, Any]:
        table, row, column = key.split(".")
        return {
            "run_id": run_id,
            "report_id": report_id,
            "table_key": table,
            "row_key": row,
            "column_key": column,
            "old_value": old.value if old else None,
            "new_value": new.value if new else None,
            "old_raw": _printed(old),
            "new_raw": _printed(new),
        }

    def sorted_rows(self) -> list[dict[str, Any]]:
        """Runs oldest first, then by report, then new, changed, gone."""
        order = {run["run_id"]: n for n, run in enumerate(self.runs)}
        return sorted(
            self.rows,
            key=lambda r: (
                order.get(r["run_id"], len(order)), r["run_id"], r["report_id"], KINDS.index(r["change"]), r["version"]
            ),
        )  # fmt: skip

    def sorted_cell_rows(self) -> list[dict[str, Any]]:
        order = {run["run_id"]: n for n, run in enumerate(self.runs)}
        return sorted(
            self.cell_rows,
            key=lambda r: (
                order.get(r["run_id"], len(order)), r["run_id"], r["report_id"], r["table_key"], r["row_key"],
                r["column_key"],
            ),
        )  # fmt: skip

    def counts(self) -> dict[tuple[str, str], Counter]:
        """(run id, site) -> how many reports were new, changed, gone."""
        per: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for r in self.rows:
            per[(r["run_id"], r["site"] or "")][r["change"]] += 1
        return per
