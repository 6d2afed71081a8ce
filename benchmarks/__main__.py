"""Run every benchmark: ``python -m benchmarks [--only NAME ...]``.

Figures are printed and written to out/benchmarks.json. The channel and RS
benchmarks are pinned to one core (their targets are per core); the others,
which start processes or use torch threads, run first and unpinned. This
process tunes its allocator as the services and the gateway do
(semcom.allocator), so the in-process references run as the services would.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

from benchmarks import (
    allocator,
    channel_throughput,
    gateway_overhead,
    model_speed,
    receiver_batching,
    rs_throughput,
    torch_thread,
    training_precision,
)
from benchmarks.common import pin_to_one_core
from semcom.allocator import tune_allocator

BENCHMARKS = {"channel": channel_throughput, "rs": rs_throughput, "gateway": gateway_overhead,
              "models": model_speed, "batching": receiver_batching, "allocator": allocator,
              "torch_thread": torch_thread, "training": training_precision}
PINNED = {"channel", "rs"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=list(BENCHMARKS))
    parser.add_argument("--out", type=Path, default=Path("out/benchmarks.json"))
    args = parser.parse_args()
    results: dict[str, object] = {"machine": platform.processor() or platform.machine()}
    print(f"[{tune_allocator()}]")
    for name in (n for n in args.only if n not in PINNED):
        results[name] = BENCHMARKS[name].run()
    pinned = [n for n in args.only if n in PINNED]
    if pinned:
        print(f"[{', '.join(pinned)} benchmarks {pin_to_one_core()}]")
    for name in pinned:
        results[name] = BENCHMARKS[name].run()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
