"""Quiet logs: an expected network error is one line at WARNING, without a traceback.

Scrapy's retry middleware says once per request that it gave up (RETRY_GIVE_UP_LOG_LEVEL = WARNING in
crawler/settings.py); its robots.txt middleware would say it again for the page that waited on robots.txt, with a
traceback. That second record is dropped when the retry middleware has already said it, and otherwise shortened to
one line. Scrapy's own INFO lines are off unless `nianbao crawl --verbose` (LOG_LEVEL).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class RobotsErrorFilter(logging.Filter):
    def __init__(self, retried: tuple[type[BaseException], ...]):
        super().__init__()
        self.retried = retried

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return True
        if isinstance(error, self.retried):
            return False  # "Gave up retrying <GET …/robots.txt>" said it
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


class QuietLogs:
    """Extension: installs the filter for this crawl."""

    def __init__(self, retried: tuple[type[BaseException], ...]):
        robots = logging.getLogger(ROBOTS_LOGGER)
        for old in [f for f in robots.filters if isinstance(f, RobotsErrorFilter)]:
            robots.removeFilter(old)
        robots.addFilter(RobotsErrorFilter(retried))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietLogs:
        settings = crawler.settings
        retried = settings.getlist("RETRY_EXCEPTIONS") if settings.getbool("RETRY_ENABLED") else []
        return cls(tuple(load_object(e) if isinstance(e, str) else e for e in retried))
