"""`nianbao build`: the archive (WARC + provenance index) in, data/reports.db out. No network.

The database is written aside and renamed into place, so a reader never sees half a build, and the same archive
always gives the same database (no build timestamps, rows in a stable order, ids derived from content).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.index import ProvenanceIndex
from archive.reader import read_response
from crawler.registry import Site, load
from parsers import parse
from parsers.model import CheckResult, ParseResult
from parsers.report import agency_of, year_of
from parsers.template import templates

SCHEMA = Path(__file__).with_name("schema.sql")
REPORT_TEMPLATES = ("2019", "2021", "legacy")
YUAN_PER_UNIT = {"元": 1, "万元": 10_000, "亿元": 100_000_000}


@dataclass
class BuildSummary:
    sites: int = 0
    fetches: int = 0
    outcomes: Counter = field(default_factory=Counter)
    documents: int = 0
    reports: int = 0
    parse_status: Counter = field(default_factory=Counter)
    reports_with_failed_checks: int = 0
    database: str = ""

    def lines(self) -> list[str]:
        o = self.outcomes
        return [
            f"sites:              {self.sites}",
            f"pages fetched:      {self.fetches} ({o['ok']} ok, {o['http_error']} HTTP errors, "
            f"{o['challenge']} challenges, {o['robots_refused']} refused by robots.txt, "
            f"{o['network_error']} network errors)",
            f"documents archived: {self.documents} distinct payloads",
            f"reports found:      {self.reports}",
            f"reports parsed:     {self.parse_status['ok']}{self._unparsed()}",
            f"checks failed:      {self.reports_with_failed_checks} reports with at least one failed check",
            f"database:           {self.database}",
        ]

    def _unparsed(self) -> str:
        others = ", ".join(f"{n} {status}" for status, n in sorted(self.parse_status.items()) if status != "ok")
        return f" (not parsed: {others})" if others else ""


def _agency_level(name: str) -> str:
    if re.search(r"街道(办事处)?$", name):
        return "街道"
    if re.search(r"(镇|乡)(人民政府)?$", name):
        return "乡镇"
    m = re.search(r"(省|市|区|县|旗)人民政府$", name)
    if m:
        return {"省": "省", "市": "市"}.get(m.group(1), "区县")
    return "部门"


def _without_extension(link_text: str | None) -> str | None:
    """A link text like 某某2021年政府信息公开工作年度报告.pdf, as a title."""
    return re.sub(r"\.(pdf|docx?|wps|xlsx?|ofd)$", "", link_text, flags=re.I) if link_text else None


def _stable_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass
class Candidate:
    """A document that may be a report: a report page, or an attachment of one."""

    url: str
    detail_url: str
    site: str | None
    list_title: str | None
    fetch: dict[str, Any]


class Builder:
    def __init__(self, data_dir: Path, sites: dict[str, Site], progress: Callable[[str], None]):
        self.root = data_dir / "archive"
        self.sites = sites
        self.progress = progress
        self.index = ProvenanceIndex(self.root, readonly=True)
        self.fetches = list(self.index.fetches())
        self.discoveries = list(self.index.discoveries())
        self._parsed: dict[str, ParseResult] = {}

    def latest_ok(self) -> dict[str, dict[str, Any]]:
        """The last successful fetch of each URL."""
        latest: dict[str, dict[str, Any]] = {}
        for f in self.fetches:
            if f["outcome"] == "ok" and f["warc_file"]:
                latest[f["url"]] = f
        return latest

    def parse_fetch(self, fetch: dict[str, Any]) -> ParseResult:
        """Parse archived bytes once per distinct payload."""
        sha = fetch["sha256"]
        if sha not in self._parsed:
            response = read_response(self.root, fetch["warc_file"], fetch["warc_offset"], self.index)
            self._parsed[sha] = parse(response.body, response.content_type, response.url)
        return self._parsed[sha]

    def candidates(self) -> list[list[Candidate]]:
        """Per report page: the page itself first, then its attachments."""
        latest = self.latest_ok()
        pages: dict[str, Candidate] = {}
        attachments: dict[str, list[Candidate]] = defaultdict(list)
        for d in sorted(self.discoveries, key=lambda d: (d["url"], d["id"])):
            fetch = latest.get(d["url"])
            if fetch is None:
                continue  # never fetched successfully: its outcome is in the fetches table
            if d["kind"] == "report_page" and d["url"] not in pages:
                pages[d["url"]] = Candidate(d["url"], d["url"], d["site"], d["title"], fetch)
            elif d["kind"] == "attachment":
                referrer = d["referrer"] or d["url"]
                if all(c.url != d["url"] for c in attachments[referrer]):
                    attachments[referrer].append(Candidate(d["url"], referrer, d["site"], d["title"], fetch))
        return [[page, *attachments.get(url, [])] for url, page in sorted(pages.items())]

    def choose(self, group: list[Candidate]) -> list[tuple[Candidate, ParseResult]]:
        """The report(s) a page publishes: the page when it carries the tables (or is a legacy report), else each
        attachment that does; else the page, with the status that says why it could not be read."""
        results = [(c, self.parse_fetch(c.fetch)) for c in group]
        page, page_result = results[0]
        if page_result.status == "ok" and page_result.template in REPORT_TEMPLATES:
            return [results[0]]
        parsed = [(c, r) for c, r in results[1:] if r.status == "ok" and r.template in REPORT_TEMPLATES]
        if parsed:
            return parsed
        unreadable = [(c, r) for c, r in results[1:] if r.status in ("needs_ocr", "error", "no_tables")]
        return unreadable or [results[0]]


def _cell_rows(report_id: str, result: ParseResult) -> list[dict[str, Any]]:
    tpl = templates().get(result.template or "")
    rows = []
    for c in result.cells:
        row_label, column_label = tpl.label_of(c.table, c.row, c.column) if tpl else (None, None)
        factor = YUAN_PER_UNIT.get(c.unit or "")
        rows.append(
            {
                "report_id": report_id,
                "table_key": c.table,
                "row_key": c.row,
                "column_key": c.column,
                "row_label": row_label,
                "column_label": column_label,
                "value": c.value,
                "raw": c.raw,
                "unit": c.unit,
                "value_yuan": c.value * factor if factor and c.value is not None else None,
            }
        )
    return rows


def carry_over_chain(current: dict[str, Any], previous: dict[str, Any] | None, year: int) -> CheckResult:
    """Same agency: carried_over of year N equals carried_forward of year N-1, per column where both exist."""
    if previous is None:
        return CheckResult(
            "carry_over_chain",
            "not_assessable",
            "error",
            [{"where": "total", "status": "not_assessable", "reason": f"no {year - 1} report archived"}],
        )
    details = []
    for col in ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"):
        now, before = current.get(f"requests.carried_over.{col}"), previous.get(f"requests.carried_forward.{col}")
        if now is None or before is None:
            details.append(
                {"where": col, "status": "not_assessable", "carried_over": now, "previous_carried_forward": before}
            )
        else:
            details.append(
                {
                    "where": col,
                    "status": "pass" if now == before else "fail",
                    "carried_over": now,
                    "previous_carried_forward": before,
                }
            )
    statuses = {d["status"] for d in details}
    status = "fail" if "fail" in statuses else "not_assessable" if "not_assessable" in statuses else "pass"
    return CheckResult("carry_over_chain", status, "error", details)


def _crawl_run_rows(fetches: Iterable[dict], discoveries: Iterable[dict], runs: list[dict]) -> list[dict[str, Any]]:
    per: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for f in fetches:
        per[(f["run_id"], f["site"] or "")][f["outcome"]] += 1
    found: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for d in discoveries:
        found[(d["run_id"], d["site"] or "")][d["kind"]] += 1
    run_info = {r["run_id"]: r for r in runs}
    rows = []
    for (run_id, site), outcomes in sorted(per.items()):
        info = run_info.get(run_id, {})
        rows.append(
            {
                "run_id": run_id,
                "site": site,
                "started_at": info.get("started_at"),
                "finished_at": info.get("finished_at"),
                "status": info.get("status"),
                "fetches": sum(outcomes.values()),
                "ok": outcomes["ok"],
                "http_errors": outcomes["http_error"],
                "challenges": outcomes["challenge"],
                "robots_refused": outcomes["robots_refused"],
                "network_errors": outcomes["network_error"] + outcomes["too_large"],
                "report_pages_found": found[(run_id, site)]["report_page"],
                "attachments_found": found[(run_id, site)]["attachment"],
            }
        )
    return rows


def build(
    data_dir: Path | str, registry: Path | str | None = None, progress: Callable[[str], None] = lambda _: None
) -> BuildSummary:
    data_dir = Path(data_dir)
    if not (data_dir / "archive" / "index.sqlite").exists():
        raise FileNotFoundError(f"no archive in {data_dir / 'archive'}: run `nianbao crawl` first")
    sites = load(registry)
    builder = Builder(data_dir, sites, progress)
    summary = BuildSummary(sites=len(sites), fetches=len(builder.fetches))
    summary.outcomes.update(f["outcome"] for f in builder.fetches)

    target = data_dir / "reports.db"
    tmp = data_dir / f".reports.db.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    db = sqlite_utils.Database(tmp)
    db.conn.executescript(SCHEMA.read_text(encoding="utf-8"))

    db["sites"].insert_all(
        {
            "host": s.host,
            "name": s.name,
            "admin_code": s.admin_code,
            **s.region,
            "cms": s.cms,
            "start_urls": json.dumps(list(s.start_urls)),
            "expect_reports": int(s.expect_reports),
        }
        for s in sorted(sites.values(), key=lambda s: s.host)
    )
    fetch_columns = [c for c in db["fetches"].columns_dict]
    db["fetches"].insert_all({k: f.get(k) for k in fetch_columns} for f in builder.fetches)
    db["crawl_runs"].insert_all(_crawl_run_rows(builder.fetches, builder.discoveries, builder.index.runs()))

    documents: dict[str, dict[str, Any]] = {}
    for f in builder.fetches:
        if f["outcome"] != "ok" or not f["sha256"]:
            continue
        doc = documents.get(f["sha256"])
        if doc is None:
            documents[f["sha256"]] = {
                "sha256": f["sha256"],
                "url": f["url"],
                "site": f["site"],
                "content_type": f["content_type"],
                "format": None,
                "size": f["length"],
                "first_seen": f["fetched_at"],
                "last_seen": f["fetched_at"],
                "fetch_count": 1,
                "warc_file": f["warc_file"],
                "warc_offset": f["warc_offset"],
                "warc_record_id": f["warc_record_id"],
            }
        else:
            doc["last_seen"] = max(doc["last_seen"], f["fetched_at"])
            doc["first_seen"] = min(doc["first_seen"], f["fetched_at"])
            doc["fetch_count"] += 1

    groups = builder.candidates()
    progress(f"parsing {len(groups)} report pages and their attachments")
    chosen: list[tuple[Candidate, ParseResult]] = []
    for n, group in enumerate(groups, 1):
        chosen += builder.choose(group)
        if n % 10 == 0 or n == len(groups):
            progress(f"  parsed {n}/{len(groups)} report pages")

    agencies: dict[str, dict[str, Any]] = {}
    reports: list[dict[str, Any]] = []
    cells: list[dict[str, Any]] = []
    seen_documents: set[str] = set()
    values_by_report: dict[str, dict[str, Any]] = {}
    for candidate, result in chosen:
        sha = candidate.fetch["sha256"]
        if sha in seen_documents:
            continue  # the same report reached through several pages
        seen_documents.add(sha)
        documents[sha]["format"] = result.format
        site = sites.get(candidate.site or "")
        region = site.region if site else {"province": None, "city": None, "county": None}
        agency = result.agency or (agency_of(candidate.list_title) if candidate.list_title else None) or "(unknown)"
        agency_id = _stable_id(candidate.site or "", agency)
        agencies.setdefault(
            agency_id,
            {
                "id": agency_id,
                "name": agency,
                "level": _agency_level(agency),
                **region,
                "admin_code": site.admin_code if site else None,
                "site": candidate.site,
            },
        )
        report_id = sha[:16]
        checks = result.checks
        reports.append(
            {
                "id": report_id,
                "agency_id": agency_id,
                "agency": agency,
                "year": result.year or (year_of(candidate.list_title) if candidate.list_title else None),
                "title": result.title or _without_extension(candidate.list_title),
                "template": result.template,
                "published_on": result.published_on,
                "site": candidate.site,
                **region,
                "detail_url": candidate.detail_url,
                "document_url": candidate.url,
                "document_sha256": sha,
                "format": result.format,
                "parse_status": result.status,
                "parse_error": result.error,
                "cells_count": len(result.cells),
                "list_title": candidate.list_title,
                "body": result.text,
                "_checks": checks,
                "_result": result,
            }
        )
        report_cells = _cell_rows(report_id, result)
        cells += report_cells
        values_by_report[report_id] = {
            f"{c['table_key']}.{c['row_key']}.{c['column_key']}": c["value"] for c in report_cells
        }

    # Cross-year check per agency: needs every report of the agency, so it runs here, not in the parser.
    by_agency_year = {(r["agency_id"], r["year"]): r for r in reports if r["template"] in ("2019", "2021")}
    for r in reports:
        if r["template"] in ("2019", "2021") and r["year"]:
            previous = by_agency_year.get((r["agency_id"], r["year"] - 1))
            r["_checks"] = [
                *r["_checks"],
                carry_over_chain(
                    values_by_report[r["id"]], values_by_report[previous["id"]] if previous else None, r["year"]
                ),
            ]

    check_rows, extra_rows = [], []
    for r in reports:
        statuses = Counter(c.status for c in r["_checks"] if c.severity == "error")
        r.update(
            checks_passed=statuses["pass"],
            checks_failed=statuses["fail"],
            checks_not_assessable=statuses["not_assessable"],
        )
        check_rows += [
            {
                "report_id": r["id"],
                "check_key": c.key,
                "status": c.status,
                "severity": c.severity,
                "details": json.dumps(c.details, ensure_ascii=False),
            }
            for c in r["_checks"]
        ]
        extra_rows += [
            {
                "report_id": r["id"],
                "table_key": e.table,
                "position": i,
                "labels": json.dumps(e.labels, ensure_ascii=False),
                "cell_texts": json.dumps(e.values, ensure_ascii=False),
            }
            for i, e in enumerate(r["_result"].extra_rows)
        ]
        summary.parse_status[r["parse_status"]] += 1
        summary.reports_with_failed_checks += statuses["fail"] > 0

    db["documents"].insert_all(documents[k] for k in sorted(documents))
    db["agencies"].insert_all(agencies[k] for k in sorted(agencies))
    db["reports"].insert_all(
        {k: v for k, v in r.items() if not k.startswith("_")} for r in sorted(reports, key=lambda r: r["id"])
    )
    db["cells"].insert_all(sorted(cells, key=lambda c: (c["report_id"], c["table_key"], c["row_key"], c["column_key"])))
    db["checks"].insert_all(sorted(check_rows, key=lambda c: (c["report_id"], c["check_key"])))
    db["extra_rows"].insert_all(sorted(extra_rows, key=lambda e: (e["report_id"], e["table_key"], e["position"])))
    # Chinese has no spaces between words: trigram FTS finds any substring of 3+ characters.
    db["reports"].enable_fts(["title", "agency", "body"], tokenize="trigram", create_triggers=False)
    db.conn.commit()
    db.close()
    os.replace(tmp, target)

    summary.documents = len(documents)
    summary.reports = len(reports)
    summary.database = str(target)
    return summary
