"""Torch work on one thread against asyncio-style pool threads, same run (semcom.torch_thread).

Two fresh child processes each time LPIPS (alex) at 256x256, the gateway's torch
work: one first gives four pool threads an OpenMP team each, as asyncio's pool
does when torch calls land on whichever worker is free, then times calls handed
to that pool; the other times calls on a single thread. Median of 30 calls after
5 warm-up calls, wall and CPU time; the figure is the ratio pool / one thread.
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks.common import figures_per_mode

RUNS, WARM_UP, POOL_THREADS = 30, 5, 4


def child(mode: str) -> dict[str, float]:
    """Run in the child process: time LPIPS calls on a pool or on one thread; return medians in ms."""
    from benchmarks.gateway_overhead import test_image
    from semcom.lpips import lpips_distance

    image = test_image()
    noisy = (image.astype(int) + 8).clip(0, 255).astype(image.dtype)
    executor = ThreadPoolExecutor(POOL_THREADS if mode == "pool" else 1)
    if mode == "pool":  # every pool thread opens a parallel region once, so each holds a team
        barrier = threading.Barrier(POOL_THREADS)
        list(executor.map(lambda _: (barrier.wait(), lpips_distance(image, noisy)), range(POOL_THREADS)))

    def timed() -> tuple[float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        lpips_distance(image, noisy)
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    times = []
    for _ in range(RUNS + WARM_UP):
        time.sleep(0.05)  # longer than an idle OpenMP thread spins
        times.append(executor.submit(timed).result())
    walls, cpus = zip(*times[WARM_UP:], strict=True)
    return {"wall_ms": statistics.median(walls), "cpu_ms": statistics.median(cpus)}


def run() -> dict[str, float]:
    from semcom.lpips import lpips_available

    ok, reason = lpips_available("alex")
    if not ok:
        print(f"torch_thread: skipped, {reason}")
        return {}  # no figures rather than a made-up one
    result = figures_per_mode("benchmarks.torch_thread", ("pool", "one"))
    result["speedup"] = result["pool_wall_ms"] / result["one_wall_ms"]
    print(f"torch thread, LPIPS alex 256x256 (median of {RUNS}): on {POOL_THREADS} pool threads "
          f"{result['pool_wall_ms']:.1f} ms wall ({result['pool_cpu_ms']:.1f} ms CPU) -> on one thread "
          f"{result['one_wall_ms']:.1f} ms wall ({result['one_cpu_ms']:.1f} ms CPU) = {result['speedup']:.2f}x")
    return result


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1])))
