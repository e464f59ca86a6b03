"""Free disk space under the archive, checked before the crawl and every few seconds while it writes: a crawl stops
cleanly while there is still room to say so (NIANBAO_MIN_FREE_MB), rather than at the first failed write."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

CHECK_SECONDS = 5.0  # at most this often while the crawl writes
MIB = 1024 * 1024


class DiskSpace:
    def __init__(self, folder: Path, min_free_mb: int):
        self.folder = folder
        self.min_free_mb = min_free_mb
        self.checked_at = time.monotonic()  # the first check is asked for (before the crawl: now=True)

    def low(self, *, now: bool = False) -> str | None:
        """Why there is not room enough, when there is not; checked when `now` or CHECK_SECONDS have passed."""
        if not now and time.monotonic() - self.checked_at < CHECK_SECONDS:
            return None
        self.checked_at = time.monotonic()
        free = shutil.disk_usage(self.folder).free
        if free >= self.min_free_mb * MIB:
            return None
        return (
            f"free disk space low: {free // MIB} MB free in {self.folder}, "
            f"less than NIANBAO_MIN_FREE_MB={self.min_free_mb}"
        )
