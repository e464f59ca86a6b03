"""What happened to a request: the `outcome` of a fetch, one set of names and one way of counting them for the
crawler, its progress line and summary, and the build."""

from __future__ import annotations

from collections import Counter
from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"  # 304: unchanged since the validators we sent
    REDIRECT = "redirect"
    HTTP_ERROR = "http_error"  # 4xx/5xx that is not a challenge
    NETWORK_ERROR = "network_error"  # no HTTP response: DNS, refused, reset, timeout, TLS
    TOO_LARGE = "too_large"  # the response passed the size limit
    CHALLENGE = "challenge"  # an anti-bot challenge instead of the page
    ROBOTS_REFUSED = "robots_refused"  # not fetched: robots.txt disallows it, or its rules are unknown


class OutcomeCounts(Counter):
    """Fetches by outcome, with the groups every summary shows."""

    @property
    def fetched(self) -> int:
        return sum(self.values())

    @property
    def network_errors(self) -> int:
        return self[Outcome.NETWORK_ERROR] + self[Outcome.TOO_LARGE]

    @property
    def errors(self) -> int:
        return self[Outcome.HTTP_ERROR] + self.network_errors

    def breakdown(self) -> str:
        """`(142 ok, 4 HTTP errors, 0 network errors, 4 challenges, 2 refused by robots.txt)`, with redirects and
        304s when there are any: the parts add up to the number fetched."""
        parts = [
            f"{self[Outcome.OK]} ok",
            *([f"{self[Outcome.NOT_MODIFIED]} not modified"] if self[Outcome.NOT_MODIFIED] else []),
            *([f"{self[Outcome.REDIRECT]} redirects"] if self[Outcome.REDIRECT] else []),
            f"{self[Outcome.HTTP_ERROR]} HTTP errors",
            f"{self.network_errors} network errors",
            f"{self[Outcome.CHALLENGE]} challenges",
            f"{self[Outcome.ROBOTS_REFUSED]} refused by robots.txt",
        ]
        return f"({', '.join(parts)})"
