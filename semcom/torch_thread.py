"""One thread per process for torch's CPU work, so that OpenMP keeps one team of threads.

libgomp (the OpenMP of torch's CPU builds) gives every thread that opens a
parallel region a team of its own. Once a process holds more OpenMP threads than
there are cores, libgomp cuts the time idle team threads spin before sleeping to
about a thousand iterations, so they fall asleep between torch's many short
parallel regions and must be woken for each. Handing torch calls to whichever
thread of asyncio's pool is free creates such teams: the gateway's LPIPS at
256x256 then took 33 ms instead of 23 ms for the same CPU time (1.3 cores busy
instead of 1.9). ``python -m benchmarks --only torch_thread`` measures it.

Calls through :func:`run_torch` are serialised on one thread; torch already
spreads each call over all cores.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

THREAD_NAME_PREFIX = "torch"
_executor = ThreadPoolExecutor(1, thread_name_prefix=THREAD_NAME_PREFIX)


async def run_torch(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Await ``fn(*args, **kwargs)`` run on this process's torch thread (context variables carried, as
    :func:`asyncio.to_thread` does)."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor, call)
