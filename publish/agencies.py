"""Publishing bodies: stable ids, levels, and one name per body whatever form a report prints."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

# What may follow a body's core name in its full name: 竹亭镇 -> 宜春市袁州区竹亭镇人民政府.
_FULL_NAME_SUFFIXES = ("", "人民政府", "办事处", "街道办事处")
NO_REGION = {"province": None, "city": None, "county": None}


def agency_id(site: str, name: str) -> str:
    return hashlib.sha256(f"{site}\x1f{name}".encode()).hexdigest()[:16]


def agency_level(name: str) -> str:
    """乡镇, 街道, 区县, 市, 省 for governments; 部门 for their departments and offices."""
    if re.search(r"街道(办事处)?$", name):
        return "街道"
    if re.search(r"(镇|乡)(人民政府)?$", name):
        return "乡镇"
    m = re.search(r"(省|市|区|县|旗)人民政府$", name)
    if m:
        return {"省": "省", "市": "市"}.get(m.group(1), "区县")
    return "部门"


def _region_prefixes(region: dict[str, str | None]) -> set[str]:
    """江西省宜春市袁州区, 宜春市袁州区, 袁州区, … : the ways a full name may start."""
    parts = [p for p in (region.get("province"), region.get("city"), region.get("county")) if p]
    parts = list(dict.fromkeys(parts))  # municipalities: province and city are the same name
    return {"".join(parts[i:j]) for i in range(len(parts) + 1) for j in range(i, len(parts) + 1)}


def canonical_names(names: set[str], region: dict[str, str | None]) -> dict[str, str]:
    """Map each short name to the one full name among `names` (of one site) that is the region's prefix, the short
    name and an allowed suffix. A name with no such full name, or several, maps to nothing (stays as printed).
    Linear in the names: each short name's possible full forms are looked up, not compared with every name."""
    prefixes = _region_prefixes(region)
    county = region.get("county") or ""
    result = {}
    for short in names:
        forms = {short}
        if county and short[:1] == county[-1:]:  # 区财政局 on the 余杭区 site is 余杭区财政局
            forms.add(county + short[1:])
        fuller = {f"{p}{form}{s}" for p in prefixes for form in forms for s in _FULL_NAME_SUFFIXES} & names
        fuller.discard(short)
        if len(fuller) == 1:
            result[short] = fuller.pop()
    return result


def full_name(name: str, region: dict[str, str | None]) -> str:
    """A name printed without its region, completed with the region of the site it was crawled from:
    竹亭镇 -> 宜春市袁州区竹亭镇人民政府, 袁州区林业局 -> 宜春市袁州区林业局. Other names stay as printed."""
    province, city, county = region.get("province"), region.get("city"), region.get("county")
    if not city or not county or name.startswith(tuple(p for p in (province, city) if p)):
        return name
    if name.startswith(county):
        return city + name
    if re.search(r"(镇|乡)$", name):
        return f"{city}{county}{name}人民政府"
    if name.endswith("街道"):
        return f"{city}{county}{name}办事处"
    return name


def name_agencies(
    reports: list[dict[str, Any]], regions: Mapping[str, Mapping[str, str | None]], codes: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Agencies by id; sets each report's agency_id. A short name (竹亭镇) joins the full name the same site's
    reports print (宜春市袁州区竹亭镇人民政府), or is completed with the site's region: one agency, one id.
    `regions` and `codes`: the province/city/county and the division code of each registered site."""
    names_by_site: dict[str, set[str]] = defaultdict(set)
    for r in reports:
        names_by_site[r["site"] or ""].add(r["agency"])
    canonical = {
        site: canonical_names(names, dict(regions.get(site) or NO_REGION)) for site, names in names_by_site.items()
    }
    agencies: dict[str, dict[str, Any]] = {}
    for r in reports:
        site = r["site"] or ""
        region = dict(regions.get(site) or NO_REGION)
        name = canonical[site].get(r["agency"]) or full_name(r["agency"], region)
        r["agency_id"] = agency_id(site, name)
        agencies.setdefault(
            r["agency_id"],
            {
                "id": r["agency_id"],
                "name": name,
                "level": agency_level(name),
                **region,
                "admin_code": codes.get(site),
                "site": r["site"],
            },
        )
    return agencies
