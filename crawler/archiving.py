"""The crawl's side of the archive: one WARC writer and one provenance index per run, shared by the middlewares
and the pipeline of a crawler. Every request the crawl makes ends up here, whatever happened to it."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.index import ProvenanceIndex
from archive.reader import decode_content
from archive.records import RevisitTarget, payload_digest
from archive.warc import WarcWriter
from common.datadir import DataDir
from common.outcomes import Outcome
from common.registry import Site, site_for_url
from crawler import challenges
from crawler.sweep import DEFAULT_FULL_SWEEP_EVERY, choose_sweep, sweep_of_run


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers (bytes -> [bytes]) as (name, value) strings; latin-1 keeps every byte."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


def _lower_map(pairs: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def classify(status: int, headers: dict[str, str], body: bytes) -> tuple[Outcome, str | None]:
    """(outcome, challenge kind) of an HTTP response."""
    challenge = challenges.detect(status, headers, body)
    if challenge:
        return Outcome.CHALLENGE, challenge
    if status == 304:
        return Outcome.NOT_MODIFIED, None
    if 300 <= status < 400:
        return Outcome.REDIRECT, None
    if status >= 400:
        return Outcome.HTTP_ERROR, None
    return Outcome.OK, None


class ArchiveSession:
    """Open for the duration of one crawl; closed (and the run row finished) when the spider closes."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        data_dir = DataDir(Path(settings["DATA_DIR"]))
        self.run_id = settings.get("NIANBAO_RUN_ID") or new_run_id()
        self.sites: dict[str, Site] = {}  # the spider's registry, from spider_opened on
        self.crawler = crawler
        self.robots: dict[
            str, tuple[str, int, str | None]
        ] = {}  # netloc -> last robots.txt (outcome, status, challenge)
        self.warc_dir = data_dir.warc_dir
        self.writer = WarcWriter(
            data_dir.warc_dir, self.run_id, info={"operator-contact": settings.get("NIANBAO_CONTACT", "")}
        )
        self.index = ProvenanceIndex(data_dir.index)
        resumed = next((r for r in self.index.runs() if r["run_id"] == self.run_id), None)
        # A resumed run keeps the sweep it started with.
        self.sweep = (
            sweep_of_run(resumed)
            if resumed
            else choose_sweep(
                self.index,
                self.run_id,
                full=settings.getbool("NIANBAO_FULL"),
                every=settings.getint("NIANBAO_FULL_SWEEP_EVERY", DEFAULT_FULL_SWEEP_EVERY),
            )
        )
        crawler.signals.connect(self.open, signal=signals.spider_opened)
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    def open(self, spider: Any) -> None:
        """The run row, with the sites the spider chose (registry, --site or discovery start URLs)."""
        self.sites = getattr(spider, "registry", {})
        settings = self.crawler.settings
        self.index.start_run(
            self.run_id,
            sites=list(dict.fromkeys(s.host for s in getattr(spider, "sites", []))),
            settings={
                "delay": settings.getfloat("DOWNLOAD_DELAY"),
                "user_agent": settings.get("USER_AGENT"),
                "proxy": settings.get("NIANBAO_PROXY"),
                "robots_obey": settings.getbool("ROBOTSTXT_OBEY"),
                "sweep": self.sweep,
                "start_urls": settings.getlist("NIANBAO_START_URLS"),
            },
        )

    @classmethod
    def of(cls, crawler: Crawler) -> ArchiveSession:
        session = getattr(crawler, "_nianbao_archive", None)
        if session is None:
            session = cls(crawler)
            crawler._nianbao_archive = session  # type: ignore[attr-defined]
        return session

    def _site(self, request: Request) -> str | None:
        if request.meta.get("site"):
            return request.meta["site"]
        site = site_for_url(self.sites, request.url)
        # A site crawled by discovery has no registry entry: its host names it (robots.txt requests carry no meta).
        return site.host if site else urlsplit(request.url).hostname

    def record_response(self, request: Request, response: Response) -> tuple[Outcome, str | None]:
        """Archive one HTTP response (the body as transferred) and index it. Returns (outcome, challenge kind).

        An answer read from the archive (crawler.frontier) is archived already: nothing is written again. A 304 to
        a conditional request is a server-not-modified revisit of the response it revalidated, and its row carries
        that response's sha256, length and content type (the payload it confirms)."""
        parts = urlsplit(response.url)
        if request.meta.get("nianbao_from_archive"):
            outcome = Outcome(request.meta["nianbao_outcome"])
            if parts.path == "/robots.txt":
                self.robots[parts.netloc] = (outcome, response.status, None)
            return outcome, None
        fetched_at = datetime.now(UTC)
        response_headers = _pairs(response.headers)
        lower = _lower_map(response_headers)
        body = response.body
        decoded = decode_content(response_headers, body)
        outcome, challenge = classify(response.status, lower, decoded)
        revalidated = request.meta.get("nianbao_revalidates") if response.status == 304 and not body else None
        original = self.index.find_by_payload_digest(payload_digest(body)) if body else revalidated
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        location = self.writer.write_exchange(
            response.url,
            method=request.method,
            request_headers=_pairs(request.headers),
            request_body=request.body,
            status=response.status,
            response_headers=response_headers,
            body=body,
            fetched_at=fetched_at,
            ip=str(response.ip_address) if response.ip_address else None,
            http_version=protocol if protocol.startswith("HTTP/") else "HTTP/1.1",
            revisit_of=RevisitTarget.from_fetch(original)
            if original and (revalidated or response.status != 304)
            else None,
        )
        self.index.add_fetch(
            run_id=self.run_id,
            site=self._site(request),
            url=response.url,
            method=request.method,
            fetched_at=fetched_at,
            status=response.status,
            outcome=outcome,
            content_type=lower.get("content-type") or (revalidated or {}).get("content_type"),
            length=revalidated["length"] if revalidated else len(decoded),
            sha256=revalidated["sha256"] if revalidated else hashlib.sha256(decoded).hexdigest(),
            etag=lower.get("etag"),
            last_modified=lower.get("last-modified"),
            headers_json=json.dumps(response_headers, ensure_ascii=False),
            ip=str(response.ip_address) if response.ip_address else None,
            referrer=request.headers.get("Referer", b"").decode("latin-1") or None,
            error=f"challenge: {challenge}" if challenge else None,
            **location.index_fields(),
        )
        self.crawler.stats.inc_value(f"nianbao/outcome/{outcome}")
        if parts.path == "/robots.txt":
            self.robots[parts.netloc] = (outcome, response.status, challenge)
        return outcome, challenge

    def robots_unknown(self, netloc: str) -> str | None:
        """Why a site's robots.txt rules cannot be known, if they cannot: a challenge answered instead of the file,
        or a server error (RFC 9309: then assume everything is disallowed). Scrapy would read either as allow-all."""
        outcome, status, challenge = self.robots.get(netloc, ("", 0, None))
        if outcome == Outcome.CHALLENGE:
            return f"robots.txt answered with a challenge ({challenge}): its rules are unknown, nothing is fetched"
        if status >= 500:
            return f"robots.txt answered HTTP {status}: its rules are unknown, nothing is fetched (RFC 9309)"
        return None

    def record_failure(self, request: Request, outcome: Outcome, detail: str) -> None:
        """A request that got no HTTP response: refused by robots.txt, a network error, a response too large."""
        fetched_at = datetime.now(UTC)
        referrer = request.headers.get("Referer", b"").decode("latin-1") or None
        location = self.writer.write_outcome(request.url, outcome, detail, fetched_at, referrer=referrer)
        self.index.add_fetch(
            run_id=self.run_id,
            site=self._site(request),
            url=request.url,
            method=request.method,
            fetched_at=fetched_at,
            outcome=outcome,
            referrer=referrer,
            error=detail,
            **location.index_fields(),
        )
        self.crawler.stats.inc_value(f"nianbao/outcome/{outcome}")

    def add_event(self, kind: str, detail: str, site: str | None = None, url: str | None = None) -> None:
        # TODO(lead): minimal stand-in; the "failures" part writes events to the WARC too.
        self.index.add_event(self.run_id, kind, detail, site=site, url=url)

    def add_discovery(self, **fields: Any) -> None:
        self.index.add_discovery(self.run_id, **fields)

    def close(self, spider: Any = None, reason: str = "finished") -> None:
        status = {"finished": "finished", "shutdown": "interrupted"}.get(reason, "failed")
        stats = {k: v for k, v in (self.crawler.stats.get_stats() or {}).items()}
        self.writer.close()
        self.index.finish_run(self.run_id, status, stats)
        self.index.close()
