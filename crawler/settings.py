"""Scrapy settings of nianbao, shared by `nianbao crawl` and `scrapy crawl reports` (scrapy.cfg).

Polite by default: robots.txt obeyed, one request at a time per site, a delay, AutoThrottle, an identifying
User-Agent. Every NIANBAO_* setting can also come from the environment variable of the same name.
"""

import os

from archive.warc import DEFAULT_MAX_FILE_BYTES
from common.datadir import DataDir
from crawler.families.family import MAX_LIST_PAGES
from crawler.sweep import DEFAULT_FULL_SWEEP_EVERY

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The data directory, resolved by common.datadir (`nianbao crawl` passes --data-dir here).
DATA_DIR = str(DataDir.resolve())
NIANBAO_REGISTRY = os.environ.get("NIANBAO_REGISTRY", "")  # a file (default common/sites.toml), or the loaded registry
NIANBAO_SITES = os.environ.get("NIANBAO_SITES", "")  # hosts (comma-separated here); empty = every registered site
NIANBAO_START_URLS = os.environ.get("NIANBAO_START_URLS", "")  # discovery: start pages (comma-separated here)
NIANBAO_PROXY = os.environ.get("NIANBAO_PROXY", "")  # e.g. the replica: http://127.0.0.1:8765
NIANBAO_REPLICA_CA = os.environ.get("NIANBAO_REPLICA_CA", "")  # replica mode: trust exactly this CA
NIANBAO_CONTACT = os.environ.get("NIANBAO_CONTACT", "https://github.com/nianbao/nianbao")
NIANBAO_RUN_ID = os.environ.get("NIANBAO_RUN_ID", "")
# A crawl does not start, and stops, when the archive's disk has less free space than this.
NIANBAO_MIN_FREE_MB = int(os.environ.get("NIANBAO_MIN_FREE_MB", "1024"))
# Re-crawls (crawler.sweep, crawler.frontier): a full sweep walks every list page, an incremental run stops at known
# reports; every Nth run is full. NIANBAO_RESUME continues the run NIANBAO_RUN_ID from its archived answers.
NIANBAO_FULL = os.environ.get("NIANBAO_FULL", "0") == "1"
NIANBAO_FULL_SWEEP_EVERY = int(os.environ.get("NIANBAO_FULL_SWEEP_EVERY", DEFAULT_FULL_SWEEP_EVERY))
NIANBAO_RESUME = os.environ.get("NIANBAO_RESUME", "0") == "1"
# List pages walked per 年报 column (a site's registry max_list_pages wins).
NIANBAO_MAX_LIST_PAGES = int(os.environ.get("NIANBAO_MAX_LIST_PAGES", MAX_LIST_PAGES))

USER_AGENT = f"nianbao/0.1 (research crawler of government information disclosure annual reports; +{NIANBAO_CONTACT})"
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
}

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = float(os.environ.get("NIANBAO_DELAY", "1.0"))
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = max(DOWNLOAD_DELAY, 0.1)
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
NIANBAO_RETRY_BACKOFF = float(os.environ.get("NIANBAO_RETRY_BACKOFF", "2"))  # seconds before the first retry, doubling
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # an expected network error: one line (crawler.logs)
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# Certificates are verified on live crawls; in replica mode only the replica's own CA is trusted
# (crawler.tls sets that up). NIANBAO_TLS_VERIFY=0 turns verification off, for sites with broken chains.
DOWNLOAD_VERIFY_CERTIFICATES = os.environ.get("NIANBAO_TLS_VERIFY", "1") != "0"

# Code-executing consoles stay off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.frontier.FrontierMiddleware": 90,
    "crawler.middlewares.RecordingRobotsTxtMiddleware": 100,
    "crawler.politeness.SiteDelayMiddleware": 105,
    "crawler.politeness.RetryBackoffMiddleware": 560,
    "crawler.middlewares.ProxyMiddleware": 740,
    "crawler.middlewares.ArchiveMiddleware": 950,
}
ITEM_PIPELINES = {"crawler.pipelines.DiscoveryPipeline": 300}
EXTENSIONS = {"crawler.tls.ReplicaTrust": 0, "crawler.logs.QuietLogs": 0, "crawler.progress.Progress": 500}
# WARC files rotate once they pass this size (default 1 GiB).
NIANBAO_WARC_MAX_BYTES = int(os.environ.get("NIANBAO_WARC_MAX_BYTES", DEFAULT_MAX_FILE_BYTES))
NIANBAO_PROGRESS_SECONDS = float(os.environ.get("NIANBAO_PROGRESS_SECONDS", "10"))

# Scrapy's own INFO lines are chatter for our users (progress lines and the summary say what matters):
# `nianbao crawl --verbose` shows them.
LOG_LEVEL = os.environ.get("NIANBAO_LOG_LEVEL", "WARNING")
FEED_EXPORT_ENCODING = "utf-8"
