"""Start the three services and the gateway as local processes (demo, benchmarks).

Each service binds a free port (``--port 0``) and prints it; the gateway gets the
addresses through its flags. ``LocalStack`` stops everything on exit.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx

SERVICES = ("transmitter", "channel", "receiver")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class LocalStack:
    host: str = "127.0.0.1"
    gateway_port: int = 0
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    def start(self, timeout_s: float = 90.0) -> LocalStack:
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        for name in SERVICES:
            proc = subprocess.Popen([sys.executable, "-m", f"{name}_service.server", "--host", self.host,
                                     "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    env=env)
            self.processes[name] = proc
            self.addresses[name] = wait_for_address(name, proc, timeout_s)
        self.gateway_port = self.gateway_port or free_port(self.host)
        self.processes["gateway"] = subprocess.Popen(
            [sys.executable, "-m", "gateway.server", "--host", self.host, "--port", str(self.gateway_port),
             *(f"--{n}={a}" for n, a in self.addresses.items()), "--log-level", "warning"],
            env=env,
        )
        self.wait_ready(timeout_s)
        return self

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        while time.monotonic() < deadline:
            if self.processes["gateway"].poll() is not None:
                raise RuntimeError("the gateway exited during startup")
            try:
                r = httpx.get(f"{self.url}/readyz", timeout=2)
                if r.status_code == 200:
                    return
                last = r.text
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(0.2)
        raise RuntimeError(f"the stack was not ready within {timeout_s:g} s: {last}")

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for_address(name: str, proc: subprocess.Popen, timeout_s: float) -> str:
    """Read a started service's output until its 'listening on HOST:PORT' line; return HOST:PORT."""
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {name} service exited during startup (code {proc.wait()})")
        match = re.search(r"listening on (\S+):(\d+)", line)
        if match:
            # Keep reading its output so a chatty service never blocks on a full pipe.
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return f"{match.group(1)}:{match.group(2)}"
    raise RuntimeError(f"the {name} service did not start within {timeout_s:g} s")
