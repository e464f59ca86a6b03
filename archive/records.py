"""What goes into a WARC record, and the checks on it: every value is validated here before
:mod:`archive.warc` writes anything, so a bad input raises ValueError and leaves no partial record.
"""

from __future__ import annotations

import http
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester

PROFILE_IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"
PROFILE_SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.0/revisit/server-not-modified"

# The body we are handed is already de-chunked and the connection is gone, so these headers
# would describe a framing that the archived bytes no longer have.
DROPPED_RESPONSE_HEADERS = frozenset({"transfer-encoding", "connection", "keep-alive"})

_RUN_ID_RE = re.compile(r"[0-9A-Za-z_-]{1,64}")
_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token (methods, header names)
_OUTCOME_RE = re.compile(r"[a-z][a-z0-9_]*")
_HTTP_VERSION_RE = re.compile(r"HTTP/\d(\.\d)?")
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f]")
_NEWLINES = re.compile(r"[\r\n]+")
_LINE_BREAKS = "\r\n\x00"


def validate_run_id(run_id: str) -> str:
    """Return ``run_id`` if it is safe to put in a file name, else raise ValueError."""
    if not isinstance(run_id, str) or not _RUN_ID_RE.fullmatch(run_id):
        raise ValueError(f"run_id must be 1-64 characters of [0-9A-Za-z_-], got {run_id!r}")
    return run_id


def payload_digest(body: bytes) -> str:
    """``sha1:<BASE32>`` of an entity body as transferred, byte-identical to warcio's WARC-Payload-Digest."""
    # Use warcio's own Digester so the value can never drift from what it writes into the WARC.
    digester = Digester("sha1")
    digester.update(body)
    return str(digester)


def warc_date(value: datetime | str) -> str:
    """Format an aware datetime (or ISO 8601 string) as a WARC/1.0 date: ``YYYY-MM-DDThh:mm:ssZ``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        # A naive datetime is almost always local time by accident; refuse rather than guess.
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RecordLocation:
    """Where a record landed: enough to read it back and to fill an index row."""

    warc_file: str  # <warc folder>/<name>, e.g. "warc/nianbao-RUN-00000.warc.gz"
    offset: int
    length: int  # compressed bytes of this record (one gzip member)
    record_id: str  # "<urn:uuid:...>"
    record_type: str  # "response", "revisit" or "metadata"
    target_uri: str
    date: str  # the record's WARC-Date
    payload_digest: str | None = None  # sha1:BASE32 of the body as transferred; None for metadata
    refers_to: str | None = None  # revisits: record id of the original response
    request_record_id: str | None = None  # exchanges: the request record written alongside

    def index_fields(self) -> dict[str, Any]:
        """The ``fetches`` columns this location determines, for ``ProvenanceIndex.add_fetch(**...)``."""
        return {
            "warc_file": self.warc_file,
            "warc_offset": self.offset,
            "warc_length": self.length,
            "warc_record_id": self.record_id,
            "record_type": self.record_type,
            "payload_digest": self.payload_digest,
            "refers_to_record_id": self.refers_to,
        }


@dataclass(frozen=True)
class RevisitTarget:
    """The original response a revisit points at. A RecordLocation works as well."""

    record_id: str
    target_uri: str
    date: datetime | str
    payload_digest: str | None = None

    @classmethod
    def from_fetch(cls, row: Mapping[str, Any]) -> RevisitTarget:
        """Build from a ``fetches`` row, e.g. the result of ``ProvenanceIndex.find_by_payload_digest``."""
        return cls(row["warc_record_id"], row["url"], row["fetched_at"], row["payload_digest"])


class RawHeaders(StatusAndHeaders):
    """HTTP headers serialised back to the bytes the server sent.

    Scrapy hands the crawler header *bytes*; decoded as latin-1 they round-trip exactly here
    (GBK file names in Content-Disposition are common on these sites). warcio's default would
    percent-encode them, losing the original bytes. Text outside latin-1 is written as UTF-8.
    """

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        first = " ".join(part for part in (self.protocol, self.statusline) if part)
        lines = [first, *(f"{name}: {value}" for name, value in self.headers)]
        self.headers_buff = b"".join(_encode_header_line(line) + b"\r\n" for line in lines) + b"\r\n"


def _encode_header_line(line: str) -> bytes:
    try:
        return line.encode("latin-1")
    except UnicodeEncodeError:
        return line.encode("utf-8")


# -- checks on what goes into a record (each raises ValueError) ---------------------------------


def check_url(url: str, *, http_only: bool) -> str:
    """``url`` as a WARC-Target-URI: no whitespace or control characters; ``http_only``: absolute http(s)."""
    if not isinstance(url, str) or not url or _BAD_URL_CHARS.search(url):
        raise ValueError(f"URL is empty or contains whitespace/control characters: {url!r}")
    parts = urlsplit(url)
    # warcio only parses HTTP headers of http(s) records; anything else could not be read back.
    if http_only and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return url


def request_line(method: str, url: str, http_version: str) -> str:
    """``GET /path?query HTTP/1.1`` for a request to the (checked) ``url``."""
    if not _TOKEN_RE.fullmatch(method):
        raise ValueError(f"invalid HTTP method {method!r}")
    if not _HTTP_VERSION_RE.fullmatch(http_version):
        raise ValueError(f"invalid HTTP version {http_version!r}")
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{method} {target} {http_version}"


def status_line(status: int, reason: str) -> str:
    """``"<status> <reason>"`` of a response (without the protocol); an empty reason becomes the standard phrase."""
    if not isinstance(status, int) or not 100 <= status <= 999:
        raise ValueError(f"invalid HTTP status {status!r}")
    if any(c in reason for c in _LINE_BREAKS):
        raise ValueError("line break in reason phrase")
    if not reason:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = ""  # non-standard code: "HTTP/1.1 599 " is still a valid status line
    return f"{status} {reason}"


def request_headers(headers: Iterable[tuple[str, str]], url: str) -> list[tuple[str, str]]:
    """Checked request headers, with the Host header the request was sent with."""
    checked = _check_headers(headers)
    if not any(name.lower() == "host" for name, _ in checked):
        # Twisted always sends Host but Scrapy's request.headers do not show it.
        checked.insert(0, ("Host", urlsplit(url).netloc.rpartition("@")[2]))
    return checked


def response_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Checked response headers, without those describing the transfer (DROPPED_RESPONSE_HEADERS)."""
    return [(n, v) for n, v in _check_headers(headers) if n.lower() not in DROPPED_RESPONSE_HEADERS]


def ip_address(ip: str | None) -> str | None:
    """The canonical text of an IPv4/IPv6 address (None stays None)."""
    return None if ip is None else str(ipaddress.ip_address(ip))


def revisit_profile(
    status: int, body: bytes, digest: str, revisit_of: RecordLocation | RevisitTarget | None
) -> str | None:
    """The WARC-Profile of the revisit record replacing this response, or None to write a full response.

    ``digest`` is ``payload_digest(body)``. An empty-bodied 304 revisits the response it
    revalidated; any other status needs the same payload digest as ``revisit_of``. A 304 that has
    a body is archived as a plain response so no byte is dropped.
    """
    if revisit_of is None:
        return None
    if status == 304:
        return None if body else PROFILE_SERVER_NOT_MODIFIED
    if revisit_of.payload_digest != digest:
        # A revisit discards the body; with a different digest that would lose data.
        raise ValueError(f"revisit_of has payload digest {revisit_of.payload_digest!r}, body has {digest!r}")
    return PROFILE_IDENTICAL_PAYLOAD


def outcome_fields(
    outcome: str, detail: str, referrer: str | None, site: str | None = None, method: str = "GET"
) -> bytes:
    """The ``application/warc-fields`` payload of a metadata record for a fetch without a response."""
    _check_outcome(outcome)
    if not _TOKEN_RE.fullmatch(method):
        raise ValueError(f"invalid HTTP method {method!r}")
    fields = {"outcome": outcome, "detail": _single_line(detail)}
    if referrer:
        fields["referrer"] = _single_line(referrer)
    if method != "GET":
        fields["method"] = method
    if site:
        fields["site"] = _single_line(site)
    return "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode("utf-8")


# What the crawl knew of a fetch beyond the HTTP exchange, as WARC header fields of its response record: with them
# `nianbao archive reindex` gives back the index row the crawl wrote.
CRAWL_FIELDS = {"site": "Nianbao-Site", "outcome": "Nianbao-Outcome", "error": "Nianbao-Error"}
KIND_FIELD = "Nianbao-Kind"  # names what a metadata record written by write_metadata holds
METADATA_KINDS = ("discovery", "event", "run")


def crawl_headers(site: str | None, outcome: str | None, error: str | None) -> dict[str, str]:
    """The WARC header fields recording ``site``, ``outcome`` and ``error`` of a fetch (absent ones left out)."""
    if outcome is not None:
        _check_outcome(outcome)
    values = {"site": site, "outcome": outcome, "error": error}
    return {CRAWL_FIELDS[name]: _single_line(value) for name, value in values.items() if value}


def metadata_json(kind: str, fields: Mapping[str, Any]) -> bytes:
    """The ``application/json`` payload of a metadata record of ``kind`` (discovery, event, run)."""
    if kind not in METADATA_KINDS:
        raise ValueError(f"metadata kind must be one of {METADATA_KINDS}, got {kind!r}")
    # default=str: settings and stats carry datetimes; sort_keys: the same fields give the same bytes.
    return json.dumps(dict(fields), ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


def _check_outcome(outcome: str) -> None:
    if not isinstance(outcome, str) or not _OUTCOME_RE.fullmatch(outcome):
        raise ValueError(f"outcome must match [a-z][a-z0-9_]*, got {outcome!r}")


def _check_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    checked = []
    for name, value in headers:
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError(f"header names and values must be str (decode bytes as latin-1): {name!r}")
        if not _TOKEN_RE.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if any(c in value for c in _LINE_BREAKS):
            # A line break would end the header block early and corrupt the record.
            raise ValueError(f"line break in value of header {name!r}")
        checked.append((name, value))
    return checked


def _single_line(text: str) -> str:
    return _NEWLINES.sub(" ", text).strip()


def header_map(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Header values by lower-case name, repeated headers joined with ", " (as the crawl indexes them)."""
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out
