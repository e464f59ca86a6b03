"""The report attachments the replica sites link to: DOCX from python-docx, PDF and DOC converted by LibreOffice.

Files live in <cache_dir>/attachments, named <slug>-<key>.<ext> where the key hashes the report content and the
renderer version, so a warm start finds every file and does no work, and a changed report gets a new file: the files
of every edition (replica.editions) stand side by side, so the server switches editions without converting.
LibreOffice starts slowly, so all files of one format go through a single soffice call.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from common import libreoffice
from replica.content import Publication
from replica.editions import EDITIONS, publications_of
from replica.model import ReportContent
from replica.render import RENDERER_VERSION, report_docx

ATTACHMENT_FORMATS = ("pdf", "docx", "doc")
LIBREOFFICE_TARGETS = {"pdf": "pdf", "doc": "doc:MS Word 97"}  # --convert-to argument per format
LIBREOFFICE_TIMEOUT = 600  # seconds for one soffice call (a cold profile start alone can take a while)


class AttachmentError(RuntimeError):
    pass


@dataclass
class PreparedAttachments:
    files: list[Path] = field(default_factory=list)  # the attachment files of every edition (present ones only)
    written: list[Path] = field(default_factory=list)  # DOCX files written by this call
    converted: list[Path] = field(default_factory=list)  # files LibreOffice produced in this call (none when warm)
    skipped: list[Path] = field(default_factory=list)  # files not made because conversion was off


def content_key(content: ReportContent) -> str:
    """Stable hash of everything that shapes an attachment (the dataclass repr is deterministic)."""
    return hashlib.sha256(f"{RENDERER_VERSION}\n{content!r}".encode()).hexdigest()[:16]


def attachment_path(cache_dir: Path, publication: Publication) -> Path:
    return (
        Path(cache_dir)
        / "attachments"
        / f"{publication.report.slug}-{content_key(publication.report)}.{publication.format}"
    )


def prepare(cache_dir: Path, *, convert: bool = True) -> PreparedAttachments:
    """Make every attachment the sites of every edition link to; convert=False skips LibreOffice (PDF/DOC then stay
    missing)."""
    out_dir = Path(cache_dir) / "attachments"
    out_dir.mkdir(parents=True, exist_ok=True)
    by_path = {
        attachment_path(cache_dir, p): p
        for edition in EDITIONS
        for p in publications_of(edition)
        if p.format in ATTACHMENT_FORMATS
    }
    wanted = list(by_path.values())  # a report an edition leaves unchanged has one file
    result = PreparedAttachments()
    to_convert: dict[str, list[Publication]] = {fmt: [] for fmt in LIBREOFFICE_TARGETS}
    for pub in wanted:
        path = attachment_path(cache_dir, pub)
        if path.exists():
            result.files.append(path)
        elif pub.format == "docx":
            _write_atomic(path, report_docx(pub.report))
            result.written.append(path)
            result.files.append(path)
        elif convert:
            to_convert[pub.format].append(pub)
        else:
            result.skipped.append(path)
    for fmt, pubs in to_convert.items():
        if pubs:
            for path in _convert_all(cache_dir, pubs, fmt):
                result.converted.append(path)
                result.files.append(path)
    _remove_stale(out_dir, keep=set(by_path))
    return result


def _convert_all(cache_dir: Path, pubs: list[Publication], fmt: str) -> list[Path]:
    """Render each report to DOCX and convert them all with one soffice call; returns the files in `pubs` order."""
    with tempfile.TemporaryDirectory(prefix="nianbao-replica-") as tmp:
        work = Path(tmp)
        sources = []
        for pub in pubs:
            source = work / "in" / attachment_path(cache_dir, pub).with_suffix(".docx").name
            source.parent.mkdir(exist_ok=True)
            source.write_bytes(report_docx(pub.report))
            sources.append(source)
        converted = convert_with_libreoffice(sources, fmt, work / "out", profile_dir=work / "profile")
        results = []
        for pub, produced in zip(pubs, converted, strict=True):
            target = attachment_path(cache_dir, pub)
            shutil.move(produced, target.with_name(target.name + ".tmp"))
            os.replace(target.with_name(target.name + ".tmp"), target)
            results.append(target)
        return results


def convert_with_libreoffice(sources: list[Path], fmt: str, out_dir: Path, profile_dir: Path) -> list[Path]:
    """Convert `sources` to `fmt` in one headless soffice run (see common.libreoffice)."""
    print(
        f"replica: converting {len(sources)} report(s) to {fmt.upper()} with LibreOffice (first run only, slow)…",
        file=sys.stderr,
        flush=True,
    )
    try:
        return libreoffice.convert(sources, LIBREOFFICE_TARGETS[fmt], out_dir, profile_dir, LIBREOFFICE_TIMEOUT)
    except libreoffice.LibreOfficeError as e:
        raise AttachmentError(f"{e}; the replica's {fmt.upper()} files need it, or start it without conversion") from e


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _remove_stale(out_dir: Path, keep: set[Path]) -> None:
    """Drop files of older report versions so the cache does not grow with every content change."""
    for path in out_dir.iterdir():
        if path.is_file() and path.suffix != ".tmp" and path not in keep:
            path.unlink()
