"""Items the spider yields: links it recognised, with the context a reader of the list page saw."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Discovery:
    url: str
    kind: str  # report_page | attachment
    site: str | None
    title: str | None  # the link text on the list (or detail) page
    year: int | None
    agency_hint: str | None  # the column or ContentSource the link was found under
    referrer: str | None  # the page the link was found on
