"""The services' allocator settings (semcom.allocator) against glibc's defaults, same run.

Two fresh child processes, one with glibc's defaults and one tuned as the
services and the gateway tune themselves, each time the gateway benchmark's
work on a 256x256 ``raw`` image: the channel link alone (the channel service's
work), then the whole in-process pipeline (encode, link, decode, PNG, metrics). Median of 40 runs
after 5 warm-up runs; the figure is the ratio default / tuned. Only glibc has
these settings; elsewhere both children run the same.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable

from benchmarks.common import figures_per_mode

RUNS, WARM_UP = 40, 5


def child(mode: str) -> dict[str, float]:
    """Run in the child process: time the link and the pipeline; return medians in ms."""
    from benchmarks.gateway_overhead import CONFIG, in_process, test_image
    from semcom.allocator import tune_allocator
    from semcom.channel.config import ChannelConfig
    from semcom.channel.link import transmit_payload
    from semcom.images import encode_png
    from transmitter_service.encode import encode_image

    if mode == "tuned":
        tune_allocator()
    image = test_image()
    png = encode_png(image)
    channel = ChannelConfig(**CONFIG["channel"])
    payload = encode_image("raw", png, {}, channel)
    # The link first and alone, as the channel service runs it: with glibc's defaults the allocator's
    # adaptive thresholds then only ever see the link's own arrays.
    return {"link_ms": median_ms(lambda: transmit_payload(payload, channel)),
            "pipeline_ms": median_ms(lambda: in_process(image, png))}


def median_ms(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS + WARM_UP):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[WARM_UP:])


def run() -> dict[str, float]:
    result = figures_per_mode("benchmarks.allocator", ("default", "tuned"))
    for part in ("link", "pipeline"):
        result[f"{part}_speedup"] = result[f"default_{part}_ms"] / result[f"tuned_{part}_ms"]
    print(f"allocator, 256x256 raw (median of {RUNS}): channel link {result['default_link_ms']:.1f} ms with glibc's "
          f"defaults -> {result['tuned_link_ms']:.1f} ms tuned = {result['link_speedup']:.2f}x; in-process pipeline "
          f"{result['default_pipeline_ms']:.1f} -> {result['tuned_pipeline_ms']:.1f} ms = "
          f"{result['pipeline_speedup']:.2f}x")
    return result


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1])))
