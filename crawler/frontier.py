"""What the crawl already holds in its archive, and how each request uses it (a downloader middleware).

- Revalidation: a URL answered 200 in an earlier run is requested with If-None-Match / If-Modified-Since from that
  fetch's validators; a 304 is archived as a revisit (crawler.archiving) and the spider gets the earlier payload
  instead, so it follows the page's links as usual.
- Incremental runs (crawler.sweep): a known report page or attachment whose earlier answer carried no validators
  is read from the archive instead of being fetched again.
- Resume (`nianbao crawl --resume`): the interrupted run's torn WARC tail is sealed first; then every request the
  run already archived an answer to is answered from the archive (no download, no new record), and a URL it already
  recorded as refused by robots.txt is dropped without a second record. Scrapy's JOBDIR is not used: after SIGKILL
  only the archive and its index are known to be whole.

Answers read from the archive carry meta `nianbao_from_archive` (`resumed`, `known`, `not_modified`); the
ArchiveMiddleware does not record them again.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archive.reader import read_response
from archive.reindex import recover_run
from archive.stats import INCREMENTAL, REPORT_KINDS
from common.outcomes import Outcome
from crawler.archiving import ArchiveSession

logger = logging.getLogger(__name__)

# Headers that described the transfer of the archived body, not the decoded body the spider gets.
_TRANSFER_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


class Frontier:
    """The archive's answers for one crawl: earlier fetches to revalidate, known reports, and on resume the run's
    own archived answers. One per crawler (`Frontier.of`)."""

    def __init__(self, crawler: Crawler):
        self.session = ArchiveSession.of(crawler)
        self.index = self.session.index
        self.run_id = self.session.run_id
        self.warc_dir = self.session.warc_dir
        self.incremental = self.session.sweep == INCREMENTAL
        self.known: set[str] = self.index.known_urls(REPORT_KINDS, not_run=self.run_id) if self.incremental else set()
        self.replay: dict[str, dict[str, Any]] = {}
        self.refused: set[str] = set()
        if crawler.settings.getbool("NIANBAO_RESUME"):
            for event, detail in recover_run(self.warc_dir, self.run_id, self.index):
                self.session.add_event(event, detail)
            self.replay = self.index.run_responses(self.run_id)
            self.refused = self.index.run_outcome_urls(self.run_id, Outcome.ROBOTS_REFUSED)

    @classmethod
    def of(cls, crawler: Crawler) -> Frontier:
        frontier = getattr(crawler, "_nianbao_frontier", None)
        if frontier is None:
            frontier = cls(crawler)
            crawler._nianbao_frontier = frontier  # type: ignore[attr-defined]
        return frontier

    @staticmethod
    def of_crawl(crawler: Crawler) -> Frontier | None:
        """The frontier the FrontierMiddleware made for this crawl; None without it (a spider run alone)."""
        return getattr(crawler, "_nianbao_frontier", None)

    def is_known(self, url: str) -> bool:
        """A report page or attachment an earlier run found (always False in a full sweep)."""
        return url in self.known

    def archived(self, request: Request, row: dict[str, Any], how: str, outcome: str) -> Response:
        """The response archived in fetch `row`, as Scrapy would have downloaded it (body decoded)."""
        answer = read_response(self.warc_dir, row["warc_file"], row["warc_offset"], self.index)
        headers = Headers()
        for name, value in answer.headers:
            if name.lower() not in _TRANSFER_HEADERS:
                headers.appendlist(name, _header_bytes(value))
        cls = responsetypes.from_args(headers=headers, url=request.url, body=answer.body)
        request.meta["nianbao_from_archive"] = how
        request.meta["nianbao_outcome"] = outcome
        self.session.crawler.stats.inc_value(f"nianbao/from_archive/{how}")
        return cls(url=request.url, status=answer.status, headers=headers, body=answer.body, request=request)

    def payload_row(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The fetch holding the payload a row stands for: itself, or the response its revisit refers to."""
        if row["record_type"] == "response":
            return row
        return self.index.find_by_record_id(row["refers_to_record_id"]) if row["refers_to_record_id"] else None


def _header_bytes(value: str) -> bytes:
    try:
        return value.encode("latin-1")  # the reader decodes header bytes as latin-1: this restores them
    except UnicodeEncodeError:
        return value.encode("utf-8")


class FrontierMiddleware:
    """Priority 90: after the offsite check, before robots.txt (a resumed run's refusals are not recorded twice);
    on the way back it turns a 304 into the payload it confirmed."""

    def __init__(self, frontier: Frontier):
        self.frontier = frontier

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierMiddleware:
        return cls(Frontier.of(crawler))

    def process_request(self, request: Request) -> Response | None:
        frontier = self.frontier
        url = request.url
        # A retry or a redirect copies the meta and headers of the request it follows: this one is not answered
        # yet, and its validators (if any) are its own URL's.
        for name in ("nianbao_from_archive", "nianbao_outcome", "nianbao_revalidates"):
            request.meta.pop(name, None)
        for header in ("If-None-Match", "If-Modified-Since"):
            request.headers.pop(header, None)
        if request.method != "GET":
            return None
        if url in frontier.replay and not request.meta.get("retry_times"):
            row = frontier.replay[url]
            # A 304 of the run is replayed as the payload it confirmed (the spider sees no 304).
            payload = frontier.payload_row(row) if row["outcome"] == Outcome.NOT_MODIFIED else row
            if payload is not None:
                return frontier.archived(request, payload, "resumed", row["outcome"])
        if url in frontier.refused:
            raise IgnoreRequest(f"already refused by robots.txt in run {frontier.run_id}")
        earlier = frontier.index.last_response(url, not_run=frontier.run_id)
        payload = frontier.payload_row(earlier) if earlier else None
        if earlier is None or payload is None:
            return None
        etag = earlier["etag"] or payload["etag"]
        modified = earlier["last_modified"] or payload["last_modified"]
        if etag or modified:
            if etag:
                request.headers["If-None-Match"] = etag
            if modified:
                request.headers["If-Modified-Since"] = modified
            request.meta["nianbao_revalidates"] = payload
            return None
        if frontier.is_known(url):
            return frontier.archived(request, payload, "known", Outcome.OK)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        payload = request.meta.get("nianbao_revalidates")
        if response.status == 304 and payload and "nianbao_from_archive" not in request.meta:
            return self.frontier.archived(request, payload, "not_modified", Outcome.NOT_MODIFIED)
        return response
