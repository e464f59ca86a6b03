"""Build stage "coverage": for every agency, each year from its first report to the last one due, found or missing,
and whether what was found came out by the legal deadline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from publish.select import by_agency_and_year

# 《政府信息公开条例》第四十九条: departments publish by 31 January, governments (county level and up) by 31 March.
# Townships and sub-districts are held to 31 January here, as most provinces require of them.
_MARCH_DEADLINE_LEVELS = ("区县", "市", "省")


def deadline(level: str | None, year: int) -> str:
    return f"{year + 1}-03-31" if level in _MARCH_DEADLINE_LEVELS else f"{year + 1}-01-31"


def coverage_rows(
    reports: Iterable[Mapping[str, Any]], agencies: Mapping[str, Mapping[str, Any]], as_of: str
) -> list[dict[str, Any]]:
    """`as_of`: when the archive was last crawled (a year whose deadline had not passed then is not missing)."""
    found: dict[str, dict[int, Mapping[str, Any]]] = defaultdict(dict)  # agency -> year -> its report
    for (agency_id, year), standing in by_agency_and_year(reports).items():
        found[agency_id][year] = standing
    rows = []
    for key in sorted(found):
        agency, by_year = agencies[key], found[key]
        first = min(by_year)
        due = [y for y in range(first, int(as_of[:4]) + 1) if deadline(agency["level"], y) < as_of[:10]]
        for year in range(first, max(max(by_year), *due) + 1):
            report = by_year.get(year)
            due_on = deadline(agency["level"], year)
            published = report["published_on"] if report else None
            rows.append(
                {
                    "agency_id": key,
                    "agency": agency["name"],
                    "site": agency["site"],
                    "level": agency["level"],
                    "year": year,
                    "status": "found" if report else "missing",
                    "report_id": report["id"] if report else None,
                    "published_on": published,
                    "deadline": due_on,
                    "days_late": (date.fromisoformat(published) - date.fromisoformat(due_on)).days
                    if published
                    else None,
                }
            )
    return rows
