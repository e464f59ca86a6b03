"""`nianbao build`: the archive (WARC + provenance index) in, data/reports.db out. No network.

The database is written aside and renamed into place, so a reader never sees half a build, and the same archive
always gives the same database (no build timestamps, rows in a stable order, ids derived from content).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.index import ProvenanceIndex, found_per_site
from archive.reader import read_response
from common.datadir import DataDir
from common.recognise import agency_of, is_unit_name, year_of
from common.template import templates
from crawler.registry import Site, load
from parsers import parse
from parsers.model import CheckResult, ParseResult
from publish.agencies import agency_id, agency_level, canonical_names, full_name

SCHEMA = Path(__file__).with_name("schema.sql")
REPORT_TEMPLATES = ("2019", "2021", "legacy")
YUAN_PER_UNIT = {"元": 1, "万元": 10_000, "亿元": 100_000_000}
REQUEST_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")


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
        others = ", ".join(f"{n} {status}" for status, n in sorted(self.parse_status.items()) if status != "ok")
        return [
            f"sites:              {self.sites}",
            f"pages fetched:      {self.fetches} ({o['ok']} ok, {o['http_error']} HTTP errors, "
            f"{o['challenge']} challenges, {o['robots_refused']} refused by robots.txt, "
            f"{o['network_error']} network errors)",
            f"documents archived: {self.documents} distinct payloads",
            f"reports found:      {self.reports}",
            f"reports parsed:     {self.parse_status['ok']}" + (f" (not parsed: {others})" if others else ""),
            f"checks failed:      {self.reports_with_failed_checks} reports with at least one failed check",
            f"database:           {self.database}",
        ]


@dataclass
class Candidate:
    """A document that may be a report: a report page, or an attachment of one."""

    url: str
    detail_url: str
    site: str | None
    list_title: str | None
    fetch: dict[str, Any]
    column: str | None = None  # the list column's link text (the unit's name on many sites)


@dataclass
class Found:
    """A report the build will publish: the document it was read from and the page that published it."""

    candidate: Candidate
    result: ParseResult
    page: ParseResult


class Archive:
    """Read access to the archive, parsing each distinct payload once."""

    def __init__(self, data_dir: DataDir):
        self.warc_dir = data_dir.warc_dir
        self.index = ProvenanceIndex(data_dir.index, readonly=True)
        self.fetches = list(self.index.fetches())
        self.discoveries = list(self.index.discoveries())
        self._parsed: dict[str, ParseResult] = {}

    def parse(self, fetch: dict[str, Any]) -> ParseResult:
        sha = fetch["sha256"]
        if sha not in self._parsed:
            response = read_response(self.warc_dir, fetch["warc_file"], fetch["warc_offset"], self.index)
            self._parsed[sha] = parse(response.body, response.content_type, response.url)
        return self._parsed[sha]

    def candidates(self) -> list[list[Candidate]]:
        """Per report page (its last successful fetch): the page itself first, then its attachments."""
        latest = {f["url"]: f for f in self.fetches if f["outcome"] == "ok" and f["warc_file"]}
        pages: dict[str, Candidate] = {}
        attachments: dict[str, list[Candidate]] = defaultdict(list)
        for d in sorted(self.discoveries, key=lambda d: (d["url"], d["id"])):
            fetch = latest.get(d["url"])
            if fetch is None:
                continue  # never fetched successfully: its outcome is in the fetches table
            if d["kind"] == "report_page":
                pages.setdefault(
                    d["url"], Candidate(d["url"], d["url"], d["site"], d["title"], fetch, d["agency_hint"])
                )
            elif d["kind"] == "attachment":
                page = d["referrer"] if d["referrer"] in latest else d["url"]
                if page == d["url"]:  # an attachment linked straight from a list stands for itself
                    pages.setdefault(
                        d["url"], Candidate(d["url"], d["url"], d["site"], d["title"], fetch, d["agency_hint"])
                    )
                elif all(c.url != d["url"] for c in attachments[page]):
                    attachments[page].append(Candidate(d["url"], page, d["site"], d["title"], fetch))
        return [
            [page, *(replace(a, column=page.column) for a in attachments.get(url, []))]
            for url, page in sorted(pages.items())
        ]

    def choose(self, group: list[Candidate]) -> list[Found]:
        """The report(s) a page publishes: the page when it carries the tables (or is a legacy report), else each
        attachment that does; else what could not be read, with the status that says why."""
        page_result = self.parse(group[0].fetch)
        if page_result.status == "ok" and page_result.template in REPORT_TEMPLATES:
            return [Found(group[0], page_result, page_result)]
        attached = [Found(c, self.parse(c.fetch), page_result) for c in group[1:]]
        parsed = [f for f in attached if f.result.status == "ok" and f.result.template in REPORT_TEMPLATES]
        unreadable = [f for f in attached if f.result.status in ("needs_ocr", "error", "no_tables")]
        return parsed or unreadable or [Found(group[0], page_result, page_result)]


def _document_rows(fetches: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for f in fetches:
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
            doc["first_seen"] = min(doc["first_seen"], f["fetched_at"])
            doc["last_seen"] = max(doc["last_seen"], f["fetched_at"])
            doc["fetch_count"] += 1
    return documents


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
        reason = f"no {year - 1} report of this agency in the archive"
        return CheckResult(
            "carry_over_chain",
            "not_assessable",
            "error",
            [{"where": "total", "status": "not_assessable", "reason": reason}],
        )
    details = []
    for col in REQUEST_COLUMNS:
        now, before = current.get(f"requests.carried_over.{col}"), previous.get(f"requests.carried_forward.{col}")
        status = "not_assessable" if now is None or before is None else "pass" if now == before else "fail"
        details.append({"where": col, "status": status, "carried_over": now, "previous_carried_forward": before})
    statuses = {d["status"] for d in details}
    status = "fail" if "fail" in statuses else "not_assessable" if "not_assessable" in statuses else "pass"
    return CheckResult("carry_over_chain", status, "error", details)


def _crawl_run_rows(archive: Archive) -> list[dict[str, Any]]:
    per: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for f in archive.fetches:
        per[(f["run_id"], f["site"] or "")][f["outcome"]] += 1
    found = found_per_site(archive.discoveries)
    runs = {r["run_id"]: r for r in archive.index.runs()}
    new, changed = _new_and_changed(archive, list(runs))
    return [
        {
            "run_id": run_id,
            "site": site,
            "started_at": runs.get(run_id, {}).get("started_at"),
            "finished_at": runs.get(run_id, {}).get("finished_at"),
            "status": runs.get(run_id, {}).get("status"),
            "fetches": sum(o.values()),
            "ok": o["ok"],
            "http_errors": o["http_error"],
            "challenges": o["challenge"],
            "robots_refused": o["robots_refused"],
            "network_errors": o["network_error"] + o["too_large"],
            "report_pages_found": found[(run_id, site)]["report_page"],
            "attachments_found": found[(run_id, site)]["attachment"],
            "reports_new": new[(run_id, site)],
            "reports_changed": changed[(run_id, site)],
        }
        for (run_id, site), o in sorted(per.items())
    ]


def _new_and_changed(archive: Archive, run_order: list[str]) -> tuple[Counter, Counter]:
    """Per (run, site): report documents seen for the first time, and ones whose bytes differ from the last run
    that fetched them (a report the site replaced)."""
    report_urls: dict[str, set[str]] = defaultdict(set)
    site_of: dict[str, str] = {}
    for d in archive.discoveries:
        if d["kind"] in ("report_page", "attachment"):
            report_urls[d["run_id"]].add(d["url"])
            site_of[d["url"]] = d["site"] or ""
    new, changed = Counter(), Counter()
    last_seen: dict[str, str] = {}
    for run_id in run_order:
        fetched = {
            f["url"]: f["sha256"]
            for f in archive.fetches
            if f["run_id"] == run_id and f["outcome"] == "ok" and f["url"] in report_urls[run_id]
        }
        for url, sha in fetched.items():
            if url not in last_seen:
                new[(run_id, site_of[url])] += 1
            elif last_seen[url] != sha:
                changed[(run_id, site_of[url])] += 1
        last_seen.update(fetched)
    return new, changed


# 《政府信息公开条例》第四十九条: departments publish by 31 January, governments (county level and up) by 31 March.
# Townships and sub-districts are held to 31 January here, as most provinces require of them.
_MARCH_DEADLINE_LEVELS = ("区县", "市", "省")


def deadline(level: str | None, year: int) -> str:
    return f"{year + 1}-03-31" if level in _MARCH_DEADLINE_LEVELS else f"{year + 1}-01-31"


def _coverage_rows(reports: list[dict[str, Any]], agencies: dict[str, dict[str, Any]], as_of: str) -> list[dict]:
    """For every agency: each year from its first report to the last one due when the archive was last crawled,
    found or missing, and whether what was found came out by the legal deadline."""
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for r in sorted(reports, key=lambda r: (r["parse_status"] != "ok", r["id"])):
        if r["year"]:
            found.setdefault((r["agency_id"], r["year"]), r)
    rows = []
    for key, agency in sorted(agencies.items()):
        years = [y for (a, y) in found if a == key]
        if not years:
            continue
        last_due = max(y for y in range(min(years), int(as_of[:4]) + 1) if deadline(agency["level"], y) < as_of[:10])
        for year in range(min(years), max(max(years), last_due) + 1):
            report = found.get((key, year))
            due = deadline(agency["level"], year)
            published = report["published_on"] if report else None
            rows.append(
                {
                    "agency_id": key,
                    "agency": agency["name"],
                    "site": agency["site"],
                    "level": agency["level"],
                    "year": year,
                    "status": "found" if report else "missing",
                    "report_id": report["id"] if report else None,
                    "published_on": published,
                    "deadline": due,
                    "days_late": (date.fromisoformat(published) - date.fromisoformat(due)).days if published else None,
                }
            )
    return rows


def _unit_of(column: str | None) -> str | None:
    """A list column's link text as the publishing unit, when it names one (区财政局; not 政府信息公开年报)."""
    return column if column and is_unit_name(column) else None


def _report_rows(found: list[Found], sites: dict[str, Site]) -> list[dict[str, Any]]:
    """One row per distinct report document, with its printed agency name resolved to the site's full name. A
    document several pages publish (an aggregate column republishing a department's report) is one report: the page
    that published it first (then by URL) is its detail page, the others are listed in also_at."""
    pages: dict[str, list[Found]] = defaultdict(list)
    for f in found:
        pages[f.candidate.fetch["sha256"]].append(f)
    reports: list[dict[str, Any]] = []
    for f in found:
        c, result = f.candidate, f.result
        sha = c.fetch["sha256"]
        first = min(pages[sha], key=lambda g: (g.page.published_on or "9999-12-31", g.candidate.detail_url))
        if f is not first:
            continue
        also_at = sorted({g.candidate.detail_url for g in pages[sha]} - {c.detail_url})
        site = sites.get(c.site or "")
        reports.append(
            {
                "id": sha[:16],
                "agency": result.agency or agency_of(c.list_title or "") or _unit_of(c.column) or "(unknown)",
                "year": result.year or year_of(c.list_title or ""),
                "title": result.title or _without_extension(c.list_title),
                "template": result.template,
                "published_on": result.published_on or f.page.published_on,
                "site": c.site,
                **(site.region if site else {"province": None, "city": None, "county": None}),
                "detail_url": c.detail_url,
                "also_at": json.dumps(also_at) if also_at else None,
                "document_url": c.url,
                "document_sha256": sha,
                "format": result.format,
                "parse_status": result.status,
                "parse_error": result.error,
                "parse_warnings": json.dumps(result.warnings, ensure_ascii=False) if result.warnings else None,
                "cells_count": len(result.cells),
                "list_title": c.list_title,
                "body": result.text,
                "_result": result,
            }
        )
    return reports


def _without_extension(link_text: str | None) -> str | None:
    """A link text like 某某2021年政府信息公开工作年度报告.pdf, as a title."""
    return re.sub(r"\.(pdf|docx?|wps|xlsx?|ofd)$", "", link_text, flags=re.I) if link_text else None


def _agency_rows(reports: list[dict[str, Any]], sites: dict[str, Site]) -> dict[str, dict[str, Any]]:
    """Agencies by id; sets each report's agency_id. A short name (竹亭镇) joins the full name the same site's
    reports print (宜春市袁州区竹亭镇人民政府), or is completed with the site's region: one agency, one id."""
    names_by_site: dict[str, set[str]] = defaultdict(set)
    for r in reports:
        names_by_site[r["site"] or ""].add(r["agency"])
    agencies: dict[str, dict[str, Any]] = {}
    for r in reports:
        site = sites.get(r["site"] or "")
        region = site.region if site else {"province": None, "city": None, "county": None}
        name = canonical_names(names_by_site[r["site"] or ""], region).get(r["agency"]) or full_name(
            r["agency"], region
        )
        r["agency_id"] = agency_id(r["site"] or "", name)
        agencies.setdefault(
            r["agency_id"],
            {
                "id": r["agency_id"],
                "name": name,
                "level": agency_level(name),
                **region,
                "admin_code": site.admin_code if site else None,
                "site": r["site"],
            },
        )
    return agencies


def _check_rows(reports: list[dict[str, Any]], cells: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The parser's checks of each report, plus the cross-year chain, which needs every report of the agency."""
    by_agency_year = {(r["agency_id"], r["year"]): r for r in reports if r["template"] in ("2019", "2021")}
    rows = []
    for r in reports:
        checks = list(r["_result"].checks)
        if r["template"] in ("2019", "2021") and r["year"]:
            previous = by_agency_year.get((r["agency_id"], r["year"] - 1))
            checks.append(carry_over_chain(cells[r["id"]], cells[previous["id"]] if previous else None, r["year"]))
        statuses = Counter(c.status for c in checks if c.severity == "error")
        r.update(
            checks_passed=statuses["pass"],
            checks_failed=statuses["fail"],
            checks_not_assessable=statuses["not_assessable"],
        )
        rows += [
            {
                "report_id": r["id"],
                "check_key": c.key,
                "status": c.status,
                "severity": c.severity,
                "details": json.dumps(c.details, ensure_ascii=False),
            }
            for c in checks
        ]
    return rows


def build(
    data_dir: DataDir, registry: Path | str | None = None, progress: Callable[[str], None] = lambda _: None
) -> BuildSummary:
    if not data_dir.has_archive():
        raise FileNotFoundError(f"no archive in {data_dir.archive}: run `nianbao crawl` first")
    sites = load(registry)
    archive = Archive(data_dir)

    groups = archive.candidates()
    progress(f"parsing {len(groups)} report pages and their attachments")
    found: list[Found] = []
    for n, group in enumerate(groups, 1):
        found += archive.choose(group)
        if n % 10 == 0 or n == len(groups):
            progress(f"  parsed {n}/{len(groups)} report pages")

    documents = _document_rows(archive.fetches)
    reports = _report_rows(found, sites)
    agencies = _agency_rows(reports, sites)
    cells = {r["id"]: _cell_rows(r["id"], r["_result"]) for r in reports}
    values = {
        rid: {f"{c['table_key']}.{c['row_key']}.{c['column_key']}": c["value"] for c in rows}
        for rid, rows in cells.items()
    }
    checks = _check_rows(reports, values)
    as_of = max((f["fetched_at"] for f in archive.fetches), default="1970-01-01")
    coverage = _coverage_rows(reports, agencies, as_of)
    extra_rows = [
        {
            "report_id": r["id"],
            "table_key": e.table,
            "position": i,
            "labels": json.dumps(e.labels, ensure_ascii=False),
            "cell_texts": json.dumps(e.values, ensure_ascii=False),
        }
        for r in reports
        for i, e in enumerate(r["_result"].extra_rows)
    ]
    for r in reports:
        documents[r["document_sha256"]]["format"] = r["format"]

    target = data_dir.database
    tmp = data_dir.staging_database()
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
    fetch_columns = list(db["fetches"].columns_dict)
    db["fetches"].insert_all({k: f.get(k) for k in fetch_columns} for f in archive.fetches)
    db["crawl_runs"].insert_all(_crawl_run_rows(archive))
    db["documents"].insert_all(documents[k] for k in sorted(documents))
    db["agencies"].insert_all(agencies[k] for k in sorted(agencies))
    db["reports"].insert_all(
        {k: v for k, v in r.items() if not k.startswith("_")} for r in sorted(reports, key=lambda r: r["id"])
    )
    db["cells"].insert_all(row for rid in sorted(cells) for row in cells[rid])
    db["checks"].insert_all(sorted(checks, key=lambda c: (c["report_id"], c["check_key"])))
    db["extra_rows"].insert_all(sorted(extra_rows, key=lambda e: (e["report_id"], e["table_key"], e["position"])))
    db["coverage"].insert_all(coverage)
    # Chinese has no spaces between words: trigram FTS finds any substring of 3+ characters.
    db["reports"].enable_fts(["title", "agency", "body"], tokenize="trigram", create_triggers=False)
    db.conn.commit()
    db.close()
    os.replace(tmp, target)

    summary = BuildSummary(
        sites=len(sites),
        fetches=len(archive.fetches),
        documents=len(documents),
        reports=len(reports),
        database=str(target),
    )
    summary.outcomes.update(f["outcome"] for f in archive.fetches)
    summary.parse_status.update(r["parse_status"] for r in reports)
    summary.reports_with_failed_checks = sum(r["checks_failed"] > 0 for r in reports)
    return summary
