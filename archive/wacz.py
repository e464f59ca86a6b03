"""Exporting the archive, or the part of it about one site or one year, as a WACZ 1.1.1 package (Webrecorder's
zip of WARC files, a CDXJ index, a page list and a datapackage with every file's hash), for ReplayWeb.page, pywb
and anyone else. Written here rather than with py-wacz, whose dependencies (frictionless, pydantic, rich, typer,
jsonschema, ...) would more than double ours for a zip file; the tests validate the result with py-wacz itself."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive.cdxj import cdxj_path, merged_lines, write_cdxj
from archive.index import ProvenanceIndex
from archive.walk import walk_file, warc_files

WACZ_VERSION = "1.1.1"
_PAGE_KINDS = ("report_page", "attachment")


@dataclass(frozen=True)
class Exported:
    path: Path
    warc_files: int
    records: int
    pages: int


@dataclass(frozen=True)
class Selection:
    """The fetches an export holds: every one, or a site's, or those of a year's reports."""

    site: str | None = None
    year: int | None = None

    @property
    def everything(self) -> bool:
        return self.site is None and self.year is None


def export_wacz(warc_dir: Path, index_path: Path, out: Path, selection: Selection | None = None) -> Exported:
    """Write ``out``: the selected fetches' records with their request records, the revisit targets they need and
    their files' warcinfo records; with a selection, each WARC file is copied record by record (the bytes of each
    record unchanged) keeping only those."""
    selection = selection or Selection()
    with ProvenanceIndex(index_path, readonly=True) as index:
        fetches = list(index.fetches())
        discoveries = list(index.discoveries())
    chosen = _chosen_fetches(fetches, discoveries, selection)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".wacz-") as scratch:
        folder = Path(scratch) / warc_dir.name
        folder.mkdir()
        files, records = _select_records(warc_dir, folder, chosen, selection.everything)
        if not files:
            raise ValueError("nothing to export: no fetch matches the selection")
        pages = _pages(chosen, discoveries)
        staging = out.with_name(f".{out.name}.tmp")
        try:
            _write_zip(staging, files, pages)
            staging.replace(out)
        finally:
            staging.unlink(missing_ok=True)  # a failed write leaves nothing behind
    return Exported(out, len(files), records, len(pages) - 1)


def _chosen_fetches(
    fetches: list[dict[str, Any]], discoveries: list[dict[str, Any]], selection: Selection
) -> list[dict[str, Any]]:
    year_urls = {d["url"] for d in discoveries if d["year"] == selection.year}
    chosen = [
        f
        for f in fetches
        if f["warc_record_id"]
        and (selection.site is None or f["site"] == selection.site)
        and (selection.year is None or f["url"] in year_urls)
    ]
    by_id = {f["warc_record_id"]: f for f in fetches if f["warc_record_id"]}
    wanted = {f["warc_record_id"] for f in chosen}
    for fetch in list(chosen):  # the responses their revisits stand for
        target = by_id.get(fetch["refers_to_record_id"])
        while target is not None and target["warc_record_id"] not in wanted:
            wanted.add(target["warc_record_id"])
            chosen.append(target)
            target = by_id.get(target["refers_to_record_id"])
    return chosen


def _select_records(
    warc_dir: Path, folder: Path, chosen: list[dict[str, Any]], everything: bool
) -> tuple[list[tuple[Path, Path]], int]:
    """[(WARC file, its CDXJ)] to package, and how many records they hold."""
    wanted = {f["warc_record_id"] for f in chosen}
    packaged: list[tuple[Path, Path]] = []
    records = 0
    for path in warc_files(warc_dir):
        if everything:
            cdxj = cdxj_path(path)
            if not cdxj.exists():
                cdxj = write_cdxj(path, cdxj_path(folder / path.name))
            packaged.append((path, cdxj))
            records += sum(1 for _ in walk_file(path))
            continue
        keep = []
        warcinfo = None
        for record in walk_file(path):
            if record.rec_type == "warcinfo":
                warcinfo = record
            elif record.record_id in wanted or record.header("WARC-Concurrent-To") in wanted:
                keep.append(record)
        if not keep:
            continue
        keep = [warcinfo, *keep] if warcinfo is not None else keep
        copy = folder / path.name
        with path.open("rb") as source, copy.open("wb") as target:
            for record in keep:
                source.seek(record.offset)
                target.write(source.read(record.length))
        packaged.append((copy, write_cdxj(copy)))
        records += len(keep)
    return packaged, records


def _pages(chosen: list[dict[str, Any]], discoveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pages.jsonl: its header, then the report pages and attachments (every HTML page when nothing was found)."""
    titles = {d["url"]: d["title"] for d in discoveries if d["kind"] in _PAGE_KINDS}
    pages: list[dict[str, Any]] = [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}]
    seen = set()
    for fetch in chosen:
        is_page = fetch["url"] in titles if titles else "html" in (fetch["content_type"] or "")
        if fetch["status"] == 200 and is_page and fetch["url"] not in seen:
            seen.add(fetch["url"])
            page = {"id": fetch["warc_record_id"].strip("<>").removeprefix("urn:uuid:"), "url": fetch["url"],
                    "ts": fetch["fetched_at"]}  # fmt: skip
            if titles.get(fetch["url"]):
                page["title"] = titles[fetch["url"]]
            pages.append(page)
    return pages


def _write_zip(out: Path, files: list[tuple[Path, Path]], pages: list[dict[str, Any]]) -> None:
    resources = []
    with zipfile.ZipFile(out, "w") as wacz:

        def add(name: str, chunks: Iterable[bytes], stored: bool = False, size: int = 0) -> None:
            info = zipfile.ZipInfo(name, datetime.now(UTC).timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED  # WARCs stored, as specified
            digest = hashlib.sha256()
            total = 0
            with wacz.open(info, "w", force_zip64=size > 1 << 31) as fh:
                for chunk in chunks:
                    digest.update(chunk)
                    total += len(chunk)
                    fh.write(chunk)
            resources.append({"name": Path(name).name.lower(), "path": name, "hash": f"sha256:{digest.hexdigest()}",
                              "bytes": total})  # fmt: skip

        for warc, _ in files:
            add(f"archive/{warc.name}", _chunks(warc), stored=True, size=warc.stat().st_size)
        add("indexes/index.cdx", (line.encode() for line in merged_lines([cdxj for _, cdxj in files])))
        add("pages/pages.jsonl", (json.dumps(page, ensure_ascii=False).encode() + b"\n" for page in pages))
        package = {
            "profile": "data-package",
            "resources": resources,
            "title": "nianbao archive: 政府信息公开工作年度报告",
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wacz_version": WACZ_VERSION,
            "software": "nianbao",
        }
        data = json.dumps(package, ensure_ascii=False, indent=2).encode()
        wacz.writestr("datapackage.json", data, zipfile.ZIP_DEFLATED)
        digest = {"path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}
        wacz.writestr("datapackage-digest.json", json.dumps(digest, indent=2), zipfile.ZIP_DEFLATED)


def _chunks(path: Path) -> Iterable[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            yield chunk
