"""Receiver throughput with micro-batching on and off, at concurrency 1, 4 and 16, in one run.

    python -m benchmarks.receiver_batching [PIPELINE] [--seconds 5] [--size 128] [--max-batch 16]

Two receiver processes run side by side, one with ``--batch-max-size 1`` (off), one
batching; this process sends the same received payload (made in process by the
pipeline's encoder and the channel at 20 dB) as gRPC Decode calls, ``c`` at a
time in a closed loop, to one receiver at a time. Printed per concurrency:
decodes per second off and on, their ratio, and the mean batch the batching
receiver formed (from its Prometheus metrics). ``--random-weights`` benchmarks a
learned pipeline whose weights are not installed, with an untrained network of
the same shape (speed does not depend on the weight values).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx

from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import link_stats_to_pb, payload_to_pb

CONCURRENCY = (1, 4, 16)
CHANNEL = ChannelConfig(snr_db=20.0, modulation="qam16", fec="rs", seed=1)


def decode_request(pipeline: str, size: int) -> pb.DecodeRequest:
    """A payload as the receiver gets it: encoded here, through the channel here."""
    from semcom import pipelines
    from semcom.images import encode_png
    from transmitter_service.encode import encode_image

    available, reason = pipelines.get(pipeline).availability()
    if not available:
        raise SystemExit(f"pipeline {pipeline!r} is unavailable here: {reason} (or pass --random-weights)")
    image = _astronaut(size)
    payload = encode_image(pipeline, encode_png(image), {}, CHANNEL)
    received, stats = transmit_payload(payload, CHANNEL)
    return pb.DecodeRequest(payload=payload_to_pb(received), stats=link_stats_to_pb(stats))


def _astronaut(size: int):  # noqa: ANN202
    import numpy as np
    from PIL import Image
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((size, size), Image.BICUBIC))


@contextlib.contextmanager
def random_weights(pipeline: str) -> Iterator[dict[str, str]]:
    """Environment that points a swin-jscc-family pipeline at an untrained network of the shipped shape."""
    if not pipeline.startswith("swin-jscc"):
        raise SystemExit(f"--random-weights knows only the swin-jscc pipelines, not {pipeline!r}")
    import torch

    from semcom.models.io import save_weights
    from semcom.models.swin_jscc import SwinJscc, SwinJsccConfig

    torch.manual_seed(0)
    config = SwinJsccConfig()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "swin_jscc_random.safetensors"
        save_weights(SwinJscc(config), config.to_dict(), path, extra={"training": {"note": "random, benchmark"}})
        env = {"SEMCOM_SWIN_JSCC_WEIGHTS": str(path)}
        os.environ.update(env)
        yield env


class Receiver:
    """A receiver process on a free port, its metrics port read from its log."""

    def __init__(self, label: str, batch_max_size: int, max_wait_ms: float, env: dict[str, str]) -> None:
        self.label = label
        args = [sys.executable, "-m", "receiver_service.server", "--port", "0", "--metrics-port", "0",
                "--max-inflight", "1024", "--batch-max-size", str(batch_max_size),
                "--batch-max-wait-ms", str(max_wait_ms), "--log-level", "INFO"]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"})
        _use_all_cpus(self.process.pid)
        self.address, self.metrics_port = self._read_ports()

    def _read_ports(self) -> tuple[str, int]:
        assert self.process.stdout is not None
        metrics, deadline = None, time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"the {self.label} receiver exited ({self.process.wait()})")
            found = re.search(r"metrics on http://[\d.]+:(\d+)", line)
            metrics = int(found.group(1)) if found else metrics
            listening = re.search(r"listening on (\S+):(\d+)", line)
            if listening and metrics:
                threading.Thread(target=self.process.stdout.read, daemon=True).start()
                return f"{listening.group(1)}:{listening.group(2)}", metrics
        raise RuntimeError(f"the {self.label} receiver did not start")

    def batch_totals(self) -> tuple[float, float]:
        """(payloads, batches) decoded so far, over all pipelines."""
        text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10, trust_env=False).text
        total = sum(float(v) for v in re.findall(r"^semcom_receiver_batch_size_sum\{[^}]*\} (\S+)", text, re.M))
        count = sum(float(v) for v in re.findall(r"^semcom_receiver_batch_size_count\{[^}]*\} (\S+)", text, re.M))
        return total, count

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _use_all_cpus(pid: int) -> None:
    """Undo an inherited single-CPU pinning (python -m benchmarks pins itself) for the receivers."""
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, range(os.cpu_count() or 1))


async def throughput(address: str, request: pb.DecodeRequest, concurrency: int, seconds: float) -> tuple[float, int]:
    """Decodes per second with ``concurrency`` calls in flight, after a warm-up; and how many were timed."""
    async with grpc.aio.insecure_channel(address, options=[("grpc.max_receive_message_length", 512 << 20),
                                                           ("grpc.max_send_message_length", 512 << 20)]) as channel:
        stub = rpc.ReceiverStub(channel)
        await asyncio.gather(*(stub.Decode(request, timeout=300) for _ in range(2 * concurrency)))  # warm-up
        done = 0
        stop_at = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                await stub.Decode(request, timeout=300)
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - start), done


def default_pipeline() -> str:
    """SEMCOM_DEFAULT_PIPELINE, else swin-jscc where its weights are installed, else jpeg."""
    from semcom import pipelines

    if os.environ.get("SEMCOM_DEFAULT_PIPELINE"):
        return os.environ["SEMCOM_DEFAULT_PIPELINE"]
    return "swin-jscc" if pipelines.get("swin-jscc").availability()[0] else "jpeg"


def run(pipeline: str | None = None, seconds: float = 5.0, size: int = 128, max_batch: int = 16,
        max_wait_ms: float = 5.0, env: dict[str, str] | None = None) -> dict[str, object]:
    pipeline = pipeline or default_pipeline()
    request = decode_request(pipeline, size)
    off = Receiver("unbatched", 1, 0, env or {})
    on = Receiver("batching", max_batch, max_wait_ms, env or {})
    rows = []
    try:
        for concurrency in CONCURRENCY:
            rps_off, n_off = asyncio.run(throughput(off.address, request, concurrency, seconds))
            before = on.batch_totals()
            rps_on, n_on = asyncio.run(throughput(on.address, request, concurrency, seconds))
            after = on.batch_totals()
            mean_batch = (after[0] - before[0]) / max(after[1] - before[1], 1)
            rows.append({"concurrency": concurrency, "off_rps": rps_off, "on_rps": rps_on,
                         "ratio": rps_on / rps_off, "mean_batch": mean_batch, "decodes_off": n_off,
                         "decodes_on": n_on})
    finally:
        off.stop()
        on.stop()
    print(f"receiver micro-batching, pipeline {pipeline}, {size}x{size}, max batch {max_batch}, "
          f"max wait {max_wait_ms:g} ms, {seconds:g} s per cell, {os.cpu_count()} CPUs:")
    print(f"{'concurrency':>11} {'off (dec/s)':>12} {'on (dec/s)':>11} {'on/off':>7} {'mean batch':>11}")
    for row in rows:
        batch = f"{row['mean_batch']:.1f}" if row["mean_batch"] else "-"
        print(f"{row['concurrency']:>11} {row['off_rps']:>12.1f} {row['on_rps']:>11.1f} {row['ratio']:>6.2f}x "
              f"{batch:>11}")
    if not any(row["mean_batch"] for row in rows):
        print(f"({pipeline} has no batched decoder, so the receiver decodes it call by call either way)")
    return {"pipeline": pipeline, "size": size, "max_batch": max_batch, "max_wait_ms": max_wait_ms,
            "seconds_per_cell": seconds, "rows": rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pipeline", nargs="?", help="any registered pipeline (default: SEMCOM_DEFAULT_PIPELINE, "
                        "else swin-jscc where its weights are installed, else jpeg)")
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per (concurrency, mode)")
    parser.add_argument("--size", type=int, default=128, help="image side in pixels")
    parser.add_argument("--max-batch", type=int, default=16)
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    parser.add_argument("--random-weights", action="store_true",
                        help="untrained weights of the right shape (swin-jscc pipelines without installed weights)")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        pipeline = args.pipeline or default_pipeline()
        env = stack.enter_context(random_weights(pipeline)) if args.random_weights else {}
        run(pipeline, args.seconds, args.size, args.max_batch, args.max_wait_ms, env)


if __name__ == "__main__":
    main()
