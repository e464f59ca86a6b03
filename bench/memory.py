"""Peak memory of one process, and `python -m bench.memory ARGS…`: run `nianbao ARGS…` in this process and print its
peak memory on stderr as the last line (`peak_mib=…`).

Why not getrusage: on Linux ru_maxrss survives exec, so a child started by a large parent reports the parent's
peak whenever that was larger. VmHWM belongs to the process's own address space.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def own_peak_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def main() -> int:
    from nianbao.cli import main as nianbao

    code = nianbao(sys.argv[1:])
    print(f"peak_mib={own_peak_mib():.0f}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
