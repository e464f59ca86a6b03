"""Index rows read back from WARC records: what the crawl wrote into the provenance index, derived from the records
alone (archive.reindex rebuilds the index with these; archive.verify matches records and rows with them)."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from archive.content import decode_content
from archive.records import CRAWL_FIELDS, KIND_FIELD, header_map
from archive.walk import WarcRecord

Row = dict[str, Any]


def derived_outcome(status: int) -> str:
    """The outcome of a response whose record does not say it (archives written before records carried it)."""
    if status == 304:
        return "not_modified"
    if 300 <= status < 400:
        return "redirect"
    return "http_error" if status >= 400 else "ok"


def kind_of(record: WarcRecord) -> str | None:
    """``outcome`` for a fetch without a response, the Nianbao-Kind of a metadata record written by
    write_metadata, else None."""
    if record.rec_type != "metadata":
        return None
    if record.header("Content-Type") == "application/warc-fields":
        return "outcome"
    return record.header(KIND_FIELD)


def exchange_row(record: WarcRecord, run_id: str, body: bytes | None) -> Row:
    """The fetch row of a response or revisit record. ``body``: the payload as transferred (for a revisit, its
    original's); None when it cannot be had (a revisit whose original is missing)."""
    assert record.http is not None
    headers = [(str(n), str(v)) for n, v in record.http.headers]
    lower = header_map(headers)
    status = int(record.http.get_statuscode() or 0)
    outcome = record.header(CRAWL_FIELDS["outcome"]) or derived_outcome(status)
    decoded = None
    if body is not None and outcome != "too_large":  # a body over the limit was never decoded by the crawl either
        decoded = decode_content(headers, body)
    return {
        "run_id": run_id,
        "site": record.header(CRAWL_FIELDS["site"]) or urlsplit(record.header("WARC-Target-URI") or "").hostname,
        "url": record.header("WARC-Target-URI"),
        "method": "GET",  # the request record that follows says otherwise
        "fetched_at": record.header("WARC-Date"),
        "status": status,
        "outcome": outcome,
        "content_type": lower.get("content-type"),
        "length": None if decoded is None else len(decoded),
        "sha256": None if decoded is None else hashlib.sha256(decoded).hexdigest(),
        "etag": lower.get("etag"),
        "last_modified": lower.get("last-modified"),
        "headers_json": json.dumps(headers, ensure_ascii=False),
        "ip": record.header("WARC-IP-Address"),
        "referrer": None,  # from the request record
        "error": record.header(CRAWL_FIELDS["error"]),
        **location_fields(record),
        "payload_digest": record.header("WARC-Payload-Digest"),
        "refers_to_record_id": record.header("WARC-Refers-To"),
    }


def add_request(row: Row, request: WarcRecord) -> None:
    """Method and referrer of a fetch, from its request record."""
    if request.http is not None:
        row["method"] = request.http.protocol or "GET"  # warcio puts a request line's method here
        row["referrer"] = request.http.get_header("Referer")


def outcome_row(record: WarcRecord, run_id: str) -> Row:
    """The fetch row of a fetch without a response (an ``application/warc-fields`` metadata record)."""
    fields = dict(
        line.split(": ", 1) for line in record.payload.decode("utf-8").split("\r\n") if ": " in line
    )  # fmt: skip
    url = record.header("WARC-Target-URI")
    return {
        "run_id": run_id,
        "site": fields.get("site") or urlsplit(url or "").hostname,
        "url": url,
        "method": fields.get("method", "GET"),
        "fetched_at": record.header("WARC-Date"),
        "outcome": fields.get("outcome"),
        "referrer": fields.get("referrer"),
        "error": fields.get("detail"),
        **location_fields(record),
    }


def location_fields(record: WarcRecord) -> Row:
    return {
        "warc_file": record.warc_file,
        "warc_offset": record.offset,
        "warc_length": record.length,
        "warc_record_id": record.record_id,
        "record_type": record.rec_type,
        "payload_digest": None,
        "refers_to_record_id": None,
    }


def metadata_fields(record: WarcRecord) -> dict[str, Any]:
    """The JSON fields of a metadata record written by write_metadata."""
    fields: dict[str, Any] = json.loads(record.payload)
    return fields


def discovery_key(run_id: str, fields: dict[str, Any]) -> tuple[str, str, str, str]:
    """What makes a discovery one (the index's discoveries_once)."""
    return (run_id, fields["url"], fields["kind"], fields.get("referrer") or "")


def event_key(run_id: str, fields: dict[str, Any]) -> tuple[str, str, str | None]:
    return (run_id, fields["kind"], fields.get("detail"))
