"""The data directory: the one place that knows where the archive, its index, the database and the caches live, and
that resolves `--data-dir` > `$NIANBAO_DATA_DIR` > `data/`.

One DataDir is what one writer owns: the archive and index of one crawl process, and what the build makes of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from common import lock as _lock

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

    # --- one writer at a time -----------------------------------------------------------------------------

    @property
    def lock_file(self) -> Path:
        return self.root / "lock"

    def lock(
        self, command: str, wait: bool = False, say: Callable[[str], None] = _lock.stderr
    ) -> AbstractContextManager[_lock.Holder]:
        """Hold the data directory for `command` (its command line), as its one writer: a crawl, a build. Raises
        common.lock.DataDirLocked naming the holder when another process holds it, unless `wait`."""
        return _lock.hold(self.lock_file, command, wait, say)

    def lock_holder(self) -> tuple[bool, _lock.Holder | None]:
        """Whether a writer holds the data directory now, and who (read-only)."""
        return _lock.probe(self.lock_file)

    # --- what is built from it ------------------------------------------------------------------------------

    @property
    def database(self) -> Path:
        return self.root / "reports.db"

    def staging_database(self) -> Path:
        """Where a build writes before renaming into place: a reader never sees half a database."""
        return self.root / f".reports.db.{os.getpid()}.tmp"

    @property
    def database_inspect(self) -> Path:
        """Datasette's inspect data of reports.db (file hash, table counts), written by the build so that a server does
        not hash and count a national database itself (publish/inspect.py)."""
        return self.root / "reports.inspect.json"

    @property
    def releases(self) -> Path:
        """`nianbao export`'s releases (unless --to says otherwise); `nianbao serve` serves them at /downloads/."""
        return self.root / "releases"

    @property
    def refused_database(self) -> Path:
        """Where the publish gate leaves a build it did not swap in (fewer reports, cells or coverage than before)."""
        return self.root / "reports.refused.db"

    def serving_database(self) -> Path:
        """This server's own hard link to the database it serves: replaced only while its Datasette is stopped, so a
        build renamed into place is never half seen (publish/serve.py)."""
        return self.root / ".serving" / str(os.getpid()) / "reports.db"

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
        """bench/parse_bench.py's documents."""
        return self.root / "bench-corpus"

    @property
    def bench_archives(self) -> Path:
        """bench/build.py's synthetic archives."""
        return self.root / "bench-build"

    def __str__(self) -> str:
        return str(self.root)
