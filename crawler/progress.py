"""A progress line on stderr every NIANBAO_PROGRESS_SECONDS (default 10) while a crawl runs: long live crawls
should show they are alive and what they have found, whatever the log level."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from common.outcomes import OutcomeCounts


class Progress:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("NIANBAO_PROGRESS_SECONDS", 10.0)
        if interval <= 0:
            raise NotConfigured  # progress lines are off (no message: Scrapy would log it at WARNING)
        return cls(crawler, interval)

    def spider_opened(self, spider) -> None:
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self.loop.running:
            self.loop.stop()

    def line(self) -> str:
        stats = self.crawler.stats.get_stats()
        outcomes = OutcomeCounts({k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("nianbao/outcome/")})
        queued = stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0)
        return (
            f"crawl {time.monotonic() - self.started:5.0f} s: {outcomes.fetched} fetched {outcomes.breakdown()}, "
            f"{stats.get('item_scraped_count', 0)} report links found, {queued} queued"
        )

    def report(self) -> None:
        print(self.line(), file=sys.stderr, flush=True)
