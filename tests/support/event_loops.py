"""Running a coroutine from a synchronous test without touching the thread's current event loop.

``asyncio.run`` ends by leaving the thread with no current loop, and the gateway's Mangum adapter, run in process
by later tests, asks for the current one (``asyncio.get_event_loop``); a private loop leaves that state alone.
"""

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion in a new event loop that is never made the thread's current one."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()
