"""semcom.torch_thread: torch calls share one thread per process (one OpenMP team); the gateway's LPIPS uses it."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading

import pytest
from fastapi.testclient import TestClient

import gateway.link
from semcom.torch_thread import THREAD_NAME_PREFIX, run_torch
from tests.conftest import png_bytes, sample_image

REQUEST_ID = contextvars.ContextVar("request_id", default=None)


def test_calls_run_on_one_thread_off_the_event_loop() -> None:
    async def main() -> tuple[set[int], int, list[tuple[str, str | None]]]:
        REQUEST_ID.set("r1")
        calls = [run_torch(lambda: (threading.get_ident(), threading.current_thread().name, REQUEST_ID.get()))
                 for _ in range(8)]
        results = await asyncio.gather(*calls)  # submitted together, still one thread
        return {ident for ident, _, _ in results}, threading.get_ident(), [(n, r) for _, n, r in results]

    idents, loop_ident, names = asyncio.run(main())
    assert len(idents) == 1 and loop_ident not in idents
    assert all(name.startswith(THREAD_NAME_PREFIX) and rid == "r1" for name, rid in names)


def test_errors_reach_the_caller() -> None:
    def fails() -> None:
        raise ValueError("bad tensor")

    with pytest.raises(ValueError, match="bad tensor"):
        asyncio.run(run_torch(fails))


def test_gateway_lpips_runs_on_the_torch_thread(gateway_client: TestClient, monkeypatch) -> None:
    seen: list[str] = []
    real = gateway.link.lpips_metric

    def recording(reference, test):
        seen.append(threading.current_thread().name)
        return real(reference, test)

    monkeypatch.setattr(gateway.link, "lpips_metric", recording)
    config = json.dumps({"pipeline": "raw", "channel": {"snr_db": 20, "modulation": "qam16", "seed": 3}})
    for seed in range(3):
        files = {"image": ("img.png", png_bytes(sample_image(64, 64, seed)), "image/png")}
        r = gateway_client.post("/v1/transmit", files=files, data={"config": config})
        assert r.status_code == 200, r.text
        assert {"psnr_db", "ssim", "ms_ssim", "lpips"} <= set(r.json()["metrics"])
    assert len(seen) == 3 and len(set(seen)) == 1 and seen[0].startswith(THREAD_NAME_PREFIX)
