"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np


def pin_to_one_core() -> str:
    """Run the calling process on one CPU so 'per core' figures mean that."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity on this platform)"


def best_time(fn: Callable[[], object], repeat: int = 5, min_time: float = 0.2) -> float:
    """Best wall time of ``fn`` in seconds over ``repeat`` runs (after one warm-up)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
        if best * repeat > 10 * min_time and best > min_time:
            break
    return best


def percentiles(samples: list[float], qs: tuple[float, ...] = (50, 95)) -> dict[str, float]:
    arr = np.asarray(samples)
    return {f"p{int(q)}": float(np.percentile(arr, q)) for q in qs}


def figures_per_mode(module: str, modes: tuple[str, ...]) -> dict[str, float]:
    """Run ``python -m <module> <mode>`` in a fresh process for each mode; each prints a JSON dict of figures
    as its last line. Returns them as ``{"<mode>_<figure>": value}``."""
    result = {}
    for mode in modes:
        done = subprocess.run([sys.executable, "-m", module, mode], capture_output=True, text=True, check=True)
        result.update({f"{mode}_{k}": v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()})
    return result
