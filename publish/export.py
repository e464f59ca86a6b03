"""`nianbao export --to DIR`: a dated, versioned release of reports.db, read-only, as downloads.

DIR/nianbao-YYYY-MM-DD-rN/ holds a Frictionless data package (datapackage.json, data/TABLE.csv in UTF-8 with a BOM),
parquet/TABLE.parquet, release_changes.csv (reports added, changed, gone or removed since the previous release in
DIR) and SHA256SUMS; DIR/nianbao-YYYY-MM-DD-rN.zip holds the folder, with its checksum beside it (.zip.sha256).
N counts the releases in DIR; DIR/releases.json lists them, newest first. A release is written aside and renamed
into place: DIR never shows half of one."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from publish.export_package import CHANGE_KINDS, CHANGES_RESOURCE, descriptor
from publish.export_tables import CSV_ENCODING, count, holding_keys, open_read_only, tables, write_table

RELEASE_NAME = re.compile(r"^nianbao-(\d{4}-\d{2}-\d{2})-r(\d+)$")
CHECKSUMS = "SHA256SUMS"


@dataclass
class Release:
    folder: Path
    zip: Path
    rows: dict[str, int] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)  # added / changed / gone -> reports
    previous: str | None = None

    def lines(self) -> list[str]:
        against = f"against {self.previous}" if self.previous else "(first release in this folder)"
        changed = ", ".join(f"{n} {kind}" for kind, n in self.changes.items())
        return [
            f"release {self.folder}",
            f"  {len(self.rows)} tables, {sum(self.rows.values())} rows: "
            + ", ".join(f"{t} {n}" for t, n in self.rows.items()),
            f"  changes {against}: {changed}",
            f"  zip {self.zip} ({self.zip.stat().st_size} bytes)",
        ]


def releases(to: Path) -> list[Path]:
    """The complete releases in DIR (those with their checksums), oldest first."""
    found = [p for p in to.glob("nianbao-*") if RELEASE_NAME.match(p.name) and (p / CHECKSUMS).is_file()]
    return sorted(found, key=lambda p: int(RELEASE_NAME.match(p.name).group(2)))  # type: ignore[union-attr]


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding=CSV_ENCODING, newline="") as f:
        yield from csv.DictReader(f)


def _versions(release: Path) -> dict[str, int]:
    """report id -> newest version, from a release's reports.csv (streamed)."""
    return {row["id"]: int(row.get("version") or 1) for row in _rows(release / "data" / "reports.csv")}


def _gone_since(previous: Path, release: Path) -> set[str]:
    """Reports whose site withdrew them since the previous release: their last change in the crawl runs the previous
    release did not hold is `gone` (a full sweep no longer found them; the archived copy stays in the database)."""
    earlier_runs = {row["run_id"] for row in _rows(previous / "data" / "crawl_runs.csv")}
    last: dict[str, tuple[str, str]] = {}  # report id -> (run id, change); run ids sort by time
    for row in _rows(release / "data" / "changes.csv"):
        if row["run_id"] not in earlier_runs and row["run_id"] >= last.get(row["report_id"], ("", ""))[0]:
            last[row["report_id"]] = (row["run_id"], row["change"])
    return {report_id for report_id, (_, change) in last.items() if change == "gone"}


def _write_changes(path: Path, previous: Path | None, release: Path) -> dict[str, int]:
    """release_changes.csv: each report added, changed (a newer version), gone (withdrawn by its site) or removed
    (no longer in the database) since the previous release; every report is added in a first release."""
    before = _versions(previous) if previous else {}
    after = _versions(release)
    gone = _gone_since(previous, release) if previous else set()
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    with path.open("w", encoding=CSV_ENCODING, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(["report_id", "change", "previous_version", "version"])
        for report_id in sorted(before.keys() | after.keys()):
            old, new = before.get(report_id), after.get(report_id)
            if old is None:
                change = "added"
            elif new is None:
                change = "removed"
            elif report_id in gone:
                change = "gone"
            elif new != old:
                change = "changed"
            else:
                continue
            writer.writerow([report_id, change, old, new])
            counts[change] += 1
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_checksums(folder: Path) -> None:
    """SHA256SUMS in sha256sum's format (`sha256sum -c SHA256SUMS` in the folder checks it)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS)
    lines = [f"{_sha256(p)}  {p.relative_to(folder).as_posix()}\n" for p in files]
    (folder / CHECKSUMS).write_text("".join(lines), encoding="utf-8")


def _zip(folder: Path, name: str, target: Path) -> None:
    with zipfile.ZipFile(target, "w", allowZip64=True) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                packed = zipfile.ZIP_STORED if path.suffix == ".parquet" else zipfile.ZIP_DEFLATED  # already zstd
                z.write(path, f"{name}/{path.relative_to(folder).as_posix()}", compress_type=packed)


def export(database: Path, to: Path, progress: Callable[[str], None], now: datetime | None = None) -> Release:
    """Write the next release of `database` into `to`."""
    now = now or datetime.now(UTC)
    to.mkdir(parents=True, exist_ok=True)
    for partial in to.glob(".partial-*"):  # left by an export that was interrupted
        shutil.rmtree(partial) if partial.is_dir() else partial.unlink()
    earlier = releases(to)
    previous = earlier[-1] if earlier else None
    number = int(RELEASE_NAME.match(previous.name).group(2)) + 1 if previous else 1  # type: ignore[union-attr]
    name = f"nianbao-{now:%Y-%m-%d}-r{number}"
    work = to / f".partial-{name}"
    (work / "data").mkdir(parents=True)
    (work / "parquet").mkdir()
    release = Release(to / name, to / f"{name}.zip", previous=previous.name if previous else None)
    conn = open_read_only(database)
    try:
        exported = [holding_keys(conn, table, progress) for table in tables(conn)]
        for table in exported:
            total = count(conn, table)

            def say(rows: int, table_name: str = table.name, total: int = total) -> None:
                progress(f"export: {table_name} {rows}/{total} rows")

            release.rows[table.name] = write_table(
                conn, table, work / "data" / f"{table.name}.csv", work / "parquet" / f"{table.name}.parquet", say
            )
    finally:
        conn.close()
    release.changes = _write_changes(work / f"{CHANGES_RESOURCE}.csv", previous, work)
    package = descriptor(name, f"{number}.0.0", now.isoformat(timespec="seconds"), exported, release.previous)
    (work / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _write_checksums(work)
    progress(f"export: zip {release.zip.name}")
    partial_zip = to / f".partial-{name}.zip"
    _zip(work, name, partial_zip)
    work.rename(release.folder)
    partial_zip.rename(release.zip)
    (to / f"{name}.zip.sha256").write_text(f"{_sha256(release.zip)}  {release.zip.name}\n", encoding="utf-8")
    _write_index(to)
    return release


def _write_index(to: Path) -> None:
    """DIR/releases.json: every release, newest first, with its ZIP and checksum (what a downloads page lists)."""
    index = []
    for folder in reversed(releases(to)):
        zipped = to / f"{folder.name}.zip"
        if zipped.is_file():
            checksum = (to / f"{folder.name}.zip.sha256").read_text(encoding="utf-8").split()[0]
            date = RELEASE_NAME.match(folder.name).group(1)  # type: ignore[union-attr]
            index.append({"name": folder.name, "date": date, "zip": zipped.name, "bytes": zipped.stat().st_size,
                          "sha256": checksum, "datapackage": f"{folder.name}/datapackage.json"})  # fmt: skip
    partial = to / ".partial-releases.json"
    partial.write_text(json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.rename(to / "releases.json")
