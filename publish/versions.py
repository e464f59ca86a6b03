"""Build stage "versions": every capture of a report's document over time, grouped into versions by content, and the
report's stable id.

A capture is an archived payload of the report's document URL (the report page itself, or the attachment the cells
are read from), or a 304 revisit of one (seen again, same content). Consecutive captures with the same content (the
parsed text, normalised, and the cells) are one version: bytes that change around the report (a hit counter, a new
menu, a redesign) make no version. The content of a document that gives neither text nor cells (a scanned PDF) is
its bytes: nothing else can tell its versions apart.

A report's id is its agency and year (`<agency id>-<year>`), so it stays the same through versions, re-crawls and
rebuilds. Several distinct reports of one agency and year (a correction published as a new article, at another
detail URL; a second attachment) are distinct reports, not versions: the one first seen keeps the plain id, the
others get `-2`, `-3` … in the order they were first seen (then by URL), which a growing archive never reorders. A
report whose agency or year is unknown is identified by its detail URL (`url-<hash>`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from common.outcomes import Outcome
from parsers.model import ParseResult
from publish.parse_cache import Key, document_key
from publish.rows import UNKNOWN_AGENCY
from publish.select import Summary, is_archived_ok, is_report

GONE_STATUSES = (404, 410)
# Page furniture that can sit inside a report's text and changes on every visit: 浏览次数：1234, 阅读量: 56次.
_COUNTER = re.compile(r"(浏览|访问|阅读|点击)(次数|量|数)?[:：]?\d+次?")


def content_of(result: ParseResult) -> str | None:
    """What a version is made of: the text (without whitespace or hit counters) and the cells; None for a document
    that gives neither (its bytes stand for its content)."""
    text = _COUNTER.sub("", "".join(result.text.split())) if result.text else ""
    if not text and not result.cells:
        return None
    cells = sorted((c.key, c.raw, c.value) for c in result.cells)
    return hashlib.sha256(json.dumps([text, cells], ensure_ascii=False).encode()).hexdigest()[:32]


_PAYLOAD_FIELDS = ("sha256", "content_type", "warc_file", "warc_offset")  # what parsing a capture needs


@dataclass
class Payload:
    """One payload of a URL, fetched (or answered 304) one or more times in a row: what the build keeps of a URL's
    history, so memory grows with distinct payloads, not with runs."""

    fetch: Mapping[str, Any]  # the payload's fields of _PAYLOAD_FIELDS
    first_seen: str
    last_seen: str
    first_run: str


class History:
    """Fed every fetch in index order: each report URL's payloads over time, and which report URLs answered 404/410
    in which run (for `gone`). A 304 revisit is the payload it revalidated seen again: same content."""

    def __init__(self, urls: set[str]):
        self.urls = urls
        self.of: dict[str, list[Payload]] = defaultdict(list)
        self.missing: set[tuple[str, str]] = set()  # (run id, url)

    def add(self, fetch: Mapping[str, Any]) -> None:
        url = fetch["url"]
        if url not in self.urls:
            return
        payloads = self.of.get(url)
        if is_archived_ok(fetch):
            if payloads and payloads[-1].fetch["sha256"] == fetch["sha256"]:
                payloads[-1].last_seen = fetch["fetched_at"]
            else:
                payload = {k: fetch[k] for k in _PAYLOAD_FIELDS}
                self.of[url].append(Payload(payload, fetch["fetched_at"], fetch["fetched_at"], fetch["run_id"]))
        elif fetch["outcome"] == Outcome.NOT_MODIFIED and payloads:
            self._seen_again(payloads, fetch)
        elif fetch["status"] in GONE_STATUSES:
            self.missing.add((fetch["run_id"], url))

    @staticmethod
    def _seen_again(payloads: list[Payload], fetch: Mapping[str, Any]) -> None:
        """A 304: the payload its row names (the crawl records the sha256 of what it revalidated), else the last."""
        sha = fetch["sha256"] or payloads[-1].fetch["sha256"]
        if payloads[-1].fetch["sha256"] == sha:
            payloads[-1].last_seen = fetch["fetched_at"]
            return
        earlier = next((p for p in reversed(payloads) if p.fetch["sha256"] == sha), None)
        if earlier is not None:  # back to an earlier payload
            payloads.append(Payload(earlier.fetch, fetch["fetched_at"], fetch["fetched_at"], fetch["run_id"]))

    def fetches(self, urls: Iterable[str]) -> Iterable[Mapping[str, Any]]:
        """The payloads of these URLs (to parse each once)."""
        return (c.fetch for url in urls for c in self.of.get(url, ()))


@dataclass
class Version:
    number: int
    content: str
    fetch: Mapping[str, Any]  # its most recent payload: the one the version's rows are read from
    first_seen: str
    last_seen: str
    first_run: str

    @property
    def key(self) -> Key:
        return document_key(self.fetch)


def versions_of(payloads: Iterable[Payload], summaries: Mapping[Key, Summary], only_reports: bool) -> list[Version]:
    """A document's versions, oldest first. `only_reports`: payloads that do not read as a report (an error page
    served with 200 where the report is now) are no version of it."""
    versions: list[Version] = []
    for c in payloads:
        s = summaries[document_key(c.fetch)]
        if only_reports and not is_report(s):
            continue
        content = s["content"] or f"sha256:{c.fetch['sha256']}"
        if versions and versions[-1].content == content:
            latest = versions[-1]
            latest.fetch, latest.last_seen = c.fetch, max(latest.last_seen, c.last_seen)
        else:
            versions.append(Version(len(versions) + 1, content, c.fetch, c.first_seen, c.last_seen, c.first_run))
    return versions


def assign_ids(reports: list[dict[str, Any]]) -> None:
    """Set each report's stable id (see the module's docstring). `reports`: rows with agency_id, agency, year,
    detail_url, document_url and first_seen."""
    same: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in reports:
        if r["agency"] == UNKNOWN_AGENCY or not r["year"]:
            base = "url-" + hashlib.sha256(r["detail_url"].encode()).hexdigest()[:16]
        else:
            base = f"{r['agency_id']}-{r['year']}"
        same[base].append(r)
    for base, group in same.items():
        group.sort(key=lambda r: (r["first_seen"], r["detail_url"], r["document_url"]))
        for n, r in enumerate(group, 1):
            r["id"] = base if n == 1 else f"{base}-{n}"


def version_fields(versions: list[Version], summaries: Mapping[Key, Summary], page_published_on: str | None) -> dict:
    """The report row's fields about its versions. Dates: first_published_on is what the first version's page
    states (else the day it was first seen); changed_on the day the newest version was first seen."""
    first, newest = versions[0], versions[-1]
    changed = len(versions) > 1
    return {
        "version": newest.number,
        "versions_count": len(versions),
        "first_seen": first.first_seen,
        "last_seen": max(v.last_seen for v in versions),
        "changed_after_publication": int(changed),
        "first_published_on": summaries[first.key]["published_on"] or page_published_on or first.first_seen[:10],
        "changed_on": newest.first_seen[:10] if changed else None,
    }


def version_rows(report: Mapping[str, Any], versions: list[Version], summaries: Mapping[Key, Summary]) -> list[dict]:
    return [
        {
            "report_id": report["id"],
            "version": v.number,
            "document_sha256": v.fetch["sha256"],
            "detail_url": report["detail_url"],
            "document_url": report["document_url"],
            "first_seen": v.first_seen,
            "last_seen": v.last_seen,
            "superseded_by": v.number + 1 if v.number < len(versions) else None,
            "published_on": summaries[v.key]["published_on"],
            "parse_status": summaries[v.key]["status"],
            "cells_count": summaries[v.key]["cells_count"],
        }
        for v in versions
    ]
