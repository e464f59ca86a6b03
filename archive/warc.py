"""WARC writing: every byte nianbao fetches is archived here before anything parses it.

Files are gzip-per-record WARC/1.0 (``<warc folder>/nianbao-<run_id>-<serial>.warc.gz``), so any
record can be read back from its (file, offset) alone; see :mod:`archive.reader`. What goes into a
record is built and checked in :mod:`archive.records`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import metadata
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from warcio.statusandheaders import StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from archive import records
from archive.cdxj import write_cdxj
from archive.records import RecordLocation, RevisitTarget

DEFAULT_MAX_FILE_BYTES = 1 << 30  # 1 GiB


class WarcWriter:
    """Append-only writer of one crawl run's WARC files.

    A file is opened lazily on the first write and closed once it has grown past
    ``max_file_bytes``; the next write opens the next serial. A file that exists is never
    written to: a resumed run starts at its next free serial. Records of one exchange always
    share a file. Each closed file gets its CDXJ index beside it (archive.cdxj). Safe to call
    from several threads.
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
        self.run_id = records.validate_run_id(run_id)
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
        site: str | None = None,
        outcome: str | None = None,
        error: str | None = None,
    ) -> RecordLocation:
        """Archive one HTTP fetch as a response (or revisit) record plus its request record.

        ``body`` is the entity body as transferred: still compressed if the response has a
        Content-Encoding, but de-chunked. Header values are str; pass bytes decoded as latin-1.

        With ``revisit_of`` (the earliest response with the same payload digest) a revisit
        record with the identical-payload-digest profile replaces the response; its
        ``payload_digest`` must equal ``payload_digest(body)``. For an empty-bodied 304,
        ``revisit_of`` (the response being revalidated) gives a server-not-modified revisit.
        A 304 that has a body is archived as a plain response so no byte is dropped.

        ``site``, ``outcome`` and ``error`` are what the crawl puts in the fetch's index row: kept in the response
        record's header (records.CRAWL_FIELDS) so the index can be rebuilt from the WARC files alone.
        """
        records.check_url(url, http_only=True)
        crawl = records.crawl_headers(site, outcome, error)
        request_line = records.request_line(method, url, http_version)
        status_line = records.status_line(status, reason)
        date = records.warc_date(fetched_at)
        ip = records.ip_address(ip)
        digest = records.payload_digest(body)
        profile = records.revisit_profile(status, body, digest, revisit_of)
        resp_headers = records.response_headers(response_headers)
        req_headers = records.request_headers(request_headers, url)

        with self._lock:
            writer = self._ensure_open()
            response_id = StatusAndHeadersParser.make_warc_id()
            request_id = StatusAndHeadersParser.make_warc_id()
            common = self._common_headers(url, date, ip)
            response_fields = {**common, **crawl}
            http_headers = records.RawHeaders(status_line, resp_headers, protocol=http_version)

            if profile is None:
                record_type = "response"
                refers_to = None
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    length=len(body),
                    http_headers=http_headers,
                    warc_headers_dict={"WARC-Type": "response", "WARC-Record-ID": response_id, **response_fields},
                )
            else:
                assert revisit_of is not None
                record_type = "revisit"
                refers_to = revisit_of.record_id
                fields = {
                    "WARC-Type": "revisit",
                    "WARC-Record-ID": response_id,
                    **response_fields,
                    "WARC-Profile": profile,
                    "WARC-Refers-To": revisit_of.record_id,
                    "WARC-Refers-To-Target-URI": revisit_of.target_uri,
                    "WARC-Refers-To-Date": records.warc_date(revisit_of.date),
                }
                if profile == records.PROFILE_IDENTICAL_PAYLOAD:
                    fields["WARC-Payload-Digest"] = digest
                # No payload: warcio writes only the HTTP headers for revisit records.
                record = writer.create_warc_record(url, "revisit", http_headers=http_headers, warc_headers_dict=fields)

            request = writer.create_warc_record(
                url,
                "request",
                payload=BytesIO(request_body),
                length=len(request_body),
                http_headers=records.RawHeaders(request_line, req_headers, is_http_request=True),
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
                payload_digest=None if profile == records.PROFILE_SERVER_NOT_MODIFIED else digest,
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
        *,
        site: str | None = None,
        method: str = "GET",
    ) -> RecordLocation:
        """Archive a fetch that produced no HTTP response as a ``metadata`` record.

        ``outcome`` is a short lower-case code (``robots_refused``, ``network_error``,
        ``too_large``, ...); ``detail`` is free text, folded onto one line.
        """
        content = records.outcome_fields(outcome, detail, referrer, site, method)
        return self._write_metadata_record(url, fetched_at, content, "application/warc-fields", {})

    def write_metadata(self, target_uri: str, kind: str, fields: Mapping[str, Any], at: datetime) -> RecordLocation:
        """Archive what the index holds beside the fetches as a ``metadata`` record (``application/json``, its kind
        in the ``Nianbao-Kind`` header field): ``discovery`` (a discoveries row), ``event`` (a run_events row) or
        ``run`` (a run's start or end: run_id, status, sites, settings, stats). With these the WARC files alone
        hold everything the index holds."""
        content = records.metadata_json(kind, fields)
        return self._write_metadata_record(target_uri, at, content, "application/json", {records.KIND_FIELD: kind})

    def _write_metadata_record(
        self, url: str, at: datetime, content: bytes, content_type: str, extra: dict[str, str]
    ) -> RecordLocation:
        records.check_url(url, http_only=False)
        date = records.warc_date(at)
        with self._lock:
            writer = self._ensure_open()
            record_id = StatusAndHeadersParser.make_warc_id()
            record = writer.create_warc_record(
                url,
                "metadata",
                payload=BytesIO(content),
                length=len(content),
                warc_content_type=content_type,
                warc_headers_dict={
                    "WARC-Type": "metadata",
                    "WARC-Record-ID": record_id,
                    **self._common_headers(url, date, None),
                    **extra,
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
        # The file is whole and will not change again: its CDXJ index can be written now, once.
        write_cdxj(self.warc_dir.parent / self._warc_file)


def _software() -> str:
    def _version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "unknown"

    return f"nianbao/{_version('nianbao')} (warcio/{_version('warcio')})"
