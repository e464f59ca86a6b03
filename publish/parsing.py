"""Build stage "parse": each candidate document parsed once (by its payload SHA-256), in worker processes under
time and memory limits, or taken from the parse cache. Only a small summary of each result stays in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archive.index import ProvenanceIndex
from archive.reader import read_response
from common.datadir import DataDir
from parsers import parse, pool
from parsers.model import ParseResult
from publish.parse_cache import ParseCache

Summary = dict[str, Any]
# The rows the cross-year check (carry_over_chain) compares: last year's carried_forward with this year's carried_over.
CHAIN_ROWS = ("carried_over", "carried_forward")


def summary_of(result: ParseResult) -> Summary:
    """What the build needs of a result before it writes its rows: to choose reports, name agencies and chain
    years (the carried-over and carried-forward cells)."""
    return {
        "status": result.status,
        "format": result.format,
        "template": result.template,
        "title": result.title,
        "agency": result.agency,
        "year": result.year,
        "published_on": result.published_on,
        "cells_count": len(result.cells),
        "chain": {c.key: c.value for c in result.cells if c.table == "requests" and c.row in CHAIN_ROWS},
    }


_index: ProvenanceIndex | None = None  # a worker's own read-only connection (never one inherited across fork)


def parse_archived(warc_dir: str, index_path: str, warc_file: str, offset: int) -> ParseResult:
    """Worker task: read one archived payload and parse it."""
    global _index
    if _index is None or str(_index.path) != index_path:
        _index = ProvenanceIndex(index_path, readonly=True)
    try:
        response = read_response(warc_dir, warc_file, offset, _index)
    except (OSError, ValueError) as e:  # ArchiveIntegrityError is a ValueError
        return ParseResult(status="error", error=f"the archived record cannot be read: {e}"[:500])
    result = parse(response.body, response.content_type)
    result.document = None  # not needed by the build, and costly to send back
    return result


@dataclass
class ParseStage:
    data_dir: DataDir
    cache: ParseCache
    jobs: int
    limits: pool.Limits
    progress: Callable[[str], None]
    parsed: int = 0  # documents parsed by this build
    cached: int = 0  # documents taken from the cache
    _unstored: dict[str, ParseResult] = field(default_factory=dict)  # the pool's own failures, kept out of the cache

    def run(self, fetches: Iterable[Mapping[str, Any]]) -> dict[str, Summary]:
        """Summaries by SHA-256 of the documents these fetches archived (each distinct payload once)."""
        wanted = {f["sha256"]: f for f in fetches}
        summaries = self.cache.summaries(wanted)
        self.cached += len(summaries)
        todo = sorted(sha for sha in wanted if sha not in summaries)
        if not todo:
            return summaries
        self.progress(f"  parsing {len(todo)} documents with {self.jobs} workers ({len(summaries)} from the cache)")
        warc_dir, index = str(self.data_dir.warc_dir), str(self.data_dir.index)
        items = ((sha, (warc_dir, index, wanted[sha]["warc_file"], wanted[sha]["warc_offset"])) for sha in todo)
        for n, (sha, result, from_worker) in enumerate(pool.run(parse_archived, items, self.jobs, self.limits), 1):
            summaries[sha] = summary_of(result)
            if from_worker:
                self.cache.put(sha, result, summaries[sha])
            else:  # an overrun or a dead worker says something of this run, not of the document: try it next time
                self._unstored[sha] = result
            if n % 100 == 0 or n == len(todo):
                self.cache.commit()
            if n % max(100, len(todo) // 10) == 0 or n == len(todo):
                self.progress(f"  parsed {n}/{len(todo)}")
        self.parsed += len(todo)
        return summaries

    def result(self, sha256: str) -> ParseResult:
        """The whole result of a document this stage summarised."""
        return self._unstored.get(sha256) or self.cache.result(sha256)
