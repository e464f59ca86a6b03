"""Publishing bodies: stable ids, levels, and one name per body whatever form a report prints."""

from __future__ import annotations

import hashlib
import re

# What may follow a body's core name in its full name: 竹亭镇 -> 宜春市袁州区竹亭镇人民政府.
_FULL_NAME_SUFFIXES = ("", "人民政府", "办事处", "街道办事处")


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
    name and an allowed suffix. A name with no such full name, or several, maps to nothing (stays as printed)."""
    prefixes = _region_prefixes(region)
    county = region.get("county") or ""
    result = {}
    for short in names:
        forms = {short}
        if county and short[:1] == county[-1:]:  # 区财政局 on the 余杭区 site is 余杭区财政局
            forms.add(county + short[1:])
        fuller = {
            full
            for full in names
            if full != short
            and any(full == f"{p}{form}{s}" for p in prefixes for form in forms for s in _FULL_NAME_SUFFIXES)
        }
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
