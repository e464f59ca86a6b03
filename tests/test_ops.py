"""Running nianbao unattended: `nianbao build` after a dead crawl, `nianbao status`, `nianbao schedule` (the units
it writes, parsed and verified, and the command they run), `nianbao update`."""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_lock import HOLDER_COMMAND, HolderProcess

from archive.index import ProvenanceIndex

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
GONE = "the crawl process ended without closing its run (killed, or the machine stopped)"


def nianbao(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([NIANBAO, *args], capture_output=True, text=True, timeout=600, cwd=cwd, env=env)


def three_runs(data: Path) -> None:
    """a.gov.cn: a full sweep that finished, then a run that failed; b.gov.cn: that full sweep, then a crawl whose
    process died (still `running`)."""
    with ProvenanceIndex(data / "archive" / "index.sqlite") as index:
        index.start_run("r1", ["a.gov.cn", "b.gov.cn"], {"sweep": "full"}, started_at="2026-01-01T00:00:00Z")
        for n in range(3):
            index.add_fetch(
                run_id="r1", site="a.gov.cn", url=f"https://a.gov.cn/{n}", fetched_at="2026-01-01T00:01:00Z",
                status=200, outcome="ok",
            )  # fmt: skip
        index.add_discovery("r1", "https://a.gov.cn/1", "report_page", site="a.gov.cn")
        index.add_fetch(
            run_id="r1", site="b.gov.cn", url="https://b.gov.cn/", fetched_at="2026-01-01T00:02:00Z", outcome="ok"
        )
        index.finish_run("r1", "finished", {}, finished_at="2026-01-01T00:10:00Z")
        index.start_run("r2", ["a.gov.cn"], {"sweep": "incremental"}, started_at="2026-01-02T00:00:00Z")
        index.finish_run("r2", "failed", {"nianbao/error": "archive write error: [Errno 28] No space left on device"})
        index.start_run("r3", ["b.gov.cn"], {"sweep": "incremental"}, started_at="2026-01-03T00:00:00Z")
        index.add_fetch(
            run_id="r3", site="b.gov.cn", url="https://b.gov.cn/", fetched_at="2026-01-03T00:04:00Z", outcome="ok"
        )


def test_status_says_how_each_sites_last_crawl_ended_and_what_is_due(tmp_path):
    three_runs(tmp_path)
    proc = nianbao("status", "--format", "json", "--data-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    a, b = status.pop("sites")
    assert status == {
        "data_dir": str(tmp_path),
        "lock_held": False,
        "lock_holder": None,
        "database_built_at": None,
        "build_due": True,
        "full_sweep_every": 7,
        "finished_runs_since_full_sweep": 0,
        "full_sweep_due": False,
    }
    assert a == {
        "site": "a.gov.cn",
        "run_id": "r2",
        "started_at": "2026-01-02T00:00:00Z",
        "finished_at": a["finished_at"],  # when the test ran
        "status": "failed",
        "error": "archive write error: [Errno 28] No space left on device",
        "fetches": 0,
        "reports_found": 0,
        "last_full_sweep": "r1",
    }
    # Read-only: the dead crawl stays `running` in the index, and status says what it is.
    assert b == {
        "site": "b.gov.cn",
        "run_id": "r3",
        "started_at": "2026-01-03T00:00:00Z",
        "finished_at": None,
        "status": "interrupted",
        "error": "the crawl process is gone; the next crawl or build marks it interrupted",
        "fetches": 1,
        "reports_found": 0,
        "last_full_sweep": "r1",
    }
    with ProvenanceIndex(tmp_path / "archive" / "index.sqlite", readonly=True) as index:
        assert [r["status"] for r in index.runs()] == ["finished", "failed", "running"]


def test_status_names_the_writer_holding_the_lock(tmp_path):
    three_runs(tmp_path)
    holder = HolderProcess(tmp_path)
    try:
        proc = nianbao("status", "--data-dir", str(tmp_path))
        as_json = nianbao("status", "--format", "json", "--data-dir", str(tmp_path))
    finally:
        holder.release()
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"data directory: {tmp_path}"
    assert lines[1].startswith(f"lock:           held by pid {holder.pid} on ")
    assert lines[1].endswith(f": {HOLDER_COMMAND}")
    assert lines[2:4] == [
        "database:       not built yet; a build is due (a crawl ended after it)",
        "sweep:          the next crawl is incremental (0 finished runs since the last full sweep; one every 7)",
    ]
    assert lines[5].split() == ["a.gov.cn", "r2", "2026-01-02T00:00:00Z", lines[5].split()[3], "failed", "0", "0", "r1"]
    assert lines[6] == "  failed: archive write error: [Errno 28] No space left on device"
    # The lock is held: b's crawl may be the holder, so it is shown as it stands.
    assert lines[7].split() == ["b.gov.cn", "r3", "2026-01-03T00:00:00Z", "-", "running", "1", "0", "r1"]
    assert len(lines) == 8
    assert json.loads(as_json.stdout)["lock_holder"]["pid"] == holder.pid


def test_build_after_a_dead_crawl_marks_it_interrupted_and_says_so(tmp_path):
    three_runs(tmp_path)
    proc = nianbao("build", "--data-dir", str(tmp_path), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    stderr = proc.stderr.splitlines()
    assert stderr[:2] == [
        "crawl run r3 was left running by a process that is gone: marked interrupted",
        "the newest crawl run r3 was interrupted at 2026-01-03T00:04:00Z: the database holds what it archived;"
        " `nianbao crawl --resume` continues it",
    ]
    assert (tmp_path / "reports.db").is_file()
    with ProvenanceIndex(tmp_path / "archive" / "index.sqlite", readonly=True) as index:
        r3 = index.runs()[-1]
    assert (r3["status"], r3["finished_at"], json.loads(r3["stats_json"])) == (
        "interrupted",
        "2026-01-03T00:04:00Z",
        {"nianbao/error": GONE},
    )
    status = json.loads(nianbao("status", "--format", "json", "--data-dir", str(tmp_path)).stdout)
    assert status["build_due"] is False
    assert [(s["site"], s["status"], s["error"]) for s in status["sites"]] == [
        ("a.gov.cn", "failed", "archive write error: [Errno 28] No space left on device"),
        ("b.gov.cn", "interrupted", GONE),
    ]


def test_build_says_when_the_newest_run_failed(tmp_path):
    three_runs(tmp_path)
    with ProvenanceIndex(tmp_path / "archive" / "index.sqlite") as index:
        index.finish_run(
            "r3", "failed", {"nianbao/error": "free disk below NIANBAO_MIN_FREE_MB"}, "2026-01-03T00:05:00Z"
        )
    proc = nianbao("build", "--data-dir", str(tmp_path), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == (
        "the newest crawl run r3 failed at 2026-01-03T00:05:00Z (free disk below NIANBAO_MIN_FREE_MB): the database"
        " holds what it archived; `nianbao crawl` starts a new run"
    )


# --- schedule ---------------------------------------------------------------------------------------------------


def units(directory: Path) -> dict[str, configparser.ConfigParser]:
    parsed = {}
    for path in sorted(directory.iterdir()):
        unit = configparser.ConfigParser(interpolation=None, strict=True)
        unit.optionxform = str  # systemd keys are case-sensitive
        unit.read_string(path.read_text(encoding="utf-8"))
        parsed[path.name] = unit
    return parsed


def test_schedule_prints_a_service_a_timer_and_a_crontab_line(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    proc = nianbao("schedule", "--every", "weekly", "--at", "4:30", "--data-dir", "data", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    home = tmp_path / "home" / ".config" / "systemd" / "user"
    assert (
        proc.stdout
        == f"""# {home}/nianbao-update.service
[Unit]
Description=nianbao update: crawl the registered sites, then build reports.db ({tmp_path}/data)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={tmp_path}
ExecStart={NIANBAO} update --wait --data-dir {tmp_path}/data

# {home}/nianbao-update.timer
[Unit]
Description=nianbao update, weekly at 04:30 ({tmp_path}/data)

[Timer]
OnCalendar=Mon *-*-* 04:30:00
Persistent=true

[Install]
WantedBy=timers.target

# or, without systemd, this crontab line (crontab -e):
30 4 * * 1 cd {tmp_path} && {NIANBAO} update --wait --data-dir {tmp_path}/data
"""
    )
    assert not (tmp_path / "home").exists()  # --print writes nothing
    bad = nianbao("schedule", "--every", "daily", "--at", "24:00", cwd=tmp_path)
    assert (bad.returncode, bad.stderr) == (1, "nianbao schedule: a time of day as HH:MM, not '24:00'\n")


def test_schedule_install_writes_units_that_systemd_accepts_and_their_command_runs(tmp_path):
    data = tmp_path / "my data %1"  # a space and systemd's specifier sign: both must survive the unit file
    proc = nianbao(
        "schedule", "--every", "daily", "--install", "--unit-dir", str(tmp_path / "units"), "--data-dir", str(data),
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[2] == (
        "to start it: systemctl --user daemon-reload && systemctl --user enable --now nianbao-update.timer"
    )
    assert proc.stdout == (
        "# or, without systemd, this crontab line (crontab -e):\n"
        f"0 3 * * * cd {tmp_path} && {NIANBAO} update --wait --data-dir '{tmp_path}/my data \\%1'\n"
    )
    found = units(tmp_path / "units")
    assert sorted(found) == ["nianbao-update.service", "nianbao-update.timer"]
    service, timer = found["nianbao-update.service"], found["nianbao-update.timer"]
    assert dict(service["Service"]) == {
        "Type": "oneshot",
        "WorkingDirectory": str(tmp_path),
        "ExecStart": f'{NIANBAO} update --wait --data-dir "{tmp_path}/my data %%1"',
    }
    assert dict(timer["Timer"]) == {"OnCalendar": "*-*-* 03:00:00", "Persistent": "true"}
    assert timer["Install"]["WantedBy"] == "timers.target"
    # systemd itself, where this machine has it (it checks the keys, the command's path and the calendar).
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(
            ["systemd-analyze", "verify", *(str(tmp_path / "units" / name) for name in found)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert (verify.returncode, verify.stderr) == (0, "")
    # The command the service runs, as systemd splits it (%% is one %), on an empty registry: crawls nothing, builds.
    words = shlex.split(service["Service"]["ExecStart"].replace("%%", "%"))
    registry = tmp_path / "empty.toml"
    registry.write_text("", encoding="utf-8")
    run = subprocess.run(
        words, cwd=service["Service"]["WorkingDirectory"], capture_output=True, text=True, timeout=600,
        env={**os.environ, "NIANBAO_REGISTRY": str(registry)},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == f"database:           {data / 'reports.db'}"
    with ProvenanceIndex(data / "archive" / "index.sqlite", readonly=True) as index:
        assert [r["status"] for r in index.runs()] == ["finished"]


# --- update -----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_update_crawls_then_builds_the_replica(tmp_path, replica_server):
    proc = nianbao(
        "update", "--data-dir", str(tmp_path), "--site", "www.hc.gov.cn", "--proxy", replica_server.proxy_url,
        "--replica-ca", str(replica_server.ca_cert_path), "--delay", "0",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("crawl run ")
    assert lines[2].split()[0] == "www.hc.gov.cn"
    assert lines[-1] == f"database:           {tmp_path / 'reports.db'}"
    status = json.loads(nianbao("status", "--format", "json", "--data-dir", str(tmp_path)).stdout)
    [site] = status["sites"]
    assert (site["site"], site["run_id"], site["status"], site["error"], site["reports_found"]) == (
        "www.hc.gov.cn",
        lines[0].removeprefix("crawl run "),
        "finished",
        None,
        5,
    )
    assert (status["build_due"], status["lock_held"]) == (False, False)
    with sqlite3.connect(tmp_path / "reports.db") as db:
        assert db.execute("select count(*) from crawl_runs where site = 'www.hc.gov.cn'").fetchone() == (1,)
