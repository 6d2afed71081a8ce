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


def test_a_lone_call_does_not_wait_for_company() -> None:
    batcher, pool, sizes = _batcher(max_wait_ms=2000)

    async def main() -> float:
        start = time.perf_counter()
        assert await batcher.submit(None, "raw", "x") == "raw:x"
        elapsed = time.perf_counter() - start
        await batcher.close()
        return elapsed

    assert asyncio.run(main()) < 0.5 and sizes == [1]
    pool.shutdown()


def test_batcher_admission_and_departed_callers() -> None:
    gate = threading.Event()
    sizes: list[int] = []

    def run_batch(key: str, items: list) -> list:
        sizes.append(len(items))
        if "a" in items:
            gate.wait(5)
        return items

    pool = WorkPool("test", max_inflight=4, workers=2)
    batcher = Batcher(pool, run_batch, max_batch=8, max_wait_ms=0)

    async def main() -> None:
        first = asyncio.create_task(batcher.submit(None, "raw", "a"))
        await asyncio.sleep(0.05)  # "a" runs alone and blocks; the next ones queue behind it
        second = asyncio.create_task(batcher.submit(None, "raw", "b"))
        third = asyncio.create_task(batcher.submit(None, "raw", "c"))
        late = asyncio.create_task(batcher.submit(FakeContext(0.01), "raw", "e"))
        await asyncio.sleep(0.01)
        with pytest.raises(Busy):  # a, b, c, e hold the four slots
            await batcher.submit(None, "raw", "d")
        third.cancel()  # its caller leaves before its batch starts
        await asyncio.sleep(0.05)  # "e" expires in the queue
        gate.set()
        assert await first == "a" and await second == "b"
        with pytest.raises(DeadlineExpired):
            await late
        await asyncio.sleep(0.01)
        assert pool.inflight == 0
        await batcher.close()

    asyncio.run(main())
    assert sizes == [1, 1]  # "b" alone: "c" left, "e" expired
    pool.shutdown()


def test_receiver_batches_only_pipelines_with_a_batched_decoder() -> None:
    from receiver_service.decode import has_batched_decoder

    assert not has_batched_decoder("raw") and not has_batched_decoder("jpeg")
    assert has_batched_decoder("swin-jscc")  # overrides decode_batch with one forward pass
    assert not has_batched_decoder("no-such-pipeline")


def test_decode_many_keeps_errors_per_item() -> None:
    import numpy as np

    from receiver_service.decode import decode_many
    from semcom.images import decode_png
    from semcom.payload import Payload, Segment

    image = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    good = Payload("raw", [Segment("pixels", image)], image.shape)
    bad = Payload("raw", [], image.shape, {})
    results = decode_many("raw", [(good, None), (bad, None), (good, None)])
    assert isinstance(results[1], Exception)
    for decoded, png in (results[0], results[2]):
        assert np.array_equal(decoded.image, image) and np.array_equal(decode_png(png), image)
