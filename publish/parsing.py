"""Build stage "parse": each candidate document parsed once (by its payload SHA-256 and Content-Type), in worker
processes under time and memory limits, or taken from the parse cache. Only a small summary of each result stays in
memory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archive.index import ProvenanceIndex
from archive.reader import read_response
from common.datadir import DataDir
from parsers import parse, pool
from parsers.checks import ACROSS_YEARS_CELLS
from parsers.model import ParseResult
from publish.parse_cache import Key, ParseCache, document_key
from publish.versions import content_of

Summary = dict[str, Any]


def summary_of(result: ParseResult) -> Summary:
    """What the build needs of a result before it writes its rows: to choose reports, tell versions apart (by
    content), name agencies and pair years (the cells the checks across years read)."""
    return {
        "status": result.status,
        "format": result.format,
        "method": result.method,
        "template": result.template,
        "title": result.title,
        "agency": result.agency,
        "year": result.year,
        "published_on": result.published_on,
        "cells_count": len(result.cells),
        "content": content_of(result),
        "across_years": {c.key: c.value for c in result.cells if (c.table, c.row) in ACROSS_YEARS_CELLS},
    }


_index: ProvenanceIndex | None = None  # a worker's own read-only connection (never one inherited across fork)


def parse_archived(warc_dir: str, index_path: str, warc_file: str, offset: int, content_type: str) -> ParseResult:
    """Worker task: read one archived payload and parse it as `content_type` (the cache's key)."""
    global _index
    if _index is None or str(_index.path) != index_path:
        _index = ProvenanceIndex(index_path, readonly=True)
    try:
        response = read_response(warc_dir, warc_file, offset, _index)
    except (OSError, ValueError) as e:  # ArchiveIntegrityError is a ValueError
        return ParseResult(status="error", error=f"the archived record cannot be read: {e}"[:500], transient=True)
    result = parse(response.body, content_type or None)
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
    _transient: dict[Key, ParseResult] = field(default_factory=dict)  # kept out of the cache

    def run(self, fetches: Iterable[Mapping[str, Any]]) -> dict[Key, Summary]:
        """Summaries of the documents these fetches archived, by (SHA-256, Content-Type): each once."""
        wanted: dict[Key, Mapping[str, Any]] = {}
        for f in fetches:
            wanted.setdefault(document_key(f), f)
        summaries = self.cache.summaries(wanted)
        self.cached += len(summaries)
        todo = sorted(key for key in wanted if key not in summaries)
        if not todo:
            return summaries
        self.progress(f"  parsing {len(todo)} documents with {self.jobs} workers ({len(summaries)} from the cache)")
        warc_dir, index = str(self.data_dir.warc_dir), str(self.data_dir.index)
        items = ((key, (warc_dir, index, wanted[key]["warc_file"], wanted[key]["warc_offset"], key[1])) for key in todo)
        for n, (key, result) in enumerate(pool.run(parse_archived, items, self.jobs, self.limits), 1):
            summaries[key] = summary_of(result)
            if result.transient:
                self._transient[key] = result
            else:
                self.cache.put(key, result, summaries[key])
            if n % 100 == 0 or n == len(todo):
                self.cache.commit()
            if n % max(100, len(todo) // 10) == 0 or n == len(todo):
                self.progress(f"  parsed {n}/{len(todo)}")
        self.parsed += len(todo)
        return summaries

    def result(self, key: Key) -> ParseResult:
        """The whole result of a document this stage summarised."""
        return self._transient.get(key) or self.cache.result(key)
