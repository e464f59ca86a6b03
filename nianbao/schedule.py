"""`nianbao schedule`: a systemd user service and timer that run `nianbao update --wait` (crawl, then build, under
the data directory's lock), and the crontab line that does the same where there is no systemd.

The command locks the data directory itself, so neither needs flock(1): a scheduled run that finds a crawl going
on waits for it, and runs never overlap.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

UNIT = "nianbao-update"
EVERY = ("daily", "weekly")
WEEKDAY = "Mon"  # weekly runs: Monday, at --at


def at_time(text: str) -> tuple[int, int]:
    """HH:MM (24-hour) as (hour, minute); ValueError otherwise."""
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
    if not match:
        raise ValueError(f"a time of day as HH:MM, not {text!r}")
    return int(match[1]), int(match[2])


def nianbao_executable() -> Path:
    """The absolute path of this installation's `nianbao` command (the scheduler runs it without a PATH)."""
    beside = Path(sys.executable).absolute().with_name("nianbao")  # a virtualenv's script, next to its python
    found = beside if beside.is_file() else shutil.which("nianbao")
    if not found:
        raise FileNotFoundError("the nianbao command is not installed: pip install -e . first")
    return Path(found).absolute()


def _unit_text(text: str) -> str:
    """Text in a unit file: '%' is systemd's specifier sign."""
    return text.replace("%", "%%")


def _unit_word(text: str) -> str:
    """One word of a unit file's command line; quotes keep spaces in a word."""
    text = _unit_text(text)
    if re.fullmatch(r"[\w/.:@+,=-]+", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Schedule:
    every: str  # daily or weekly
    hour: int
    minute: int
    executable: Path  # absolute
    data_dir: Path  # absolute
    working_dir: Path  # absolute

    @property
    def command(self) -> list[str]:
        return [str(self.executable), "update", "--wait", "--data-dir", str(self.data_dir)]

    def service(self) -> str:
        return f"""[Unit]
Description=nianbao update: crawl the registered sites, then build reports.db ({_unit_text(str(self.data_dir))})
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={_unit_word(str(self.working_dir))}
ExecStart={" ".join(_unit_word(word) for word in self.command)}
"""

    def timer(self) -> str:
        day = f"{WEEKDAY} " if self.every == "weekly" else ""
        return f"""[Unit]
Description=nianbao update, {self.every} at {self.hour:02d}:{self.minute:02d} ({_unit_text(str(self.data_dir))})

[Timer]
OnCalendar={day}*-*-* {self.hour:02d}:{self.minute:02d}:00
Persistent=true

[Install]
WantedBy=timers.target
"""

    def crontab_line(self) -> str:
        day = "1" if self.every == "weekly" else "*"
        command = f"cd {shlex.quote(str(self.working_dir))} && {shlex.join(self.command)}"
        return f"{self.minute} {self.hour} * * {day} {command.replace('%', chr(92) + '%')}"  # cron: % ends a line

    def files(self) -> dict[str, str]:
        return {f"{UNIT}.service": self.service(), f"{UNIT}.timer": self.timer()}


def default_unit_dir() -> Path:
    return Path.home() / ".config" / "systemd" / "user"


def printed(schedule: Schedule, unit_dir: Path) -> str:
    parts = [f"# {unit_dir / name}\n{text}" for name, text in schedule.files().items()]
    parts.append(f"# or, without systemd, this crontab line (crontab -e):\n{schedule.crontab_line()}\n")
    return "\n".join(parts)


def install(schedule: Schedule, unit_dir: Path) -> list[str]:
    """Write the units into `unit_dir`; returns what to tell the user."""
    unit_dir.mkdir(parents=True, exist_ok=True)
    for name, text in schedule.files().items():
        (unit_dir / name).write_text(text, encoding="utf-8")
    return [
        *(f"wrote {unit_dir / name}" for name in schedule.files()),
        f"to start it: systemctl --user daemon-reload && systemctl --user enable --now {UNIT}.timer",
        "  (a user's timers run while the user is logged in, unless: loginctl enable-linger)",
        f"its runs and failures: journalctl --user -u {UNIT}.service; `nianbao status` says how each crawl ended",
    ]
