"""The data directory: the one place that knows where archive, index, database, caches and locks live, and that
resolves `--data-dir` > `$NIANBAO_DATA_DIR` > `data/`.

One DataDir is one writer (a shard): the archive, index, lock and caches of one crawl process. A build reads the
archive of one or several of them (`archives`) and writes its database and parse cache here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENT_VARIABLE = "NIANBAO_DATA_DIR"
DEFAULT = Path("data")


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def resolve(cls, option: str | os.PathLike[str] | None = None) -> DataDir:
        """The command-line option, else the environment variable, else `data/` under the working directory."""
        return cls(Path(option or os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT))

    # --- the archive (the source of truth) ------------------------------------------------------------------

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def warc_dir(self) -> Path:
        return self.archive / "warc"

    @property
    def index(self) -> Path:
        """The provenance index: every fetch, run and discovered link, pointing into the WARC files."""
        return self.archive / "index.sqlite"

    def has_archive(self) -> bool:
        return self.index.exists()

    def archives(self) -> list[DataDir]:
        """The shards a build reads: this data directory's own archive (workers' shards join here later)."""
        return [self]

    # --- what is built from it ------------------------------------------------------------------------------

    @property
    def database(self) -> Path:
        return self.root / "reports.db"

    def staging_database(self) -> Path:
        """Where a build writes before renaming into place: a reader never sees half a database."""
        return self.root / f".reports.db.{os.getpid()}.tmp"

    @property
    def parse_cache(self) -> Path:
        """Parse results by (payload SHA-256, parser version): a rebuild parses only what is new."""
        return self.root / "cache" / "parse.sqlite"

    # --- helpers' caches ------------------------------------------------------------------------------------

    @property
    def replica_cache(self) -> Path:
        """The replica's generated attachments and TLS certificates."""
        return self.root / "replica-cache"

    @property
    def bench_corpus(self) -> Path:
        return self.root / "bench-corpus"

    def __str__(self) -> str:
        return str(self.root)
