"""WARC writing: every byte nianbao fetches is archived here before anything parses it.

Files are gzip-per-record WARC/1.0 (``<warc folder>/nianbao-<run_id>-<serial>.warc.gz``), so any
record can be read back from its (file, offset) alone; see :mod:`archive.reader`.
"""

from __future__ import annotations

import http
import ipaddress
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

DEFAULT_MAX_FILE_BYTES = 1 << 30  # 1 GiB

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


class _RawHeaders(StatusAndHeaders):
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


def _check_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    checked = []
    for name, value in headers:
        if not isinstance(name, str) or not isinstance(value, str):
            raise ValueError(f"header names and values must be str (decode bytes as latin-1): {name!r}")
        if not _TOKEN_RE.fullmatch(name):
            raise ValueError(f"invalid header name {name!r}")
        if any(c in value for c in "\r\n\x00"):
            # A line break would end the header block early and corrupt the record.
            raise ValueError(f"line break in value of header {name!r}")
        checked.append((name, value))
    return checked


def _has_header(headers: Iterable[tuple[str, str]], name: str) -> bool:
    return any(n.lower() == name for n, _ in headers)


def _check_url(url: str, *, http_only: bool) -> str:
    if not isinstance(url, str) or not url or _BAD_URL_CHARS.search(url):
        raise ValueError(f"URL is empty or contains whitespace/control characters: {url!r}")
    parts = urlsplit(url)
    # warcio only parses HTTP headers of http(s) records; anything else could not be read back.
    if http_only and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return url


def _single_line(text: str) -> str:
    return _NEWLINES.sub(" ", text).strip()


class WarcWriter:
    """Append-only writer of one crawl run's WARC files.

    A file is opened lazily on the first write and closed once it has grown past
    ``max_file_bytes``; the next write opens the next serial. Records of one exchange always
    share a file. Safe to call from several threads.
    """

    def __init__(
        self,
        warc_dir: str | os.PathLike[str],
        run_id: str,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        *,
        info: Mapping[str, str] | None = None,
    ) -> None:
        """``info``: extra ``name: value`` fields for each file's warcinfo record."""
        if max_file_bytes <= 0:
            raise ValueError("max_file_bytes must be positive")
        self.warc_dir = Path(warc_dir)
        self.run_id = validate_run_id(run_id)
        self.max_file_bytes = max_file_bytes
        self.files: list[str] = []  # every file this writer created, as <warc folder>/<name>
        self._info = dict(info or {})
        self._serial = 0
        self._fh: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self._warc_file = ""
        self._warcinfo_id = ""
        self._closed = False
        self._lock = threading.Lock()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush and close the current file; the writer cannot be used afterwards."""
        with self._lock:
            self._close_file()
            self._closed = True

    def write_exchange(
        self,
        url: str,
        *,
        method: str = "GET",
        request_headers: Iterable[tuple[str, str]] = (),
        request_body: bytes = b"",
        status: int,
        reason: str = "",
        response_headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        fetched_at: datetime,
        ip: str | None = None,
        http_version: str = "HTTP/1.1",
        revisit_of: RecordLocation | RevisitTarget | None = None,
    ) -> RecordLocation:
        """Archive one HTTP fetch as a response (or revisit) record plus its request record.

        ``body`` is the entity body as transferred: still compressed if the response has a
        Content-Encoding, but de-chunked. Header values are str; pass bytes decoded as latin-1.

        With ``revisit_of`` (the earliest response with the same payload digest) a revisit
        record with the identical-payload-digest profile replaces the response; its
        ``payload_digest`` must equal ``payload_digest(body)``. For an empty-bodied 304,
        ``revisit_of`` (the response being revalidated) gives a server-not-modified revisit.
        A 304 that has a body is archived as a plain response so no byte is dropped.
        """
        _check_url(url, http_only=True)
        if not _TOKEN_RE.fullmatch(method):
            raise ValueError(f"invalid HTTP method {method!r}")
        if not _HTTP_VERSION_RE.fullmatch(http_version):
            raise ValueError(f"invalid HTTP version {http_version!r}")
        if not isinstance(status, int) or not 100 <= status <= 999:
            raise ValueError(f"invalid HTTP status {status!r}")
        if any(c in reason for c in "\r\n\x00"):
            raise ValueError("line break in reason phrase")
        if not reason:
            try:
                reason = http.HTTPStatus(status).phrase
            except ValueError:
                reason = ""  # non-standard code: "HTTP/1.1 599 " is still a valid status line
        date = warc_date(fetched_at)
        if ip is not None:
            ip = str(ipaddress.ip_address(ip))
        digest = payload_digest(body)

        profile = None
        if revisit_of is not None:
            if status == 304:
                profile = None if body else PROFILE_SERVER_NOT_MODIFIED
            elif revisit_of.payload_digest != digest:
                # A revisit discards the body; with a different digest that would lose data.
                raise ValueError(f"revisit_of has payload digest {revisit_of.payload_digest!r}, body has {digest!r}")
            else:
                profile = PROFILE_IDENTICAL_PAYLOAD

        resp_headers = [
            (n, v) for n, v in _check_headers(response_headers) if n.lower() not in DROPPED_RESPONSE_HEADERS
        ]
        req_headers = _check_headers(request_headers)
        if not _has_header(req_headers, "host"):
            # Twisted always sends Host but Scrapy's request.headers do not show it.
            req_headers.insert(0, ("Host", urlsplit(url).netloc.rpartition("@")[2]))
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

        with self._lock:
            writer = self._ensure_open()
            response_id = StatusAndHeadersParser.make_warc_id()
            request_id = StatusAndHeadersParser.make_warc_id()
            common = self._common_headers(url, date, ip)
            http_headers = _RawHeaders(f"{status} {reason}", resp_headers, protocol=http_version)

            if profile is None:
                record_type = "response"
                refers_to = None
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    length=len(body),
                    http_headers=http_headers,
                    warc_headers_dict={"WARC-Type": "response", "WARC-Record-ID": response_id, **common},
                )
            else:
                assert revisit_of is not None
                record_type = "revisit"
                refers_to = revisit_of.record_id
                fields = {
                    "WARC-Type": "revisit",
                    "WARC-Record-ID": response_id,
                    **common,
                    "WARC-Profile": profile,
                    "WARC-Refers-To": revisit_of.record_id,
                    "WARC-Refers-To-Target-URI": revisit_of.target_uri,
                    "WARC-Refers-To-Date": warc_date(revisit_of.date),
                }
                if profile == PROFILE_IDENTICAL_PAYLOAD:
                    fields["WARC-Payload-Digest"] = digest
                # No payload: warcio writes only the HTTP headers for revisit records.
                record = writer.create_warc_record(url, "revisit", http_headers=http_headers, warc_headers_dict=fields)

            request = writer.create_warc_record(
                url,
                "request",
                payload=BytesIO(request_body),
                length=len(request_body),
                http_headers=_RawHeaders(f"{method} {target} {http_version}", req_headers, is_http_request=True),
                warc_headers_dict={
                    "WARC-Type": "request",
                    "WARC-Record-ID": request_id,
                    **common,
                    "WARC-Concurrent-To": response_id,
                },
            )
            offset, length = self._write(record)
            self._write(request)
            location = RecordLocation(
                warc_file=self._warc_file,
                offset=offset,
                length=length,
                record_id=response_id,
                record_type=record_type,
                target_uri=url,
                date=date,
                payload_digest=None if profile == PROFILE_SERVER_NOT_MODIFIED else digest,
                refers_to=refers_to,
                request_record_id=request_id,
            )
            self._rotate_if_full()
        return location

    def write_outcome(
        self,
        url: str,
        outcome: str,
        detail: str,
        fetched_at: datetime,
        referrer: str | None = None,
    ) -> RecordLocation:
        """Archive a fetch that produced no HTTP response as a ``metadata`` record.

        ``outcome`` is a short lower-case code (``robots_refused``, ``network_error``,
        ``too_large``, ...); ``detail`` is free text, folded onto one line.
        """
        _check_url(url, http_only=False)
        if not _OUTCOME_RE.fullmatch(outcome):
            raise ValueError(f"outcome must match [a-z][a-z0-9_]*, got {outcome!r}")
        date = warc_date(fetched_at)
        fields = {"outcome": outcome, "detail": _single_line(detail)}
        if referrer:
            fields["referrer"] = _single_line(referrer)
        content = "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode("utf-8")

        with self._lock:
            writer = self._ensure_open()
            record_id = StatusAndHeadersParser.make_warc_id()
            record = writer.create_warc_record(
                url,
                "metadata",
                payload=BytesIO(content),
                length=len(content),
                warc_content_type="application/warc-fields",
                warc_headers_dict={
                    "WARC-Type": "metadata",
                    "WARC-Record-ID": record_id,
                    **self._common_headers(url, date, None),
                },
            )
            offset, length = self._write(record)
            location = RecordLocation(
                warc_file=self._warc_file,
                offset=offset,
                length=length,
                record_id=record_id,
                record_type="metadata",
                target_uri=url,
                date=date,
            )
            self._rotate_if_full()
        return location

    # -- internals (callers hold self._lock) ------------------------------------------------

    def _common_headers(self, url: str, date: str, ip: str | None) -> dict[str, str]:
        headers = {"WARC-Date": date, "WARC-Target-URI": url}
        if ip:
            headers["WARC-IP-Address"] = ip
        headers["WARC-Warcinfo-ID"] = self._warcinfo_id
        return headers

    def _ensure_open(self) -> WARCWriter:
        if self._closed:
            raise ValueError("WarcWriter is closed")
        if self._writer is not None:
            return self._writer
        directory = self.warc_dir
        directory.mkdir(parents=True, exist_ok=True)
        while True:
            name = f"nianbao-{self.run_id}-{self._serial:05d}.warc.gz"
            self._serial += 1
            try:
                # Exclusive create: a resumed run or a second process with the same run id moves
                # on to the next serial instead of clobbering or interleaving with a file.
                fh = open(directory / name, "xb")  # stays open across calls; closed in _close_file
            except FileExistsError:
                continue
            break
        self._fh = fh
        self._writer = WARCWriter(fh, gzip=True, warc_version="1.0")
        self._warc_file = f"{directory.name}/{name}"
        self.files.append(self._warc_file)
        info = {
            "software": _software(),
            "format": "WARC File Format 1.0",
            "conformsTo": "http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf",
            "isPartOf": f"nianbao-{self.run_id}",
            "nianbao-run-id": self.run_id,
            "description": "政府信息公开工作年度报告 crawl by nianbao",
            **self._info,
        }
        warcinfo = self._writer.create_warcinfo_record(name, info)
        self._warcinfo_id = warcinfo.rec_headers.get_header("WARC-Record-ID")
        self._write(warcinfo)
        return self._writer

    def _write(self, record: Any) -> tuple[int, int]:
        assert self._fh is not None and self._writer is not None
        offset = self._fh.tell()
        self._writer.write_record(record)  # writes one gzip member and flushes
        return offset, self._fh.tell() - offset

    def _rotate_if_full(self) -> None:
        if self._fh is not None and self._fh.tell() >= self.max_file_bytes:
            self._close_file()

    def _close_file(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        self._writer = None


def _software() -> str:
    def _version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "unknown"

    return f"nianbao/{_version('nianbao')} (warcio/{_version('warcio')})"
