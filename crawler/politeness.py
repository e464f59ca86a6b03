"""Politeness Scrapy does not do by itself: robots.txt Crawl-delay and per-site delays from the registry applied to
the site's download slot (and kept there, out of AutoThrottle's reach), and retries that back off."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler

MAX_CRAWL_DELAY = 60.0  # seconds; a larger Crawl-delay is honoured up to this and logged
MAX_BACKOFF = 60.0


class SiteDelayMiddleware:
    """Per-site minimum delays: the registry's `delay` and robots.txt `Crawl-delay`, whichever is larger. The delay
    is set on the site's download slot without jitter, and AutoThrottle is told not to lower it."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteDelayMiddleware:
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        for site in getattr(spider, "sites", []):
            if site.delay:
                for host in (site.host, site.domain):
                    self.require(host, site.delay, "registry")

    def robots_parsed(self, robotparser, request: Request) -> None:
        agent = self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or self.crawler.settings.get("USER_AGENT")
        delay = robotparser.crawl_delay(agent)
        if delay:
            self.require(urlsplit(request.url).hostname or "", float(delay), "robots.txt Crawl-delay")

    def require(self, host: str, delay: float, source: str) -> None:
        if delay > MAX_CRAWL_DELAY:
            self.crawler.spider.logger.warning(
                "%s asks %s s between requests to %s; using %s s", source, delay, host, MAX_CRAWL_DELAY
            )
            delay = MAX_CRAWL_DELAY
        delay = max(delay, self.delays.get(host, 0.0), self.crawler.settings.getfloat("DOWNLOAD_DELAY"))
        self.delays[host] = delay
        downloader = self.crawler.engine.downloader
        # For the slot when it is (re)created, and for the slot that already exists (robots.txt made it).
        downloader.per_slot_settings.setdefault(host, {}).update(delay=delay, jitter=0)
        if host in downloader.slots:
            downloader.slots[host].delay = delay
            downloader.slots[host].jitter = 0
        self.crawler.stats.set_value(f"nianbao/site_delay/{host}", delay)

    def process_request(self, request: Request) -> None:
        if (urlsplit(request.url).hostname or "") in self.delays:
            request.meta["autothrottle_dont_adjust_delay"] = True


class RetryBackoffMiddleware:
    """Scrapy retries at once; a struggling server is better given time: each retry of a request waits
    NIANBAO_RETRY_BACKOFF × 2^(retry-1) seconds (capped), without holding the site's slot."""

    def __init__(self, base: float):
        self.base = base

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        return cls(crawler.settings.getfloat("NIANBAO_RETRY_BACKOFF", 2.0))

    async def process_request(self, request: Request) -> None:
        retries = request.meta.get("retry_times", 0)
        if retries and self.base > 0:
            await asyncio.sleep(min(self.base * 2 ** (retries - 1), MAX_BACKOFF))
