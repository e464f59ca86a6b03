"""One HTTP exchange as the archive records it: header pairs as text, its digest, and what the answer was (its
outcome)."""

from __future__ import annotations

import hashlib
from typing import Any

from common.outcomes import Outcome
from crawler import challenges


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers (bytes -> [bytes]) as (name, value) strings; latin-1 keeps every byte."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


def classify(status: int, headers: dict[str, str], body: bytes) -> tuple[Outcome, str | None]:
    """(outcome, challenge kind) of an HTTP response."""
    challenge = challenges.detect(status, headers, body)
    if challenge:
        return Outcome.CHALLENGE, challenge
    if status == 304:
        return Outcome.NOT_MODIFIED, None
    if 300 <= status < 400:
        return Outcome.REDIRECT, None
    if status >= 400:
        return Outcome.HTTP_ERROR, None
    return Outcome.OK, None
