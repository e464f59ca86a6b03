"""Sealing a WARC file that a killed process left with a torn last record."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from archive.cdxj import cdxj_path, write_cdxj
from archive.members import TornRecordError, iter_members


@dataclass(frozen=True)
class TornTail:
    """What seal_torn_tail did: ``size`` bytes from ``offset`` of ``warc_file`` moved to ``kept_at``."""

    warc_file: Path
    offset: int
    size: int
    kept_at: Path

    def __str__(self) -> str:
        return f"{self.warc_file.name}: torn record at {self.offset} ({self.size} bytes) moved to {self.kept_at}"


def torn_folder(warc: Path) -> Path:
    """``<archive>/torn/``: the archive folder holding the WARC folder."""
    return warc.parent.parent / "torn"


def seal_torn_tail(warc: str | os.PathLike[str]) -> TornTail | None:
    """When ``warc`` ends in an incomplete gzip member (a record torn by a kill), copy the torn bytes to
    ``<archive>/torn/<file>.<offset>``, truncate the file to its last whole record and index it (CDXJ).
    Returns what it did, or None when the file is whole (then only its CDXJ is written if a kill left none).
    The file must not be open for writing."""
    path = Path(warc)
    try:
        with path.open("rb") as fh:
            for _ in iter_members(fh, path.name):
                pass
        if not cdxj_path(path).exists():
            write_cdxj(path)
        return None
    except TornRecordError as torn:
        offset = torn.offset
    kept = torn_folder(path) / f"{path.name}.{offset}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    with path.open("r+b") as fh:
        fh.seek(offset)
        with kept.open("wb") as out:  # the torn bytes are kept, never just dropped
            shutil.copyfileobj(fh, out)
            out.flush()
            os.fsync(out.fileno())
        size = kept.stat().st_size
        fh.truncate(offset)
        fh.flush()
        os.fsync(fh.fileno())
    write_cdxj(path)
    return TornTail(path, offset, size, kept)
