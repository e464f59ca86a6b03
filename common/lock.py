"""One writer at a time on a data directory: an exclusive flock on `<data>/lock`, its holder written in the file.

flock rather than a pid file: the kernel frees the lock when its process ends, however it ends (SIGKILL included),
so a lock is never stale. The holder's details in the file only serve the messages of the processes it keeps out.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

# A refused attempt tries again this often before giving up: `nianbao status` takes a shared lock for an instant to
# see whether a writer holds it, and a writer starting in that instant must not be refused for it.
_ATTEMPTS = 4
_PAUSE = 0.05  # seconds

# The lock belongs to its open file, which a forked child (a parse worker) would share: a worker outliving a
# SIGKILLed parent would keep the data directory locked. Children close it (closing, unlike LOCK_UN, leaves the
# parent's lock alone); O_CLOEXEC does the same for exec'd programs.
_held: set[int] = set()


def _close_in_child() -> None:
    for fd in _held:
        os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str  # its command line
    started_at: str  # when it took the lock, UTC
    host: str

    @classmethod
    def this_process(cls, command: str) -> Holder:
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return cls(os.getpid(), command, started, socket.gethostname())

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        """The holder a lock file names; None when it names none (empty: its holder has not written yet)."""
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            return None

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}, since {self.started_at}: {self.command}"


class DataDirLocked(RuntimeError):
    """Another process holds the data directory."""

    def __init__(self, lock_file: Path, holder: Holder | None):
        self.holder = holder
        who = str(holder) if holder else "another process"
        super().__init__(
            f"the data directory {lock_file.parent} is in use by {who}; try again once it is free"
            " (nianbao crawl, build and update wait for it with --wait)"
        )


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _read_holder(fd: int) -> Holder | None:
    return Holder.parse(os.pread(fd, 64 * 1024, 0).decode("utf-8", "replace"))


def _try_lock(fd: int, operation: int) -> bool:
    for attempt in range(_ATTEMPTS):
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt + 1 < _ATTEMPTS:
                time.sleep(_PAUSE)
    return False


@contextmanager
def hold(lock_file: Path, command: str, wait: bool = False, say: Callable[[str], None] = stderr) -> Iterator[Holder]:
    """Hold `lock_file` exclusively for the `with` block. Held by another process: raise DataDirLocked naming it, or
    with `wait`, say once whom it waits for and block until it is free."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    # Not truncated on open: until this process holds the lock, the file names the process that does.
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        if not _try_lock(fd, fcntl.LOCK_EX):
            holder = _read_holder(fd)
            if not wait:
                raise DataDirLocked(lock_file, holder)
            say(f"waiting for {lock_file.parent}: it is in use by {holder or 'another process'}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        _held.add(fd)
        me = Holder.this_process(command)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(me), ensure_ascii=False).encode("utf-8"), 0)
        try:
            yield me
        finally:
            os.ftruncate(fd, 0)  # a clean end leaves no holder named; the kernel's unlock follows on close
    finally:
        _held.discard(fd)
        os.close(fd)


def probe(lock_file: Path) -> tuple[bool, Holder | None]:
    """Whether `lock_file` is held now, and by whom (None before its holder has written itself in). Takes no lock a
    writer would wait for: a shared one for an instant, to see whether an exclusive one is held."""
    try:
        fd = os.open(lock_file, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False, None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True, _read_holder(fd)
        return False, None
    finally:
        os.close(fd)
