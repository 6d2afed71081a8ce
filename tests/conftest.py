"""Shared fixtures: the three gRPC services as real processes on localhost."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from semcom.launcher import wait_for_address

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEMCOM_SHARED", REPO_ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A file from ../shared, or skip the test with the reason."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the project's ../shared data), which is absent here")
    return path


@dataclass
class ServiceProcess:
    name: str
    process: subprocess.Popen
    address: str

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def start_service(name: str, host: str = "127.0.0.1", port: int = 0, env: dict | None = None) -> ServiceProcess:
    """Start ``semcom-<name>`` via its module and wait for its 'listening on' line."""
    module = f"{name}_service.server"
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--host", host, "--port", str(port), "--grace", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO_ROOT,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
    )
    try:
        return ServiceProcess(name, proc, wait_for_address(name, proc, 60))
    except RuntimeError:
        proc.kill()
        raise


@pytest.fixture(scope="session")
def services() -> Iterator[dict[str, ServiceProcess]]:
    started = {name: start_service(name) for name in ("transmitter", "channel", "receiver")}
    yield started
    for svc in started.values():
        svc.stop()


@pytest.fixture(scope="session")
def gateway_client(services):
    from fastapi.testclient import TestClient

    from gateway.app import create_app
    from gateway.settings import Settings

    settings = Settings(transmitter_addr=services["transmitter"].address, channel_addr=services["channel"].address,
                        receiver_addr=services["receiver"].address, request_timeout_s=60)
    with TestClient(create_app(settings)) as client:
        yield client


def sample_image(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A smooth synthetic RGB test image (gradients + shapes), deterministic."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    img = np.stack([255 * x / width, 255 * y / height, 128 + 100 * np.sin(x / 9.0) * np.cos(y / 7.0)], axis=-1)
    cy, cx = rng.integers(height // 4, 3 * height // 4), rng.integers(width // 4, 3 * width // 4)
    img[(y - cy) ** 2 + (x - cx) ** 2 < (min(height, width) // 5) ** 2] = [230, 40, 60]
    return np.clip(img, 0, 255).astype(np.uint8)


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()
