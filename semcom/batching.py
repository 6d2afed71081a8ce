"""Micro-batching: concurrent calls with the same key (a pipeline name) run as one batch.

Generators run far faster on a batch than one image at a time. Each key has a
lane: a queue and ``concurrency`` worker tasks. A worker takes the first waiting
call, waits up to ``max_wait_ms`` for more to join (never longer than it takes to
fill ``max_batch``), and runs the batch on the service's :class:`WorkPool`. While
a batch runs, new calls queue and form the next batch, so under load batches
fill without waiting; a call that is alone (nothing else in flight, the last
batch a single call) does not wait at all, and no call waits over ``max_wait_ms``.

Every call is admitted by the pool (RESOURCE_EXHAUSTED beyond its bound) and
holds its slot until its batch has finished; calls whose caller left or whose
deadline passed while queued are dropped before the batch starts.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc

from semcom.backpressure import DeadlineExpired, WorkPool, deadline_of
from semcom.observability import BATCH_SIZE, REQUEST_ID, RPC_REJECTED

log = logging.getLogger("semcom.batching")

# (key, items) -> one result or exception per item, in order
BatchFn = Callable[[str, list[Any]], Sequence[Any]]


@dataclass(eq=False)
class _Pending:
    item: Any
    deadline: float | None
    future: asyncio.Future
    request_id: str


@dataclass
class _Lane:
    queue: collections.deque[_Pending] = field(default_factory=collections.deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task] = field(default_factory=list)
    last_batch: int = 0  # size of the lane's previous batch: >1 means callers come in groups


class Batcher:
    def __init__(self, pool: WorkPool, run_batch: BatchFn, max_batch: int = 8, max_wait_ms: float = 2.0,
                 concurrency: int = 1) -> None:
        if max_batch < 1 or concurrency < 1 or max_wait_ms < 0:
            raise ValueError("max_batch and concurrency must be >= 1, max_wait_ms >= 0")
        self.pool, self.run_batch = pool, run_batch
        self.max_batch, self.max_wait_s, self.concurrency = max_batch, max_wait_ms / 1000.0, concurrency
        self._lanes: dict[str, _Lane] = {}

    async def submit(self, context: grpc.aio.ServicerContext | None, key: str, item: Any) -> Any:
        """Queue ``item`` for the next batch of ``key``; its result (or its exception) when done."""
        deadline = deadline_of(context)
        if deadline is not None and time.monotonic() >= deadline:
            RPC_REJECTED.labels(self.pool.service, "deadline").inc()
            raise DeadlineExpired("the call arrived past its deadline")
        self.pool.admit()  # Busy beyond the bound
        pending = _Pending(item, deadline, asyncio.get_running_loop().create_future(), REQUEST_ID.get())
        lane = self._lane(key)
        lane.queue.append(pending)
        lane.wakeup.set()
        # If this caller is cancelled the future is too; the lane drops it and frees its slot.
        return await pending.future

    def _lane(self, key: str) -> _Lane:
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
            lane.tasks = [asyncio.create_task(self._work(key, lane)) for _ in range(self.concurrency)]
        return lane

    async def _work(self, key: str, lane: _Lane) -> None:
        REQUEST_ID.set("")  # this task outlives the call that created it
        loop = asyncio.get_running_loop()
        while True:
            while not lane.queue:
                lane.wakeup.clear()
                await lane.wakeup.wait()
            # Wait for company only when it is likely: other calls are in flight, or the last
            # batch was a group whose callers are about to come back. A lone caller never waits.
            others = self.pool.inflight > len(lane.queue) or lane.last_batch > 1
            end = loop.time() + (self.max_wait_s if others else 0.0)
            while len(lane.queue) < self.max_batch and (left := end - loop.time()) > 0:
                lane.wakeup.clear()
                try:
                    await asyncio.wait_for(lane.wakeup.wait(), left)
                except asyncio.TimeoutError:
                    break
            try:
                batch = self._take(lane)
                if batch:
                    await self._run(key, batch)
            except Exception:  # never let a lane die: its callers would wait forever
                log.exception("batch lane %r failed", key)

    def _take(self, lane: _Lane) -> list[_Pending]:
        batch: list[_Pending] = []
        now = time.monotonic()
        while lane.queue and len(batch) < self.max_batch:
            pending = lane.queue.popleft()
            if pending.future.done():  # the caller left
                self.pool.release()
            elif pending.deadline is not None and now >= pending.deadline:
                RPC_REJECTED.labels(self.pool.service, "deadline").inc()
                pending.future.set_exception(DeadlineExpired("the deadline passed while the call waited for a batch"))
                self.pool.release()
            else:
                batch.append(pending)
        return batch

    async def _run(self, key: str, batch: list[_Pending]) -> None:
        BATCH_SIZE.labels(key).observe(len(batch))
        self._lanes[key].last_batch = len(batch)
        # Log lines of the batch carry the ids of the requests in it.
        REQUEST_ID.set(",".join(p.request_id for p in batch if p.request_id)[:512])
        future = self.pool.submit(None, self.run_batch, key, [p.item for p in batch], slots=len(batch))
        try:
            results: Sequence[Any] = await asyncio.wrap_future(future)
            if len(results) != len(batch):
                raise RuntimeError(f"batch of {len(batch)} gave {len(results)} results")
        except Exception as exc:  # the whole batch failed
            results = [exc] * len(batch)
        finally:
            REQUEST_ID.set("")
        for pending, result in zip(batch, results, strict=True):
            if pending.future.done():
                continue
            if isinstance(result, BaseException):
                pending.future.set_exception(result)
            else:
                pending.future.set_result(result)

    async def close(self) -> None:
        tasks = [t for lane in self._lanes.values() for t in lane.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for lane in self._lanes.values():
            for pending in lane.queue:
                if not pending.future.done():
                    pending.future.cancel()
                self.pool.release()
            lane.queue.clear()
