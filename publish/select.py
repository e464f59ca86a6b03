"""Build stage "select": which archived documents may be reports (the pages the crawler found as reports, and the
documents they attach), and, once they are parsed, which document is the report a page publishes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from common.outcomes import Outcome
from common.template import report_templates
from publish.parse_cache import Key, document_key

Summary = dict[str, Any]
UNREADABLE = ("needs_ocr", "error", "no_tables")  # a document that may well be the report, but gave no cells


@dataclass(frozen=True)
class Candidate:
    """A document that may be a report: a report page, or an attachment of one."""

    url: str
    detail_url: str  # the page that published it
    site: str | None
    list_title: str | None  # the link text it was found under
    fetch: Mapping[str, Any]  # its last successful fetch: sha256, warc_file, warc_offset …
    column: str | None = None  # the list column's link text (the unit's name on many sites)

    @property
    def sha256(self) -> str:
        return str(self.fetch["sha256"])

    @property
    def key(self) -> Key:
        """Its parse result's key."""
        return document_key(self.fetch)


@dataclass(frozen=True)
class Found:
    """A report the build will publish: the document it was read from and the page that published it."""

    candidate: Candidate
    summary: Summary  # of the document's parse result
    page: Summary  # of the page's


def is_archived_ok(fetch: Mapping[str, Any]) -> bool:
    """A successful fetch whose payload is in the archive: the last one of a URL is its candidate."""
    return fetch["outcome"] == Outcome.OK and bool(fetch["warc_file"])


def candidates(
    latest: Mapping[str, Mapping[str, Any]], discoveries: Iterable[Mapping[str, Any]]
) -> list[list[Candidate]]:
    """Per report page: the page itself first, then its attachments; pages in URL order. `latest`: each URL's last
    archived successful fetch."""
    pages: dict[str, Candidate] = {}
    attachments: dict[str, dict[str, Candidate]] = defaultdict(dict)
    for d in sorted(discoveries, key=lambda d: (d["url"], d["id"])):
        fetch = latest.get(d["url"])
        if fetch is None:
            continue  # never fetched successfully: its outcome is in the fetches table
        own = Candidate(d["url"], d["url"], d["site"], d["title"], fetch, d["agency_hint"])
        if d["kind"] == "report_page":
            pages.setdefault(d["url"], own)
        elif d["kind"] == "attachment":
            page = d["referrer"] if d["referrer"] in latest else d["url"]
            if page == d["url"]:  # an attachment linked straight from a list stands for itself
                pages.setdefault(d["url"], own)
            else:
                attachments[page].setdefault(d["url"], Candidate(d["url"], page, d["site"], d["title"], fetch))
    return [
        [page, *(replace(a, column=page.column) for a in attachments.get(url, {}).values())]
        for url, page in sorted(pages.items())
    ]


def is_report(summary: Summary) -> bool:
    # A report read by OCR whose checks fail is published too, marked by its status, never as exact.
    return summary["status"] in ("ok", "ocr_unverified") and summary["template"] in report_templates()


def choose(group: list[Candidate], summaries: Mapping[Key, Summary]) -> list[Found]:
    """The report(s) a page publishes: the page when it carries the tables (or is a legacy report), else each
    attachment that does; else what could not be read, with the status that says why; else the page."""
    page = summaries[group[0].key]
    if is_report(page):
        return [Found(group[0], page, page)]
    attached = [Found(c, summaries[c.key], page) for c in group[1:]]
    parsed = [f for f in attached if is_report(f.summary)]
    unreadable = [f for f in attached if f.summary["status"] in UNREADABLE]
    return parsed or unreadable or [Found(group[0], page, page)]


def published_once(found: list[Found]) -> list[tuple[Found, list[str]]]:
    """One report per distinct document, with the other pages that publish it. A document several pages publish
    (an aggregate column republishing a department's report) is the report of the page that published it first
    (then by URL)."""
    pages: dict[str, list[Found]] = defaultdict(list)
    for f in found:
        pages[f.candidate.sha256].append(f)
    result = []
    for same in pages.values():
        first = min(same, key=lambda g: (g.page["published_on"] or "9999-12-31", g.candidate.detail_url))
        also_at = sorted({g.candidate.detail_url for g in same} - {first.candidate.detail_url})
        result.append((first, also_at))
    return result


def by_agency_and_year(reports: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], Mapping[str, Any]]:
    """The report that stands for each (agency, year) in coverage and checks across years: one that parsed, else
    the first by id."""
    standing: dict[tuple[str, int], Mapping[str, Any]] = {}
    for r in sorted(reports, key=lambda r: (r["parse_status"] != "ok", r["id"])):
        if r["year"]:
            standing.setdefault((r["agency_id"], r["year"]), r)
    return standing
