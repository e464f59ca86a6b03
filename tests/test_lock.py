"""One writer at a time: the data directory's lock, held by real processes, and the runs their deaths leave behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from archive.index import ProvenanceIndex
from common.datadir import DataDir
from common.lock import DataDirLocked

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
HOLDER_COMMAND = "nianbao crawl --site www.example.gov.cn"
# A writer that holds the lock until a line arrives on its stdin (or it is killed); with "fork", it forks a child
# first that sleeps on (as a parse worker would work on), and says it holds the lock once the child runs.
HOLDER = f"""
import os, sys, time
from common.datadir import DataDir
with DataDir.resolve(sys.argv[1]).lock({HOLDER_COMMAND!r}) as me:
    ready, told = os.pipe()
    child = os.fork() if sys.argv[2:] == ["fork"] else None
    if child == 0:
        os.write(told, b"x")  # after the fork hooks: it has closed the lock's file by now
        time.sleep(60)
        os._exit(0)
    if child:
        os.read(ready, 1)
    print(me.pid, child, flush=True)
    sys.stdin.readline()
"""


class HolderProcess:
    def __init__(self, root: Path, *options: str):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(root), *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        pid, child = self.process.stdout.readline().split()  # it holds the lock once it says its pid
        self.pid, self.child = int(pid), None if child == "None" else int(child)
        assert self.pid == self.process.pid

    def release(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.close()
        return self.process.wait(timeout=30)

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(timeout=30)


@pytest.fixture
def holder(tmp_path):
    process = HolderProcess(tmp_path)
    yield process
    if process.process.poll() is None:
        process.kill()


def test_the_holder_is_written_in_the_lock_file_and_named_to_a_second_writer(tmp_path, holder):
    data_dir = DataDir(tmp_path)
    written = json.loads(data_dir.lock_file.read_text(encoding="utf-8"))
    assert (written["pid"], written["command"]) == (holder.pid, HOLDER_COMMAND)
    assert set(written) == {"pid", "command", "started_at", "host"}
    held, who = data_dir.lock_holder()
    assert (held, who.pid, who.command) == (True, holder.pid, HOLDER_COMMAND)

    with pytest.raises(DataDirLocked) as refused, data_dir.lock("nianbao build"):
        pass
    message = str(refused.value)
    assert (
        f"in use by pid {holder.pid} on {written['host']}, since {written['started_at']}: {HOLDER_COMMAND}" in message
    )
    assert "try again once it is free (nianbao crawl, build and update wait for it with --wait)" in message

    assert holder.release() == 0
    assert data_dir.lock_holder() == (False, None)
    assert data_dir.lock_file.read_text(encoding="utf-8") == ""  # a clean end names no holder


@pytest.mark.parametrize("command", [["build"], ["crawl"], ["update"], ["demo", "--no-serve"]])
def test_a_second_command_is_refused_naming_the_holder(tmp_path, holder, command):
    proc = subprocess.run([NIANBAO, *command, "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        f"nianbao {command[0]}: the data directory {tmp_path} is in use by pid {holder.pid} on "
    )
    assert proc.stderr.endswith(
        f": {HOLDER_COMMAND}; try again once it is free (nianbao crawl, build and update wait for it with --wait)\n"
    )
    assert holder.process.poll() is None  # the holder goes on
    assert not (tmp_path / "archive").exists()  # nothing was written


def test_wait_waits_for_the_holder_then_goes_on(tmp_path, holder):
    waiting = subprocess.Popen(
        [NIANBAO, "build", "--wait", "--data-dir", str(tmp_path)], stderr=subprocess.PIPE, text=True
    )
    assert waiting.stderr is not None
    first = waiting.stderr.readline()  # said once it is waiting, and for whom
    assert first.startswith(f"waiting for {tmp_path}: it is in use by pid {holder.pid} on ")
    assert first.endswith(f": {HOLDER_COMMAND}\n")
    assert waiting.poll() is None
    assert holder.release() == 0
    # Past the lock, the build finds the data directory has no archive yet.
    assert waiting.stderr.read() == f"nianbao build: no archive in {tmp_path / 'archive'}: run `nianbao crawl` first\n"
    assert waiting.wait(timeout=60) == 1


def test_a_killed_holder_frees_the_lock(tmp_path, holder):
    data_dir = DataDir(tmp_path)
    assert holder.kill() == -signal.SIGKILL
    assert data_dir.lock_file.read_text(encoding="utf-8") != ""  # its details stay behind, its lock does not
    assert data_dir.lock_holder() == (False, None)
    with data_dir.lock("nianbao build") as me:
        assert me.command == "nianbao build"
        assert json.loads(data_dir.lock_file.read_text(encoding="utf-8"))["pid"] == me.pid


def test_a_killed_holder_frees_the_lock_though_its_forked_child_lives_on(tmp_path):
    data_dir = DataDir(tmp_path)
    holder = HolderProcess(tmp_path, "fork")
    try:
        assert holder.kill() == -signal.SIGKILL
        assert data_dir.lock_holder() == (False, None)
        with data_dir.lock("nianbao build"):
            os.kill(holder.child, 0)  # the child is still there, and did not keep the lock
    finally:
        os.kill(holder.child, signal.SIGKILL)


def test_mark_interrupted_closes_the_runs_left_running(tmp_path):
    with ProvenanceIndex(tmp_path / "index.sqlite") as index:
        index.start_run("r1", ["a.gov.cn"], {}, started_at="2026-01-01T00:00:00Z")
        index.finish_run("r1", "finished", {"items": 1}, finished_at="2026-01-01T01:00:00Z")
        index.start_run("r2", ["a.gov.cn"], {}, started_at="2026-01-02T00:00:00Z")
        index.add_fetch(run_id="r2", url="https://a.gov.cn/", fetched_at="2026-01-02T00:05:00Z", outcome="ok")
        index.add_fetch(run_id="r2", url="https://a.gov.cn/b", fetched_at="2026-01-02T00:07:00Z", outcome="ok")
        index.start_run("r3", ["b.gov.cn"], {}, started_at="2026-01-03T00:00:00Z")
        assert index.mark_interrupted() == ["r2", "r3"]
        assert index.mark_interrupted() == []
        runs = {r["run_id"]: r for r in index.runs()}
    reason = "the crawl process ended without closing its run (killed, or the machine stopped)"
    assert (runs["r1"]["status"], runs["r1"]["finished_at"], json.loads(runs["r1"]["stats_json"])) == (
        "finished",
        "2026-01-01T01:00:00Z",
        {"items": 1},
    )
    assert (runs["r2"]["status"], runs["r2"]["finished_at"], json.loads(runs["r2"]["stats_json"])) == (
        "interrupted",
        "2026-01-02T00:07:00Z",
        {"nianbao/error": reason},
    )
    assert (runs["r3"]["status"], runs["r3"]["finished_at"]) == ("interrupted", "2026-01-03T00:00:00Z")
