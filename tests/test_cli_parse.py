"""`nianbao parse` as a command-line tool: directories walked, errors as one readable line, a closed pipe ends
quietly, `--version`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SEEDS

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
SEED = SEEDS / "000_90d8d6df986a6c21.txt"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NIANBAO, *args], capture_output=True, text=True, timeout=120)


def test_version_is_the_package_version():
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout == "nianbao 0.1.0\n"


def test_a_directory_is_walked_sorted_and_recursively(tmp_path):
    (tmp_path / "b" / "c").mkdir(parents=True)
    shutil.copy(SEED, tmp_path / "b" / "c" / "z.txt")
    shutil.copy(SEED, tmp_path / "b" / "a.txt")
    (tmp_path / "a.html").write_text("<html><body><p>区政府召开常务会议</p></body></html>", encoding="utf-8")
    (tmp_path / "b" / "empty").mkdir()
    proc = run("parse", str(tmp_path), str(SEED))
    assert proc.returncode == 0
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["file"], r["status"]) for r in results] == [
        (str(tmp_path / "a.html"), "not_report"),
        (str(tmp_path / "b" / "a.txt"), "ok"),
        (str(tmp_path / "b" / "c" / "z.txt"), "ok"),
        (str(SEED), "ok"),
    ]
    assert proc.stderr == ""


def test_errors_are_one_readable_line_under_format_table(tmp_path):
    (tmp_path / "gone.pdf").symlink_to(tmp_path / "nowhere.pdf")  # inside a walked directory: a dangling link
    bomb = tmp_path / "broken.docx"
    bomb.write_bytes(b"PK\x03\x04" + b"\x00" * 100)  # a zip header and nothing readable after it
    proc = run("parse", str(tmp_path), str(tmp_path / "missing.pdf"), "--format", "table")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"nianbao parse: {bomb}: a zip archive that is not a readable DOCX, XLSX or OFD document",
        f"nianbao parse: cannot read {tmp_path / 'gone.pdf'}: no such file or directory",
        f"nianbao parse: cannot read {tmp_path / 'missing.pdf'}: no such file or directory",
    ]


def test_an_unreadable_file_is_a_result_with_status_error_in_json(tmp_path):
    proc = run("parse", str(tmp_path / "missing.pdf"))
    assert proc.returncode == 1
    [result] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert (result["file"], result["status"], result["error"], result["cells"]) == (
        str(tmp_path / "missing.pdf"),
        "error",
        f"cannot read {tmp_path / 'missing.pdf'}: no such file or directory",
        [],
    )
    assert proc.stderr == ""


def test_a_closed_pipe_ends_quietly(tmp_path):
    for i in range(40):  # far more output than a pipe holds, so the writer meets the closed end
        shutil.copy(SEED, tmp_path / f"{i:02d}.txt")
    proc = subprocess.Popen(
        [NIANBAO, "parse", str(tmp_path), "--format", "table"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline() == f"== {tmp_path / '00.txt'}\n"
    proc.stdout.close()  # what `| head -1` does
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert stderr == ""
