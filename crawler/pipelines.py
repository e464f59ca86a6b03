"""What the spider found (report pages and their attachments) goes into the provenance index as discoveries."""

from __future__ import annotations

from dataclasses import asdict

from scrapy.crawler import Crawler

from crawler.archiving import ArchiveSession
from crawler.items import Discovery


class DiscoveryPipeline:
    def __init__(self, session: ArchiveSession):
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiscoveryPipeline:
        return cls(ArchiveSession.of(crawler))

    def process_item(self, item: Discovery) -> Discovery:
        fields = asdict(item)
        self.session.add_discovery(**fields)
        return item
