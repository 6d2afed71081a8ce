"""Gateway overhead: full HTTP -> 3 x gRPC round trip minus the in-process pipeline time.

A 256x256 ``raw`` image over 16-QAM AWGN without FEC. The in-process time runs
the same plain functions (encode, link, decode, PNG, metrics) in this process,
alternating with the HTTP requests so both see the same machine state; the
overhead of request i is its HTTP latency minus in-process run i. A second
figure subtracts each request's own reported compute times instead.

Like for like: this process tunes its allocator as the four processes do
(semcom.allocator), and each timed part starts after a short pause, because
torch's idle OpenMP threads keep spinning for a while after a parallel region
(the metrics' LPIPS) and would otherwise take the cores from the next part.
"""

from __future__ import annotations

import json
import statistics
import time

import httpx
import numpy as np

from benchmarks.common import percentiles
from receiver_service.decode import decode_payload
from semcom.allocator import tune_allocator
from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.images import decode_png, encode_png
from semcom.launcher import LocalStack
from semcom.metrics import image_metrics
from transmitter_service.encode import encode_image

SETTLE_S = 0.05  # longer than an idle OpenMP thread spins
CONFIG = {"pipeline": "raw", "channel": {"snr_db": 30.0, "modulation": "qam16", "fec": "none", "seed": 1}}


def test_image() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut()[::2, ::2])  # 256 x 256


def in_process(image: np.ndarray, png: bytes) -> None:
    channel = ChannelConfig(**CONFIG["channel"])
    payload = encode_image("raw", png, {}, channel)
    received, stats = transmit_payload(payload, channel)
    decoded = decode_payload(received, stats)
    image_metrics(image, decode_png(encode_png(decoded.image)))


def run(n_requests: int = 200) -> dict[str, float]:
    tune_allocator()
    image = test_image()
    png = encode_png(image)
    local: list[float] = []
    latencies, compute_sums, hops = [], [], []
    with LocalStack() as stack, httpx.Client(timeout=60) as client:
        form = {"config": json.dumps(CONFIG)}
        for i in range(n_requests + 10):
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            in_process(image, png)
            local_i = (time.perf_counter() - start) * 1000
            time.sleep(SETTLE_S)
            start = time.perf_counter()
            r = client.post(f"{stack.url}/v1/transmit", files={"image": ("a.png", png)}, data=form)
            elapsed = (time.perf_counter() - start) * 1000
            r.raise_for_status()
            if i < 10:
                continue  # warm-up
            t = r.json()["timings_ms"]
            local.append(local_i)
            latencies.append(elapsed)
            compute_sums.append(t["encode_compute"] + t["channel_compute"] + t["decode_compute"] + t["metrics"])
            hops.append(transport_breakdown(t, elapsed))

    local_ms = statistics.median(local)
    overhead = [lat - loc for lat, loc in zip(latencies, local, strict=True)]
    transport = [lat - c for lat, c in zip(latencies, compute_sums, strict=True)]
    result = {
        "in_process_median_ms": local_ms,
        **{f"latency_{k}_ms": v for k, v in percentiles(latencies).items()},
        **{f"overhead_{k}_ms": v for k, v in percentiles(overhead).items()},
        **{f"transport_only_{k}_ms": v for k, v in percentiles(transport).items()},
        **{f"{part}_p50_ms": statistics.median(h[part] for h in hops) for part in hops[0]},
        "requests": n_requests,
    }
    print(f"gateway overhead, 256x256 raw, {n_requests} requests: HTTP latency p50 {result['latency_p50_ms']:.1f} ms "
          f"p95 {result['latency_p95_ms']:.1f} ms; in-process pipeline {local_ms:.1f} ms -> overhead "
          f"p50 {result['overhead_p50_ms']:.1f} ms, p95 {result['overhead_p95_ms']:.1f} ms (target p50 <= 10); "
          f"minus each request's own compute: p50 {result['transport_only_p50_ms']:.1f} ms, "
          f"p95 {result['transport_only_p95_ms']:.1f} ms")
    print("  where the transport time goes (p50): " + ", ".join(
        f"{part.replace('_', ' ')} {result[f'{part}_p50_ms']:.1f} ms" for part in hops[0]))
    return result


def transport_breakdown(timings: dict[str, float], latency_ms: float) -> dict[str, float]:
    """Milliseconds of one request spent outside compute: per gRPC hop, and in the HTTP layer."""
    stages = sum(timings[s] for s in ("availability", "encode", "channel", "decode", "metrics"))
    return {
        "transmitter_hop": timings["encode"] - timings["encode_compute"],
        "channel_hop": timings["channel"] - timings["channel_compute"],
        "receiver_hop": timings["decode"] - timings["decode_compute"],
        "http_layer": latency_ms - stages,
    }
