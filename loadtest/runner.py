"""The load generator: a bounded number of requests at a fixed concurrency, bounded in time."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
import random
import socket
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from loadtest.grid import Setting


@dataclass
class Record:
    index: int
    setting: int  # index into the grid
    start_s: float  # since the start of the run
    latency_s: float
    status: int  # HTTP status; 0 when no answer came
    kind: str  # "ok" or the error kind, e.g. "429 busy (receiver)", "timeout"
    lost: bool = False
    psnr_db: float | None = None


class TargetRefused(SystemExit):
    pass


def check_target(url: str, allow_remote: bool = False) -> str:
    """The gateway URL without a trailing slash; refuses anything but loopback unless ``allow_remote``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"not an http(s) URL: {url!r}")
    if not allow_remote:
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
        except socket.gaierror as exc:
            raise TargetRefused(f"cannot resolve {parts.hostname!r}: {exc}") from None
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
        remote = sorted(str(a) for a in addresses if not a.is_loopback)
        if remote:
            raise TargetRefused(f"{url} resolves to non-loopback {', '.join(remote)}; a load test sends heavy "
                                "traffic: pass --allow-remote if that machine is yours to load")
    return url.rstrip("/")


def setting_for(index: int, settings: int) -> int:
    """Grid setting of request ``index``: every setting once per cycle of len(grid) requests, in a
    shuffled order per cycle, so no pipeline's requests arrive in bursts (reproducible: seeded)."""
    cycle, position = divmod(index, settings)
    order = list(range(settings))
    random.Random(cycle).shuffle(order)
    return order[position]


def _error_kind(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        service = f" ({error['service']})" if error.get("service") else ""
        return f"{response.status_code} {error['code']}{service}"
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code}"


async def _one(client: httpx.AsyncClient, url: str, index: int, setting_index: int, setting: Setting,
               image: bytes, headers: dict[str, str], t0: float) -> Record:
    files = {"image": ("image.png", image, "image/png")}
    data = {"config": json.dumps(setting.config(seed=index))}
    start = time.perf_counter()
    try:
        # Ask for the PNG: the summary travels in a header, so the client parses no base64 JSON.
        response = await client.post(f"{url}/v1/transmit", files=files, data=data,
                                     headers={**headers, "accept": "image/png"})
    except httpx.TimeoutException:
        return Record(index, setting_index, start - t0, time.perf_counter() - start, 0, "timeout")
    except httpx.HTTPError as exc:
        return Record(index, setting_index, start - t0, time.perf_counter() - start, 0, type(exc).__name__)
    latency = time.perf_counter() - start
    if response.status_code != 200:
        return Record(index, setting_index, start - t0, latency, response.status_code, _error_kind(response))
    summary = json.loads(response.headers.get("x-semcom-summary", "{}"))
    return Record(index, setting_index, start - t0, latency, 200, "ok", bool(summary.get("lost")),
                  (summary.get("metrics") or {}).get("psnr_db"))


async def run_load(url: str, grid: list[Setting], image: bytes, requests: int, concurrency: int,
                   max_seconds: float, timeout_s: float = 120.0, headers: dict[str, str] | None = None,
                   first_index: int = 0) -> tuple[list[Record], float]:
    """Send ``requests`` requests (fewer if ``max_seconds`` runs out), ``concurrency`` at a time.

    Request i uses channel seed i and a grid setting from :func:`setting_for`
    (each setting equally often). Returns the records and the wall time of the run.
    """
    if not grid or requests < 0 or concurrency < 1:
        raise ValueError("need a non-empty grid, requests >= 0 and concurrency >= 1")
    run_id = uuid.uuid4().hex[:8]
    base_headers = dict(headers or {})
    counter = itertools.count(first_index)
    records: list[Record] = []
    t0 = time.perf_counter()
    stop_at = t0 + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # trust_env=False: never route load through a proxy from the environment.
    async with httpx.AsyncClient(timeout=timeout_s, limits=limits, trust_env=False) as client:

        async def worker() -> None:
            while True:
                index = next(counter)
                if index >= first_index + requests or time.perf_counter() >= stop_at:
                    return
                s = setting_for(index, len(grid))
                request_headers = {**base_headers, "x-request-id": f"load-{run_id}-{index}"}
                records.append(await _one(client, url, index, s, grid[s], image, request_headers, t0))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return records, time.perf_counter() - t0
