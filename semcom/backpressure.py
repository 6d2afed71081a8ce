"""Bounded in-flight work for the gRPC services: admission, deadlines, a thread pool.

A service admits at most ``max_inflight`` calls at once (running or waiting for a
worker); the next one is refused with :class:`Busy` (RESOURCE_EXHAUSTED on the
wire) instead of queueing without limit. A slot is released when the *thread*
finishes, not when the caller gives up: a cancelled call whose work already
started still holds CPU, so it still counts. Work whose deadline passed while it
waited for a worker is skipped (:class:`DeadlineExpired`).
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import grpc

from semcom.observability import RPC_INFLIGHT, RPC_REJECTED, RPC_STAGE

T = TypeVar("T")


class Busy(Exception):
    """The service is at its in-flight bound; the caller should retry after ``retry_after_s``."""

    def __init__(self, service: str, limit: int, retry_after_s: int) -> None:
        super().__init__(f"the {service} service is at capacity ({limit} calls in flight)")
        self.retry_after_s = retry_after_s


class DeadlineExpired(Exception):
    """The caller's deadline passed before the work could start."""


def deadline_of(context: grpc.aio.ServicerContext | None) -> float | None:
    """The call's deadline on the ``time.monotonic`` clock, or None when the caller set none."""
    remaining = context.time_remaining() if context is not None else None
    return None if remaining is None else time.monotonic() + remaining


class WorkPool:
    """Admission control plus a thread pool; one per service process."""

    def __init__(self, service: str, max_inflight: int, workers: int) -> None:
        if max_inflight < 1 or workers < 1:
            raise ValueError("max_inflight and workers must be at least 1")
        self.service, self.max_inflight, self.workers = service, max_inflight, workers
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix=f"{service}-work")
        self._lock = threading.Lock()  # slots are released from worker threads
        self._inflight = 0
        self._seconds_per_call = 0.05  # running mean of the work time, for Retry-After
        self._gauge = RPC_INFLIGHT.labels(service)

    @property
    def inflight(self) -> int:
        return self._inflight

    def admit(self) -> None:
        """Take a slot or raise :class:`Busy`; every admit needs exactly one :meth:`release`."""
        with self._lock:
            if self._inflight >= self.max_inflight:
                RPC_REJECTED.labels(self.service, "busy").inc()
                raise Busy(self.service, self.max_inflight, self.retry_after_s())
            self._inflight += 1
        self._gauge.inc()

    def release(self, slots: int = 1) -> None:
        with self._lock:
            self._inflight -= slots
        self._gauge.dec(slots)

    def retry_after_s(self) -> int:
        """Seconds until the queue ahead has likely drained (whole seconds, at least 1, as HTTP wants)."""
        backlog = self._inflight / self.workers * self._seconds_per_call
        return max(1, math.ceil(backlog))

    def record(self, seconds: float, calls: int = 1) -> None:
        self._seconds_per_call += 0.1 * (seconds / max(calls, 1) - self._seconds_per_call)

    def submit(self, deadline: float | None, fn: Callable[..., T], *args: Any, slots: int = 1) -> Future[T]:
        """Run ``fn`` on a worker thread, with the caller's context variables (its request id).

        The caller must already hold ``slots`` slots (a batch holds one per call);
        they are released when the thread is done (or when the work is cancelled
        before it started).
        """
        queued = time.perf_counter()
        context = contextvars.copy_context()

        def guarded() -> T:
            RPC_STAGE.labels(self.service, "queue").observe(time.perf_counter() - queued)
            if deadline is not None and time.monotonic() >= deadline:
                RPC_REJECTED.labels(self.service, "deadline").inc()
                raise DeadlineExpired(f"the deadline passed while the call waited for a {self.service} worker")
            start = time.perf_counter()
            try:
                return context.run(fn, *args)
            finally:
                elapsed = time.perf_counter() - start
                RPC_STAGE.labels(self.service, "compute").observe(elapsed)
                self.record(elapsed, slots)

        future = self.executor.submit(guarded)
        future.add_done_callback(lambda _: self.release(slots))
        return future

    async def run(self, context: grpc.aio.ServicerContext | None, fn: Callable[..., T], *args: Any) -> T:
        """Admit, run ``fn(*args)`` on a worker within the call's deadline, return its result."""
        deadline = deadline_of(context)
        if deadline is not None and time.monotonic() >= deadline:
            RPC_REJECTED.labels(self.service, "deadline").inc()
            raise DeadlineExpired("the call arrived past its deadline")
        self.admit()
        try:
            future = self.submit(deadline, fn, *args)
        except BaseException:
            self.release()
            raise
        # Cancelling the awaiting coroutine cancels work that has not started yet.
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
