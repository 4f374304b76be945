"""Keep the functions' logs out of the benchmark's table.

The local stack's workers write their Powertools logs and metrics to the standard output they inherit, so the
benchmark points file descriptors 1 and 2 at a log file before starting anything, and prints its own report
through a duplicate of the terminal's standard output.
"""

import os
import sys
from pathlib import Path
from typing import TextIO


def redirect_output(log: Path) -> TextIO:
    """Send everything written to fds 1 and 2 (by this process and its children) to ``log``; return the terminal."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    terminal = os.fdopen(os.dup(1), "w", buffering=1)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    return terminal
