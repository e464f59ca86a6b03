"""A site behind a bot wall: www.hubei.gov.cn (湖北省人民政府).

Every path, robots.txt included, answers a 瑞数 challenge (HTTP 412, `$_ts` script) that only a JavaScript engine
gets through. A polite crawler records the challenged robots.txt, does not read it as "allow all", and fetches
nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from replica.content import Publication, Unit
from replica.sites.challenges import ruishu_challenge
from replica.sites.common import AttachmentFiles, Site


@dataclass(frozen=True)
class WalledConfig:
    host: str
    scheme: str
    name: str


def build(cfg: WalledConfig, units: list[Unit], pubs: list[Publication], files: AttachmentFiles) -> Site:
    site = Site(cfg.host, cfg.scheme, cfg.name, "walled")
    site.not_found = ruishu_challenge(cfg.host)  # no resources: every path is the wall
    site.challenge_urls.append(site.url("/robots.txt"))
    site.robots_disallowed.append(site.start_url)  # robots.txt unknown: the crawler must not fetch the home page
    return site
