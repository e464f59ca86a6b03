"""Downloader middlewares: the proxy that reaches the replica, the WARC archive of every response, and robots.txt
refusals recorded instead of silently dropped."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares import cookies
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import Response
from tldextract import TLDExtract
from twisted.internet import error as tx

from common.outcomes import Outcome
from crawler.archiving import ArchiveSession, ArchiveStopped

logger = logging.getLogger(__name__)

# Failing to connect at all (what a machine without network sees), as opposed to a server that answered badly.
UNCONNECTED = (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    tx.DNSLookupError,
    tx.ConnectionRefusedError,
    tx.NoRouteError,
    tx.TCPTimedOutError,
    tx.UnknownHostError,
)

# Scrapy's cookie middleware would download the public suffix list on first use (and wait for the network to fail
# on machines without internet); the snapshot bundled with tldextract is enough to scope cookies.
cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


class ProxyMiddleware:
    """Send every request (robots.txt included) through NIANBAO_PROXY when set: that is how a crawl reaches the
    replica with the live sites' URLs. Runs before Scrapy's HttpProxyMiddleware, which does the CONNECT tunnel."""

    def __init__(self, proxy: str | None):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyMiddleware:
        return cls(crawler.settings.get("NIANBAO_PROXY") or None)

    def process_request(self, request: Request) -> None:
        if self.proxy:
            request.meta.setdefault("proxy", self.proxy)


class ArchiveMiddleware:
    """Closest to the downloader (priority 950): sees each attempt (retries included), the body as transferred
    (before decompression) and every failure, and writes them all to the WARC archive and the provenance index."""

    def __init__(self, session: ArchiveSession):
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:
        return cls(ArchiveSession.of(crawler))

    def process_request(self, request: Request) -> None:
        if self.session.error:
            raise ArchiveStopped(self.session.error)

    def process_response(self, request: Request, response: Response) -> Response:
        outcome, challenge = self.session.record_response(request, response)
        request.meta["nianbao_outcome"] = outcome
        if outcome == Outcome.TOO_LARGE:
            # Archived as transferred; never inflated here nor by Scrapy's HttpCompressionMiddleware.
            message = f"{response.url}: decoded body larger than DOWNLOAD_MAXSIZE, archived as transferred"
            logger.warning(message)
            raise IgnoreRequest(message)
        if challenge:
            request.meta["nianbao_challenge"] = challenge
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return
        message = f"{type(exception).__name__}: {exception}".strip()
        too_large = "maxsize" in message.lower() or "larger than" in message.lower()
        outcome = Outcome.TOO_LARGE if too_large else Outcome.NETWORK_ERROR
        if "certificate verify failed" in message:
            message = (
                "TLS certificate verify failed (a broken chain on the site, or a proxy's certificate outside replica "
                f"mode; NIANBAO_TLS_VERIFY=0 stops verifying): {message}"
            )
        unconnected = isinstance(exception, UNCONNECTED)
        self.session.record_failure(request, outcome, message[:1000], unconnected=unconnected)


class RecordingRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt handling, plus a record of each refused URL in the archive (outcome robots_refused), and
    no allow-all when robots.txt was a challenge or a server error."""

    def process_request_2(self, rp, request: Request) -> None:
        session = ArchiveSession.of(self.crawler)
        parts = urlsplit(request.url)
        unknown = session.robots_unknown(parts.netloc)
        if unknown:
            session.record_failure(request, Outcome.ROBOTS_REFUSED, unknown)
            raise IgnoreRequest(unknown)
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            session.record_failure(
                request, Outcome.ROBOTS_REFUSED, f"disallowed by {parts.scheme}://{parts.netloc}/robots.txt"
            )
            raise
