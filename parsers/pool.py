"""Parsing many documents in worker processes, each document under a time and a memory limit.

A worker that overruns its time or dies (the kernel's OOM killer, a crash in a native library) is replaced by a
fresh one, and its document gets an `error` result saying why; the other documents go on. pebble's ProcessPool does
the supervision (a plain ProcessPoolExecutor breaks for good when one child dies).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from parsers import limits
from parsers.model import ParseResult

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Limits:
    seconds: float = 60.0  # per document
    memory_mib: int = 1024  # address space of a worker process (RLIMIT_AS)


def default_jobs() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))


def _limit_memory(memory_mib: int) -> None:
    """Worker initializer: a document that needs more memory fails with MemoryError instead of taking the machine."""
    os.environ[limits.IN_WORKER] = "1"
    limits.set_address_space(memory_mib * 1024 * 1024)


def _failure(reason: str) -> ParseResult:
    return ParseResult(status="error", error=reason, transient=True)


def run(
    task: Callable[..., ParseResult],
    items: Iterable[tuple[Key, tuple[Any, ...]]],
    jobs: int,
    limits: Limits,
) -> Iterator[tuple[Key, ParseResult]]:
    """`task(*args)` for each (key, args) in worker processes; yields (key, result) as they finish. A worker that
    overran its time or died gives a transient `error` result."""
    in_flight: dict[Future[ParseResult], Key] = {}
    pending = iter(items)
    with ProcessPool(max_workers=jobs, initializer=_limit_memory, initargs=(limits.memory_mib,)) as pool:
        while True:
            # A few documents per worker in flight: workers never wait, and payloads are not all held at once.
            for key, args in pending:
                in_flight[pool.schedule(task, args=args, timeout=limits.seconds)] = key
                if len(in_flight) >= 4 * jobs:
                    break
            if not in_flight:
                return
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                key = in_flight.pop(future)
                try:
                    yield key, future.result()
                except FutureTimeout:
                    yield key, _failure(f"time limit: parsing took more than {limits.seconds:g} s")
                except ProcessExpired as e:
                    yield key, _failure(f"the parsing worker died ({_exit_reason(e.exitcode)})")
                except Exception as e:  # noqa: BLE001 - a task is not meant to raise; if it does, the run goes on
                    yield key, _failure(f"parsing failed: {type(e).__name__}: {e}"[:500])


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"signal {-exitcode}, e.g. out of memory"
    return f"exit code {exitcode}"
