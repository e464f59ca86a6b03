"""The CDXJ index of the WARC files (pywb / OutbackCDX convention, written by cdxj-indexer).

One sorted ``<name>.cdxj`` beside each ``<name>.warc.gz``, written once when the WARC file closes (or is sealed) and
never changed after: a crash can never leave a shared index half-rewritten, and indexing costs the same for the
hundredth file as for the first. pywb reads every ``*.cdxj`` of a folder given as its index path (a collection's
``indexes/``), merging them per query; the ``filename`` field is the WARC file's name, resolved against its archive
path. `merged_lines` gives the one sorted index a WACZ or OutbackCDX wants.

Only response and revisit records are indexed: they are what replay serves. The metadata records (outcomes,
discoveries, events, runs) are provenance, kept in the provenance index; indexed under their target URI they would
be replayed in place of the page.
"""

from __future__ import annotations

import heapq
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPLAYED_RECORDS = ("response", "revisit")


def cdxj_path(warc: Path) -> Path:
    """``…/nianbao-RUN-00000.warc.gz`` -> ``…/nianbao-RUN-00000.cdxj``."""
    return warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj")


def write_cdxj(warc: Path, target: Path | None = None) -> Path:
    """Index one whole WARC file into its sorted CDXJ file (``target``, else beside it; written aside, renamed into
    place)."""
    from cdxj_indexer.main import write_cdx_index  # here: importing it takes half a second (pkg_resources)

    target = target or cdxj_path(warc)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write_cdx_index(str(staging), [str(warc)], {"sort": True, "records": ",".join(REPLAYED_RECORDS)})
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return target


def parse_line(line: str) -> tuple[str, str, dict[str, Any]]:
    """(urlkey, timestamp, fields) of one CDXJ line."""
    urlkey, timestamp, fields = line.rstrip("\n").split(" ", 2)
    return urlkey, timestamp, json.loads(fields)


def merged_lines(cdxj_files: list[Path]) -> Iterator[str]:
    """The lines of several sorted CDXJ files as one sorted stream."""
    with ExitStack() as stack:
        handles = [stack.enter_context(path.open(encoding="utf-8")) for path in cdxj_files]
        yield from heapq.merge(*handles)
