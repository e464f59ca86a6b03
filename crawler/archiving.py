"""The crawl's side of the archive: one WARC writer and one provenance index per run, shared by the middlewares
and the pipeline of a crawler. Every request the crawl makes ends up here, whatever happened to it.

A crawl that cannot archive must not go on: an archive write error (disk full, I/O) or free disk space below
NIANBAO_MIN_FREE_MB stops it at once, and the run ends `failed` with the reason in its stats (`nianbao/error`).
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from archive.content import DecodedTooLarge, decode_content
from archive.index import ProvenanceIndex
from archive.records import RevisitTarget, header_map, payload_digest, warc_date
from archive.stats import sweep_of_run
from archive.warc import DEFAULT_MAX_FILE_BYTES, WarcWriter
from common.datadir import DataDir
from common.outcomes import Outcome
from common.registry import Site, site_for_url
from crawler.diskspace import DiskSpace
from crawler.exchange import classify, pairs, sha256
from crawler.sweep import DEFAULT_FULL_SWEEP_EVERY, choose_sweep

logger = logging.getLogger(__name__)
T = TypeVar("T")
WRITE_ERRORS = (OSError, sqlite3.OperationalError)  # disk full, I/O error, read-only: the archive cannot be written


class ArchiveStopped(IgnoreRequest):
    """The archive cannot take more (a write failed, the disk is nearly full): the crawl is stopping."""


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


class ArchiveSession:
    """Open for the duration of one crawl; closed (and the run row finished) when the spider closes."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.data_dir = DataDir(Path(settings["DATA_DIR"]))
        self.run_id = settings.get("NIANBAO_RUN_ID") or new_run_id()
        self.run_uri = f"urn:nianbao:run:{self.run_id}"
        self.sites: dict[str, Site] = {}  # the spider's registry, from spider_opened on
        self.crawler = crawler
        self.robots: dict[str, tuple[str, int, str | None]] = {}  # netloc -> last robots.txt (outcome, status, …)
        self.max_body = settings.getint("DOWNLOAD_MAXSIZE")
        self.disk = DiskSpace(self.data_dir.archive, settings.getint("NIANBAO_MIN_FREE_MB"))
        self.error: str | None = None  # why the run failed, once it has
        self.stopped = False  # the crawl was told to stop
        self.closing = False
        self.unconnected: set[str] = set()  # URLs that failed to connect (DNS, refused, no route)
        self.connected = False  # anything answered, or failed for another reason than connecting
        self.run_fields: dict[str, Any] = {"run_id": self.run_id}
        self.warc_dir = self.data_dir.warc_dir
        self.writer = WarcWriter(
            self.data_dir.warc_dir,
            self.run_id,
            settings.getint("NIANBAO_WARC_MAX_BYTES", DEFAULT_MAX_FILE_BYTES),
            info={"operator-contact": settings.get("NIANBAO_CONTACT", "")},
        )
        self.index = ProvenanceIndex(self.data_dir.index)
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
        """The run row, with the sites the spider chose (registry, --site or discovery start URLs); then whether
        there is room to archive anything."""
        self.sites = getattr(spider, "registry", {})
        settings = self.crawler.settings
        self.run_fields |= {
            "sites": list(dict.fromkeys(s.host for s in getattr(spider, "sites", []))),
            "settings": {
                "delay": settings.getfloat("DOWNLOAD_DELAY"),
                "user_agent": settings.get("USER_AGENT"),
                "proxy": settings.get("NIANBAO_PROXY"),
                "robots_obey": settings.getbool("ROBOTSTXT_OBEY"),
                "sweep": self.sweep,
                "start_urls": settings.getlist("NIANBAO_START_URLS"),
            },
        }
        started = datetime.now(UTC)
        try:  # the run row first, so that a run refused for disk space has one
            self._write(
                "index",
                lambda: self.index.start_run(
                    self.run_id, self.run_fields["sites"], self.run_fields["settings"], started_at=started
                ),
            )
            start = {**self.run_fields, "status": "running", "started_at": warc_date(started)}
            self._write("WARC", lambda: self._write_metadata(self.run_uri, "run", start, started))
            self._check_disk(now=True)
        except ArchiveStopped:
            pass  # fail() has said why and is closing the crawl
        if self.error and not self.stopped:
            self._stop("write_error", self.error)

    @classmethod
    def of(cls, crawler: Crawler) -> ArchiveSession:
        session = getattr(crawler, "_nianbao_archive", None)
        if session is None:
            session = cls(crawler)
            crawler._nianbao_archive = session  # type: ignore[attr-defined]
        return session

    # --- stopping -----------------------------------------------------------------------------------------------

    def _write(self, what: str, write: Callable[[], T]) -> T:
        """One write to the archive (WARC or index). When it cannot be done the crawl stops: ArchiveStopped."""
        if self.error:
            raise ArchiveStopped(self.error)
        self._check_disk()
        try:
            return write()
        except WRITE_ERRORS as e:
            self.fail("write_error", f"archive write error ({what}): {e}")
            raise ArchiveStopped(self.error) from e

    def _check_disk(self, *, now: bool = False) -> None:
        low = self.disk.low(now=now)
        if low:
            self.fail("disk_low", low)
            raise ArchiveStopped(low)

    def fail(self, kind: str, reason: str) -> None:
        """The run has failed: record why (event `kind`, stats `nianbao/error`) and stop the crawl at once."""
        if self.error:
            return
        self.error = reason
        self.crawler.stats.set_value("nianbao/error", reason)
        self._record_event(kind, reason)
        if self.closing:
            return  # found at the end of the crawl (no network): the summary says it
        logger.error("%s: stopping the crawl", reason)
        self._stop(kind, reason)

    def _stop(self, kind: str, reason: str) -> None:
        engine = self.crawler.engine
        if engine is None:
            return  # failed before the crawl started (resume's recovery): open() stops it
        # Closing waits for the requests already queued in the downloader: they are cancelled instead (the download
        # slots' queues are Scrapy internals, pinned with Scrapy).
        for slot in engine.downloader.slots.values():
            while slot.queue:
                _request, queued = slot.queue.popleft()
                queued.errback(Failure(ArchiveStopped(reason)))
        self.stopped = True
        deferred_from_coro(engine.close_spider_async(reason=kind))

    # --- events and metadata ------------------------------------------------------------------------------------

    def add_event(self, kind: str, detail: str, site: str | None = None, url: str | None = None) -> None:
        """Something that happened to the run (a list that hit its page limit, ...): index and WARC."""
        try:
            self._write("event", lambda: self._event(kind, detail, site, url))
        except ArchiveStopped:
            pass  # the crawl is stopping; fail() has said why (the spider that called need not know)

    def _record_event(self, kind: str, detail: str) -> None:
        """The event of a failure, where it can still be written (a full disk may refuse it too)."""
        try:
            self._event(kind, detail, None, None)
        except WRITE_ERRORS as e:
            logger.debug("event %s not recorded: %s", kind, e)

    def _event(self, kind: str, detail: str, site: str | None, url: str | None) -> None:
        at = datetime.now(UTC)
        self.index.add_event(self.run_id, kind, detail, site=site, url=url, at=at)
        fields = {"run_id": self.run_id, "site": site, "kind": kind, "url": url, "detail": detail}
        self._write_metadata(url or self.run_uri, "event", {**fields, "at": warc_date(at)}, at)

    def _write_metadata(self, target_uri: str, kind: str, fields: dict[str, Any], at: datetime) -> None:
        plain = json.loads(json.dumps(fields, default=str))  # Scrapy's stats hold datetimes
        self.writer.write_metadata(target_uri, kind, plain, at)

    # --- fetches ------------------------------------------------------------------------------------------------

    def _site(self, request: Request) -> str | None:
        if request.meta.get("site"):
            return request.meta["site"]
        site = site_for_url(self.sites, request.url)
        # A site crawled by discovery has no registry entry: its host names it (robots.txt requests carry no meta).
        return site.host if site else urlsplit(request.url).hostname

    def record_response(self, request: Request, response: Response) -> tuple[Outcome, str | None]:
        """Archive one HTTP response (the body as transferred) and index it. Returns (outcome, challenge kind);
        a body that inflates past DOWNLOAD_MAXSIZE is archived as transferred, outcome too_large.

        An answer read from the archive (crawler.frontier) is archived already: nothing is written again. A 304 to
        a conditional request is a server-not-modified revisit of the response it revalidated, and its row carries
        that response's sha256, length and content type (the payload it confirms)."""
        parts = urlsplit(response.url)
        if request.meta.get("nianbao_from_archive"):
            outcome = Outcome(request.meta["nianbao_outcome"])
            if parts.path == "/robots.txt":
                self.robots[parts.netloc] = (outcome, response.status, None)
            return outcome, None
        self.connected = True
        fetched_at = datetime.now(UTC)
        response_headers = pairs(response.headers)
        lower = header_map(response_headers)
        body = response.body
        decoded: bytes | None
        try:
            decoded = decode_content(response_headers, body, max_bytes=self.max_body)
            outcome, challenge = classify(response.status, lower, decoded)
        except DecodedTooLarge:
            decoded, outcome, challenge = None, Outcome.TOO_LARGE, None
        revalidated = request.meta.get("nianbao_revalidates") if response.status == 304 and not body else None
        original = self.index.find_by_payload_digest(payload_digest(body)) if body else revalidated
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        location = self._write(
            "WARC",
            lambda: self.writer.write_exchange(
                response.url,
                method=request.method,
                request_headers=pairs(request.headers),
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
                site=self._site(request),
                outcome=outcome,
                error=f"challenge: {challenge}" if challenge else None,
            ),
        )
        if challenge:
            error: str | None = f"challenge: {challenge}"
        elif decoded is None:
            error = f"decoded body larger than DOWNLOAD_MAXSIZE ({self.max_body} bytes; {len(body)} transferred)"
        else:
            error = None
        self._write(
            "index",
            lambda: self.index.add_fetch(
                run_id=self.run_id,
                site=self._site(request),
                url=response.url,
                method=request.method,
                fetched_at=fetched_at,
                status=response.status,
                outcome=outcome,
                content_type=lower.get("content-type") or (revalidated or {}).get("content_type"),
                length=revalidated["length"] if revalidated else None if decoded is None else len(decoded),
                sha256=revalidated["sha256"] if revalidated else None if decoded is None else sha256(decoded),
                etag=lower.get("etag"),
                last_modified=lower.get("last-modified"),
                headers_json=json.dumps(response_headers, ensure_ascii=False),
                ip=str(response.ip_address) if response.ip_address else None,
                referrer=request.headers.get("Referer", b"").decode("latin-1") or None,
                error=error,
                **location.index_fields(),
            ),
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

    def record_failure(self, request: Request, outcome: Outcome, detail: str, *, unconnected: bool = False) -> None:
        """A request that got no HTTP response: refused by robots.txt, a network error, a response too large.
        `unconnected`: it failed to connect at all (no DNS, refused, no route)."""
        if unconnected:
            self.unconnected.add(request.url)
        else:
            self.connected = True
        fetched_at = datetime.now(UTC)
        referrer = request.headers.get("Referer", b"").decode("latin-1") or None
        site = self._site(request)
        location = self._write(
            "WARC",
            lambda: self.writer.write_outcome(
                request.url, outcome, detail, fetched_at, referrer=referrer, site=site, method=request.method
            ),
        )
        self._write(
            "index",
            lambda: self.index.add_fetch(
                run_id=self.run_id,
                site=self._site(request),
                url=request.url,
                method=request.method,
                fetched_at=fetched_at,
                outcome=outcome,
                referrer=referrer,
                error=detail,
                **location.index_fields(),
            ),
        )
        self.crawler.stats.inc_value(f"nianbao/outcome/{outcome}")

    def add_discovery(self, **fields: Any) -> None:
        """A link the spider found: an index row, and (the first time this run) a WARC metadata record."""
        if self.error:
            return  # the crawl is stopping: what it still finds is not archived
        found_at = datetime.now(UTC)
        try:
            added = self._write("index", lambda: self.index.add_discovery(self.run_id, found_at=found_at, **fields))
            if added is not None:
                record = {"run_id": self.run_id, **fields, "found_at": warc_date(found_at)}
                self._write("WARC", lambda: self._write_metadata(fields["url"], "discovery", record, found_at))
        except ArchiveStopped:
            pass  # fail() has said why and is closing the crawl

    # --- the end ------------------------------------------------------------------------------------------------

    def close(self, spider: Any = None, reason: str = "finished") -> None:
        self.closing = True
        if reason == "finished" and not self.error and self.unconnected and not self.connected:
            self.fail(
                "no_network", f"no network: {len(self.unconnected)} requests failed to connect; nothing was fetched"
            )
        status = "failed" if self.error else {"finished": "finished", "shutdown": "interrupted"}.get(reason, "failed")
        stats = {k: v for k, v in (self.crawler.stats.get_stats() or {}).items()}
        ended = datetime.now(UTC)
        try:
            end = {**self.run_fields, "status": status, "stats": stats, "finished_at": warc_date(ended)}
            self._write_metadata(self.run_uri, "run", end, ended)
            self.writer.close()
        except WRITE_ERRORS as e:
            if not self.error:
                self.fail("write_error", f"archive write error (closing the WARC file): {e}")
                logger.error("%s", self.error)
                status, stats["nianbao/error"] = "failed", self.error
        try:
            self.index.finish_run(self.run_id, status, stats, finished_at=ended)
            self.index.close()
        except WRITE_ERRORS:
            # Closing the index folds its write-ahead log into the database: a log that had grown into a full
            # disk (or a file size limit) then has room again for the run's end.
            self.index.close()
            self._finish_again(status, stats, ended)
        except KeyError as e:  # the run row could not be written at the start
            self.index.close()
            logger.error("the run could not be marked %s in the index: %s", status, e)

    def _finish_again(self, status: str, stats: dict[str, Any], ended: datetime) -> None:
        try:
            with ProvenanceIndex(self.data_dir.index) as index:
                index.finish_run(self.run_id, status, stats, finished_at=ended)
        except (*WRITE_ERRORS, KeyError) as e:
            logger.error("the run could not be marked %s in the index: %s", status, e)
