"""`nianbao …` with faults injected, for tests of how a crawl fails: run as `python tests/crawl_with_faults.py crawl …`.

FAULT_WARC_FULL_AFTER=N   the WARC writer's N+1th exchange raises OSError(ENOSPC), and every write after it
FAULT_DISK_LOW_AFTER=N    free disk space reads as 0 once N fetches are in the index (checked before every write)
FAULT_DOWNLOAD_MAXSIZE=B  DOWNLOAD_MAXSIZE (raw and decoded bodies) of B bytes
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
from itertools import count


def inject() -> None:
    import archive.index
    import archive.warc
    import crawler.diskspace
    import crawler.settings

    if "FAULT_WARC_FULL_AFTER" in os.environ:
        allowed = int(os.environ["FAULT_WARC_FULL_AFTER"])
        exchanges = count()
        write_exchange = archive.warc.WarcWriter.write_exchange

        def full_disk(self, *args, **kwargs):
            if next(exchanges) >= allowed:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return write_exchange(self, *args, **kwargs)

        archive.warc.WarcWriter.write_exchange = full_disk
    if "FAULT_DISK_LOW_AFTER" in os.environ:
        allowed = int(os.environ["FAULT_DISK_LOW_AFTER"])
        fetches = []
        add_fetch = archive.index.ProvenanceIndex.add_fetch
        disk_usage = shutil.disk_usage

        def counted(self, **fields):
            fetches.append(fields["url"])
            return add_fetch(self, **fields)

        def filling(path):
            usage = disk_usage(path)
            return usage if len(fetches) < allowed else usage._replace(free=0)

        archive.index.ProvenanceIndex.add_fetch = counted
        crawler.diskspace.shutil.disk_usage = filling  # type: ignore[attr-defined]
        crawler.diskspace.CHECK_SECONDS = 0.0
    if "FAULT_DOWNLOAD_MAXSIZE" in os.environ:
        crawler.settings.DOWNLOAD_MAXSIZE = int(os.environ["FAULT_DOWNLOAD_MAXSIZE"])


if __name__ == "__main__":
    inject()
    from nianbao.cli import main

    sys.exit(main(sys.argv[1:]))
