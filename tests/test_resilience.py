"""Killing the receiver in the middle of a load run.

Requests caught by the outage end with 503 naming the receiver, within their
deadline (none hangs); requests before it and after the receiver is back all
succeed; the link recovers by itself once the receiver listens again.
"""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from loadtest.grid import build_grid
from loadtest.runner import run_load
from semcom.launcher import free_port
from tests.conftest import png_bytes, sample_image
from tests.stack import start_gateway, start_service, wait_http

DEADLINE_S = 10.0


@pytest.fixture()
def stack():
    receiver_port = free_port()
    procs = {name: start_service(name) for name in ("transmitter", "channel")}
    procs["receiver"] = start_service("receiver", port=receiver_port)
    addresses = {name: proc.address for name, proc in procs.items()}
    procs["gateway"] = start_gateway("127.0.0.1", free_port(), addresses,
                                     env={"SEMCOM_REQUEST_TIMEOUT_S": str(DEADLINE_S), "SEMCOM_LOG_LEVEL": "WARNING"})
    yield procs, receiver_port
    for proc in procs.values():
        proc.stop()


def test_receiver_killed_mid_load(stack) -> None:
    procs, receiver_port = stack
    url = f"http://{procs['gateway'].address}"
    grid = build_grid(["raw", "jpeg"], [20.0], ["qam16"], ["awgn", "rayleigh_block"], ["rs"])
    image = png_bytes(sample_image(64, 64))
    marks: dict[str, float] = {}

    # One request first: the gateway loads its metric networks on the first one, which on a
    # loaded machine could otherwise eat the whole window before the kill.
    warm = httpx.post(f"{url}/v1/transmit", files={"image": ("a.png", image)},
                      data={"config": '{"pipeline": "raw"}'}, timeout=60)
    assert warm.status_code == 200, warm.text

    async def scenario():
        t0 = time.perf_counter()
        load = asyncio.create_task(run_load(url, grid, image, requests=5000, concurrency=8, max_seconds=9,
                                            timeout_s=DEADLINE_S + 20))
        await asyncio.sleep(2.0)
        procs["receiver"].process.send_signal(signal.SIGKILL)  # no drain: calls in flight break
        marks["kill"] = time.perf_counter() - t0
        await asyncio.sleep(1.5)
        procs["receiver"] = await asyncio.to_thread(start_service, "receiver", port=receiver_port)
        await asyncio.to_thread(wait_http, f"{url}/readyz", None, 20.0)
        marks["ready"] = time.perf_counter() - t0
        return await load

    records, wall = asyncio.run(scenario())
    failed = [r for r in records if r.kind != "ok"]
    print(f"{len(records)} requests in {wall:.1f} s, {len(failed)} failed; receiver killed at {marks['kill']:.1f} s, "
          f"back at {marks['ready']:.1f} s; slowest {max(r.latency_s for r in records) * 1000:.0f} ms")
    kinds = {r.kind for r in records}
    assert kinds <= {"ok", "503 service_unavailable (receiver)"}, kinds  # no timeouts, no other errors
    assert max(r.latency_s for r in records) < DEADLINE_S  # none hangs
    before = [r for r in records if r.start_s + r.latency_s < marks["kill"]]
    after = [r for r in records if r.start_s > marks["ready"]]
    assert before and all(r.kind == "ok" for r in before)
    assert after and all(r.kind == "ok" for r in after), [r.kind for r in after]
    assert failed, "the outage should have hit some requests"
    assert all(marks["kill"] - 1.0 < r.start_s + r.latency_s < marks["ready"] + 1.0 for r in failed)
