"""The peak RSS of a program we start, measured so that it is the program's own.

Linux carries a process's peak RSS across exec: a child's ru_maxrss starts at its forking parent's size, so a
test or benchmark that holds a lot of mail in memory would report its own size for the bot.  `own_peak_command`
wraps the command in a tiny launcher: the launcher's child starts from the launcher's few MB, and the launcher
writes the child's exit status and ru_maxrss (KiB) to a file, which `read_own_peak` returns.
"""

from __future__ import annotations

import sys
from pathlib import Path

LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def own_peak_command(command: list[str], result: Path) -> list[str]:
    """`command`, started through the launcher that writes its status and peak RSS to `result`."""
    return [sys.executable, "-c", LAUNCHER, str(result), *command]


def read_own_peak(result: Path) -> tuple[int, float]:
    """(exit status, peak RSS in MB) written by the launcher."""
    status, kilobytes = (int(x) for x in result.read_text().split())
    return status, kilobytes / 1024
