"""`/-/archive/{sha256}`: the archived copy of a document, read from the WARC files of the served database's data
directory (the database is `<data dir>/reports.db`, its archive `<data dir>/archive/warc`).

No path comes from the request: the digest is looked up in the `documents` table and the WARC file named by that row
is confined to the WARC folder (archive.reader.warc_path). Archived pages are foreign HTML: every answer carries
`Content-Security-Policy: sandbox`, so their scripts never run on our origin; PDF, DOCX and DOC are downloads.
"""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response

from archive.index import ProvenanceIndex
from archive.reader import ArchivedResponse, read_response
from common.datadir import DataDir

_SHA256 = re.compile(r"[0-9a-f]{64}")
DOWNLOADS = {  # format -> (file extension, content type when the archived response names none)
    "pdf": (".pdf", "application/pdf"),
    "docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "doc": (".doc", "application/msword"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": (".xls", "application/vnd.ms-excel"),
    "ofd": (".ofd", "application/ofd"),
}
SAFETY_HEADERS = {"content-security-policy": "sandbox", "x-content-type-options": "nosniff"}
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')

_DOCUMENT_SQL = "select warc_file, warc_offset, format, content_type from documents where sha256 = ?"
# The report that names a download: the one whose newest version is the document, else one with an older version.
_NAMING_REPORT_SQL = """
select title, agency, year from reports where document_sha256 = :sha256
union all
select r.title, r.agency, r.year from report_versions v join reports r on r.id = v.report_id
where v.document_sha256 = :sha256
limit 1
"""


def _not_found(text: str) -> Response:
    return Response.text(text, status=404, headers=dict(SAFETY_HEADERS))


def download_name(report: dict[str, Any] | None, extension: str, sha256: str) -> str:
    """The report's title (else agency and year, else the digest) and the format's extension."""
    report = report or {}
    title = report.get("title") or "-".join(str(report[k]) for k in ("agency", "year") if report.get(k))
    stem = _UNSAFE_IN_NAME.sub(" ", title).strip(" .")[:100] or sha256[:16]
    return stem + extension


def content_disposition(name: str, sha256: str) -> str:
    """attachment, with an ASCII fallback name and the real one in UTF-8 (RFC 6266 / RFC 5987 filename*)."""
    fallback = f"nianbao-{sha256[:16]}{Path(name).suffix}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"


def _read(warc_dir: Path, index_path: Path, document: dict[str, Any]) -> ArchivedResponse:
    # The index finds the original of a revisit record without scanning every WARC file.
    index = ProvenanceIndex(index_path, readonly=True) if index_path.exists() else None
    try:
        return read_response(warc_dir, document["warc_file"], document["warc_offset"], index)
    finally:
        if index is not None:
            index.close()


async def archived_copy(datasette: Any, request: Any) -> Response:
    sha256 = request.url_vars["sha256"].lower()
    if not _SHA256.fullmatch(sha256):
        return _not_found("not a SHA-256 digest")
    db = datasette.get_database()
    rows = (await db.execute(_DOCUMENT_SQL, [sha256])).rows
    if not rows:
        return _not_found("no document with this digest")
    document = dict(rows[0])
    data_dir = DataDir(Path(db.path).parent)
    try:
        response = await asyncio.to_thread(_read, data_dir.warc_dir, data_dir.index, document)
    except FileNotFoundError:
        return _not_found("the archive of this database is not here")
    headers = dict(SAFETY_HEADERS)
    download = DOWNLOADS.get(document["format"])
    if download:
        report = (await db.execute(_NAMING_REPORT_SQL, {"sha256": sha256})).first()
        name = download_name(dict(report) if report else None, download[0], sha256)
        headers["content-disposition"] = content_disposition(name, sha256)
    default_type = download[1] if download else "application/octet-stream"
    content_type = response.content_type or document["content_type"] or default_type
    return Response(response.body, headers=headers, content_type=content_type)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/archive/(?P<sha256>[^/]+)$", archived_copy)]
