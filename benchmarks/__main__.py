"""Run every benchmark: ``python -m benchmarks [--only NAME ...]``.

Figures are printed and written to out/benchmarks.json.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

from benchmarks import channel_throughput, gateway_overhead, rs_throughput
from benchmarks.common import pin_to_one_core

BENCHMARKS = {"channel": channel_throughput, "rs": rs_throughput, "gateway": gateway_overhead}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), default=list(BENCHMARKS))
    parser.add_argument("--out", type=Path, default=Path("out/benchmarks.json"))
    args = parser.parse_args()
    results: dict[str, object] = {"machine": platform.processor() or platform.machine()}
    for name in args.only:
        if name == "gateway":  # the four processes need the other cores; run it unpinned
            results[name] = BENCHMARKS[name].run()
        else:
            continue
    pinned = pin_to_one_core()
    print(f"[channel and RS benchmarks {pinned}]")
    for name in args.only:
        if name != "gateway":
            results[name] = BENCHMARKS[name].run()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
