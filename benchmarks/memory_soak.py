"""Memory over a long load run: RSS of the gateway and each service at start, after warm-up and at the end.

    python -m benchmarks.memory_soak [--requests 5000] [--concurrency 8] [--pipelines jpeg,raw]

Starts the four processes here (semcom.launcher), loads the gateway with the
load test's grid in chunks, and samples each process's resident set size
(/proc/PID/status) before the load, after a warm-up (caches, models and
allocator pools filled) and after every chunk. Growth is judged from the
warm-up on: the end minus the warm-up RSS, and the slope of a line through the
second half of the samples, in MB per 1000 requests. Written to
out/memory_soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import numpy as np

from loadtest.grid import build_grid, load_image, split
from loadtest.runner import run_load
from semcom.launcher import LocalStack

GRID_DEFAULTS = {"snrs": [5.0, 12.0, 20.0], "modulations": ["qpsk", "qam16"], "models": ["awgn", "rayleigh_block"],
                 "fecs": ["rs", "none"]}


def rss_mb(pid: int) -> float:
    """Resident set size in MB (Linux /proc; psutil elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except FileNotFoundError:
        pass
    import psutil  # not a dependency: only where /proc is missing

    return psutil.Process(pid).memory_info().rss / 2**20


def run(requests: int = 5000, concurrency: int = 8, chunk: int = 500, warmup: int = 300,
        pipelines: list[str] | None = None, size: int = 128, out: Path = Path("out/memory_soak.json")) -> dict:
    pipelines = pipelines or ["jpeg", "raw"]
    grid = build_grid(pipelines, **GRID_DEFAULTS)
    image = load_image(None, size)
    samples: list[tuple[int, dict[str, float]]] = []
    errors = 0
    with LocalStack() as stack:
        pids = {name: proc.pid for name, proc in stack.processes.items()}

        def sample(done: int) -> None:
            samples.append((done, {name: rss_mb(pid) for name, pid in pids.items()}))

        sample(0)
        records, _ = asyncio.run(run_load(stack.url, grid, image, warmup, concurrency, 3600, first_index=10**9))
        errors += sum(r.kind != "ok" and not r.kind.startswith("429") for r in records)
        sample(0)  # after the warm-up
        done = 0
        while done < requests:
            n = min(chunk, requests - done)
            records, _ = asyncio.run(run_load(stack.url, grid, image, n, concurrency, 3600, first_index=done))
            errors += sum(r.kind != "ok" and not r.kind.startswith("429") for r in records)
            done += n
            sample(done)
    start, warm, end = samples[0][1], samples[1][1], samples[-1][1]
    half = samples[1 + (len(samples) - 1) // 2:]
    result = {"requests": requests, "concurrency": concurrency, "warmup": warmup, "pipelines": pipelines,
              "settings": len(grid), "errors": errors, "processes": {}}
    print(f"memory soak: {requests} requests (+{warmup} warm-up) at concurrency {concurrency} over {len(grid)} "
          f"settings of {', '.join(pipelines)}; {errors} errors")
    print(f"{'process':<12} {'start MB':>9} {'warm MB':>9} {'end MB':>9} {'end-warm':>9} {'MB/1000 req':>12}")
    for name in start:
        xs = np.array([done for done, _ in half], float)
        ys = np.array([rss[name] for _, rss in half])
        slope = float(np.polyfit(xs, ys, 1)[0] * 1000) if len(half) >= 2 and np.ptp(xs) > 0 else 0.0
        row = {"start_mb": start[name], "warm_mb": warm[name], "end_mb": end[name],
               "growth_after_warmup_mb": end[name] - warm[name], "slope_mb_per_1000": slope,
               "samples": [(done, rss[name]) for done, rss in samples]}
        result["processes"][name] = row
        print(f"{name:<12} {start[name]:>9.1f} {warm[name]:>9.1f} {end[name]:>9.1f} "
              f"{end[name] - warm[name]:>+9.1f} {slope:>+12.2f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=500, help="requests between RSS samples")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--pipelines", default="jpeg,raw")
    parser.add_argument("--size", type=int, default=128, help="side of the image sent")
    parser.add_argument("--out", type=Path, default=Path("out/memory_soak.json"))
    args = parser.parse_args(argv)
    run(args.requests, args.concurrency, args.chunk, args.warmup, split(args.pipelines), args.size, args.out)


if __name__ == "__main__":
    main()
