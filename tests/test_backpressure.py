"""The bounded work pool and the micro-batcher, in process (no network)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from semcom.backpressure import Busy, DeadlineExpired, WorkPool
from semcom.batching import Batcher


class FakeContext:
    """What WorkPool and Batcher read of a gRPC servicer context."""

    def __init__(self, remaining: float | None) -> None:
        self.deadline = None if remaining is None else time.monotonic() + remaining

    def time_remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


def test_pool_refuses_beyond_its_bound_and_frees_slots() -> None:
    pool = WorkPool("test", max_inflight=2, workers=1)
    gate = threading.Event()

    async def main() -> None:
        held = [asyncio.create_task(pool.run(None, gate.wait, 5)) for _ in range(2)]
        await asyncio.sleep(0.05)
        assert pool.inflight == 2
        with pytest.raises(Busy) as err:
            await pool.run(None, lambda: 1)
        assert err.value.retry_after_s >= 1 and "capacity" in str(err.value)
        gate.set()
        assert await asyncio.gather(*held) == [True, True]
        assert await pool.run(None, lambda: 7) == 7
        assert pool.inflight == 0

    asyncio.run(main())
    pool.shutdown()


def test_cancelled_call_keeps_its_slot_until_the_thread_ends() -> None:
    pool = WorkPool("test", max_inflight=1, workers=1)
    gate = threading.Event()

    async def main() -> None:
        task = asyncio.create_task(pool.run(None, gate.wait, 5))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.sleep(0.05)
        assert pool.inflight == 1  # the thread still works: the bound counts it
        with pytest.raises(Busy):
            await pool.run(None, lambda: 1)
        gate.set()
        for _ in range(100):
            if pool.inflight == 0:
                break
            await asyncio.sleep(0.01)
        assert pool.inflight == 0

    asyncio.run(main())
    pool.shutdown()


def test_work_whose_deadline_passed_in_the_queue_is_skipped() -> None:
    pool = WorkPool("test", max_inflight=4, workers=1)
    gate = threading.Event()
    ran: list[str] = []

    async def main() -> None:
        blocker = asyncio.create_task(pool.run(None, gate.wait, 5))
        await asyncio.sleep(0.02)
        late = asyncio.create_task(pool.run(FakeContext(0.1), ran.append, "late"))
        await asyncio.sleep(0.3)
        gate.set()
        await blocker
        with pytest.raises(DeadlineExpired):
            await late
        with pytest.raises(DeadlineExpired):  # already past on arrival
            await pool.run(FakeContext(-1), ran.append, "dead")

    asyncio.run(main())
    assert ran == [] and pool.inflight == 0
    pool.shutdown()


def _batcher(max_inflight: int = 64, max_batch: int = 8, max_wait_ms: float = 50.0):
    sizes: list[int] = []

    def run_batch(key: str, items: list) -> list:
        sizes.append(len(items))
        return [ValueError(f"bad {x}") if x == "bad" else f"{key}:{x}" for x in items]

    pool = WorkPool("test", max_inflight=max_inflight, workers=2)
    return Batcher(pool, run_batch, max_batch=max_batch, max_wait_ms=max_wait_ms), pool, sizes


def test_concurrent_calls_form_one_batch_and_errors_stay_per_item() -> None:
    batcher, pool, sizes = _batcher()

    async def main() -> list:
        calls = [batcher.submit(None, "jpeg", x) for x in ["a", "b", "bad", "c", "d"]]
        results = await asyncio.gather(*calls, return_exceptions=True)
        await batcher.close()
        return results

    results = asyncio.run(main())
    assert results[:2] == ["jpeg:a", "jpeg:b"] and results[3:] == ["jpeg:c", "jpeg:d"]
    assert isinstance(results[2], ValueError)
    assert sizes == [5] and pool.inflight == 0
    pool.shutdown()


def test_batches_are_per_key_and_capped_at_max_batch() -> None:
    batcher, pool, sizes = _batcher(max_batch=3)

    async def main() -> list:
        calls = [batcher.submit(None, key, i) for i in range(4) for key in ("raw", "jpeg")]
        results = await asyncio.gather(*calls)
        await batcher.close()
        return results

    results = asyncio.run(main())
    assert results == [f"{key}:{i}" for i in range(4) for key in ("raw", "jpeg")]
    assert sorted(sizes) == [1, 1, 3, 3]
    pool.shutdown()


def test_a_lone_call_waits_at_most_max_wait() -> None:
    batcher, pool, sizes = _batcher(max_wait_ms=20)

    async def main() -> float:
        start = time.perf_counter()
        assert await batcher.submit(None, "raw", "x") == "raw:x"
        elapsed = time.perf_counter() - start
        await batcher.close()
        return elapsed

    assert asyncio.run(main()) < 0.5 and sizes == [1]
    pool.shutdown()


def test_batcher_admission_and_departed_callers() -> None:
    batcher, pool, sizes = _batcher(max_inflight=2, max_wait_ms=100)

    async def main() -> None:
        first = asyncio.create_task(batcher.submit(None, "raw", "a"))
        second = asyncio.create_task(batcher.submit(None, "raw", "b"))
        await asyncio.sleep(0.01)
        with pytest.raises(Busy):
            await batcher.submit(None, "raw", "c")
        second.cancel()  # the caller leaves before its batch starts
        assert await first == "raw:a"
        await asyncio.sleep(0.01)
        assert pool.inflight == 0
        await batcher.close()

    asyncio.run(main())
    assert sizes == [1]
    pool.shutdown()
