"""Serving safely: `nianbao serve` stops with SIGTERM, restarts Datasette on a rebuilt database without mixing the
two, and bounds what a public deployment lets a query do; the publish gate keeps a shrunken build out of place."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.synthetic import write_archive
from common.datadir import DataDir
from nianbao.cli import main
from publish.inspect import matching_inspect

COUNT_REPORTS = "/reports.json?sql=select+count(*)+from+reports&_shape=arrayfirst"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def small_database(path: Path, titles: list[str]) -> None:
    """A database named reports.db with one table of its own (the metadata's tables would want the build's columns)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE titles (id TEXT PRIMARY KEY, title TEXT)")
    db.executemany("INSERT INTO titles VALUES (?, ?)", [(f"r{i}", t) for i, t in enumerate(titles)])
    db.commit()
    db.close()


class Server:
    """`nianbao serve` in a subprocess, as a service manager runs it."""

    def __init__(self, data: DataDir, *options: str):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from nianbao.cli import main; raise SystemExit(main())", "serve"]
            + ["--data-dir", str(data.root), "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_until_up()

    def wait_until_up(self) -> None:
        for _ in range(600):
            assert self.proc.poll() is None, "nianbao serve ended"
            try:
                if get(self.port, "/-/versions.json")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("Datasette did not answer")

    def datasette(self) -> int:
        (pid,) = children(self.proc.pid)
        return pid

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


@pytest.fixture
def serving(tmp_path):
    servers: list[Server] = []

    def start(data: DataDir, *options: str) -> Server:
        servers.append(Server(data, *options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()  # SIGTERM: Datasette stops with it


def test_sigterm_stops_datasette_too(tmp_path, serving):
    data = DataDir(tmp_path)
    small_database(data.database, ["安澜镇2019年政府信息公开工作年度报告"])
    server = serving(data)
    datasette = server.datasette()
    assert get(server.port, "/reports.json?sql=select+count(*)+from+titles&_shape=arrayfirst") == (200, b"[1]")

    assert server.stop() == 0
    assert not alive(datasette)
    assert not port_open(server.port)
    assert not (tmp_path / ".serving" / str(server.proc.pid)).exists()  # its link to the database is removed


def test_a_killed_server_takes_datasette_with_it(tmp_path, serving):
    data = DataDir(tmp_path)
    small_database(data.database, ["安澜镇2019年政府信息公开工作年度报告"])
    server = serving(data)
    datasette = server.datasette()
    server.proc.kill()  # SIGKILL: no chance to stop its child itself
    server.proc.wait(timeout=30)
    for _ in range(100):  # the kernel sends the child SIGTERM (PR_SET_PDEATHSIG); it takes a moment to exit
        if not alive(datasette):
            break
        time.sleep(0.1)
    assert not alive(datasette)


def test_a_rebuilt_database_is_served_after_a_restart_never_mixed_with_the_old_one(tmp_path, serving):
    data = DataDir(tmp_path)
    write_archive(data, 6)
    assert main(["build", "--data-dir", str(tmp_path)]) == 0
    server = serving(data)
    first = server.datasette()
    assert get(server.port, COUNT_REPORTS) == (200, b"[6]")

    answers: list[str] = []
    done = threading.Event()

    def ask() -> None:  # as readers do, all through the build and the restart
        while not done.is_set():
            try:
                answers.append(get(server.port, COUNT_REPORTS)[1].decode())
            except OSError:
                answers.append("refused")  # Datasette restarting
            time.sleep(0.02)

    reader = threading.Thread(target=ask)
    reader.start()
    try:
        shutil.rmtree(data.archive)
        write_archive(data, 12)  # the same sites crawled again, with more reports
        assert main(["build", "--data-dir", str(tmp_path)]) == 0
        for _ in range(600):
            if answers.count("[12]") >= 5:
                break
            time.sleep(0.1)
    finally:
        done.set()
        reader.join()

    assert set(answers) <= {"[6]", "refused", "[12]"}
    switched = answers.index("[12]")
    assert "[12]" not in answers[:switched] and "[6]" not in answers[switched:]
    assert answers.count("[6]") >= 1 and answers.count("[12]") >= 5
    assert not alive(first) and server.datasette() != first
    # The new Datasette took the build's inspect data of the new file: its hash, not one it computed.
    (described,) = json.loads(get(server.port, "/-/databases.json")[1])
    assert described["hash"] == hashlib.sha256(data.database.read_bytes()).hexdigest()
    assert described["hash"] == json.loads(data.database_inspect.read_text())["reports"]["hash"]
    assert server.stop() == 0


def test_the_build_writes_inspect_data_that_fits_only_its_own_database(tmp_path):
    data = DataDir(tmp_path)
    write_archive(data, 6)
    assert main(["build", "--data-dir", str(tmp_path)]) == 0
    inspect = matching_inspect(data.database, data.database_inspect)
    assert inspect is not None
    tables = inspect["reports"]["tables"]
    assert (tables["reports"]["count"], tables["sites"]["count"], tables["dataset_summary"]["count"]) == (6, 8, 1)
    conn = sqlite3.connect(data.database)
    assert tables["cells"]["count"] == conn.execute("select count(*) from cells").fetchone()[0] > 0
    conn.close()
    os.utime(data.database, ns=(1, 1))  # another file now: the data no longer describes it
    assert matching_inspect(data.database, data.database_inspect) is None


def test_public_mode_bounds_queries_blocks_robots_and_full_table_streams(tmp_path, serving):
    data = DataDir(tmp_path)
    small_database(data.database, ["安澜镇2019年政府信息公开工作年度报告", "依申请公开"])
    server = serving(data, "--public")

    status, body = get(server.port, "/reports.json?sql=select+hex(randomblob(200000000))")
    assert status == 400
    assert json.loads(body)["error"] == "string or blob too big"
    assert rss_mib(server.datasette()) < 300  # the 400 MB value was never made
    assert get(server.port, "/robots.txt") == (200, b"User-agent: *\nDisallow: /\n")
    assert get(server.port, "/reports/titles.csv?_stream=on")[0] == 400
    assert get(server.port, "/reports.db")[0] == 403
    # What a reader needs still works: a bounded query, a page of CSV.
    assert get(server.port, "/reports.json?sql=select+count(*)+from+titles&_shape=arrayfirst") == (200, b"[2]")
    assert get(server.port, "/reports/titles.csv")[1].decode().splitlines()[1:] == [
        "r0,安澜镇2019年政府信息公开工作年度报告",
        "r1,依申请公开",
    ]


def test_public_mode_serves_the_exported_releases_as_static_downloads(tmp_path, serving):
    data = DataDir(tmp_path)
    write_archive(data, 6)
    assert main(["build", "--data-dir", str(tmp_path)]) == 0
    assert main(["export", "--data-dir", str(tmp_path)]) == 0  # into DATA_DIR/releases
    (release,) = json.loads((data.releases / "releases.json").read_text(encoding="utf-8"))
    server = serving(data, "--public")
    home = get(server.port, "/")[1].decode()
    assert f'<a href="/downloads/{release["zip"]}">{release["name"]}.zip</a>' in home
    assert '<a href="/reports.db">' not in home and "_stream=on" not in home  # both off under --public
    assert get(server.port, f"/downloads/{release['zip']}") == (200, (data.releases / release["zip"]).read_bytes())
    status, package = get(server.port, f"/downloads/{release['datapackage']}")
    assert status == 200 and json.loads(package)["resources"][0]["path"] == "data/sites.csv"
    assert get(server.port, "/downloads/..%2Freports.db")[0] == 404


def test_without_public_full_table_streams_and_the_download_stay(tmp_path, serving):
    data = DataDir(tmp_path)
    small_database(data.database, ["安澜镇2019年政府信息公开工作年度报告"])
    server = serving(data)
    status, body = get(server.port, "/reports/titles.csv?_stream=on")
    assert (status, body.decode().splitlines()) == (200, ["id,title", "r0,安澜镇2019年政府信息公开工作年度报告"])
    assert get(server.port, "/reports.db") == (200, data.database.read_bytes())
    # The value limit holds here too (see plugins/sqlite_limits.py), as does robots.txt.
    assert get(server.port, "/reports.json?sql=select+hex(randomblob(200000000))")[0] == 400
    assert get(server.port, "/robots.txt")[0] == 200


def test_the_publish_gate_keeps_a_smaller_build_aside_until_accepted(tmp_path, capsys):
    data = DataDir(tmp_path)
    reports = lambda db: sqlite3.connect(db).execute("SELECT count(*) FROM reports").fetchone()[0]  # noqa: E731
    write_archive(data, 12)
    assert main(["build", "--data-dir", str(tmp_path)]) == 0
    assert reports(data.database) == 12

    shutil.rmtree(data.archive)
    write_archive(data, 6)  # a crawl that lost half the reports
    capsys.readouterr()
    assert main(["build", "--data-dir", str(tmp_path)]) == 1
    said = capsys.readouterr().err
    assert (
        f"nianbao build: not published: the new database has less than {data.database} (reports 12 -> 6, cells " in said
    )
    assert "--accept-shrink" in said and str(data.refused_database) in said
    assert reports(data.database) == 12  # the last good database stays
    assert reports(data.refused_database) == 6

    assert main(["build", "--data-dir", str(tmp_path), "--accept-shrink"]) == 0
    assert reports(data.database) == 6
    assert not data.refused_database.exists()
    assert main(["build", "--data-dir", str(tmp_path)]) == 0  # nothing fell from 6: published
