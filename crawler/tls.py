"""Replica mode trusts exactly the replica's CA, and only in replica mode.

Scrapy verifies through Twisted's platform trust, which is OpenSSL's default verify paths; OpenSSL reads them from
SSL_CERT_FILE at each connection, so pointing it at the replica CA (and nothing else) for this process is enough.
"""

from __future__ import annotations

import os
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class ReplicaTrust:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplicaTrust:
        ca = crawler.settings.get("NIANBAO_REPLICA_CA")
        if not ca:
            raise NotConfigured  # live mode: the system's trusted CAs apply (no message: Scrapy would log it)
        if not Path(ca).is_file():
            raise FileNotFoundError(f"replica CA certificate not found: {ca}")
        os.environ["SSL_CERT_FILE"] = str(Path(ca).resolve())
        os.environ.pop("SSL_CERT_DIR", None)
        return cls()
