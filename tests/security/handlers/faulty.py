"""A test-only function that fails on purpose, then runs a real handler (``REAL_HANDLER``).

The fault plan is a text file (``FAULT_PLAN``) of lines ``<action> <fault>``; the first invocation of that action
takes the line (once) and fails that way: ``error`` raises (a function error), ``timeout`` sleeps past the function's
timeout, ``garbage`` answers a result that is not the action's contract. Without a line, the real handler runs.
"""

import fcntl
import importlib
import os
import time
from pathlib import Path
from typing import Any

PLAN = Path(os.environ["FAULT_PLAN"])
_module, _, _name = os.environ["REAL_HANDLER"].rpartition(".")
REAL = getattr(importlib.import_module(_module), _name)


def take(action: str) -> str | None:
    """Remove and return the first fault planned for ``action`` (processes share the file under a lock)."""
    with PLAN.open("a+") as plan:
        fcntl.flock(plan, fcntl.LOCK_EX)
        plan.seek(0)
        lines = plan.read().splitlines()
        for index, line in enumerate(lines):
            wanted, _, fault = line.partition(" ")
            if wanted == action:
                del lines[index]
                plan.seek(0)
                plan.truncate()
                plan.write("".join(f"{rest}\n" for rest in lines))
                return fault
    return None


def lambda_handler(event: dict[str, Any], context: Any) -> Any:
    fault = take(str(event.get("action")))
    if fault == "error":
        raise RuntimeError(f"injected fault in {event.get('action')}")
    if fault == "timeout":
        time.sleep(context.get_remaining_time_in_millis() / 1000 + 5)
    if fault == "garbage":
        return {"ok": True, "result": {"not": "what the caller expects"}}
    return REAL(event, context)
