"""Different hosts: the gateway and each service in its own network namespace with its own IP address.

All on this machine: a namespace per process, one more holding a bridge, veth
pairs from each to the bridge, and one from this (the root) namespace so the test
can reach the gateway. Images go through the gateway across the namespaces; then
the receiver is stopped (503 naming it), restarted on the same address, and the
link recovers. Needs root and ``ip`` (iproute2); skips with the reason otherwise.
Everything made here is removed afterwards, and leftovers of crashed runs
(namespaces named after a process that no longer exists) before.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import random
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import numpy as np
import pytest

from semcom.images import decode_png
from tests.conftest import png_bytes, sample_image
from tests.stack import Proc, start_gateway, start_service, wait_http

ROLES = ("gateway", "transmitter", "channel", "receiver")
PORTS = {"gateway": 8000, "transmitter": 50051, "channel": 50052, "receiver": 50053}
PREFIX = "semcom-mh"
IMAGE = sample_image(64, 80)


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result


def _remove_leftovers() -> None:
    """Namespaces of earlier runs whose process is gone (a crash skipped their cleanup)."""
    listing = ip("netns", "list", check=False).stdout
    for name in re.findall(rf"^({PREFIX}-([0-9a-f]+)-\w+)", listing, flags=re.M):
        if not os.path.exists(f"/proc/{int(name[1], 16)}"):
            ip("netns", "del", name[0], check=False)


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 10.0.0.0/8 that no route or address of this machine touches."""
    used = []
    for line in ip("-4", "route", "show", "table", "all", check=False).stdout.splitlines():
        token = line.split()[0] if line.split() else ""
        if token[:1].isdigit():
            used.append(ipaddress.ip_network(token if "/" in token else f"{token}/32", strict=False))
    for line in ip("-4", "-o", "addr", check=False).stdout.splitlines():
        match = re.search(r"inet (\S+)", line)
        if match:
            used.append(ipaddress.ip_interface(match.group(1)).network)
    rng = random.Random()
    for _ in range(50):
        net = ipaddress.ip_network(f"10.{rng.randint(100, 250)}.{rng.randint(0, 255)}.0/24")
        if not any(net.overlaps(u) for u in used if u.prefixlen > 0):
            return net
    raise RuntimeError("no free 10.x.y.0/24 subnet on this machine")


@dataclass
class Hosts:
    """The namespaces, their addresses and the processes started in them."""

    tag: str
    subnet: ipaddress.IPv4Network
    namespaces: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)

    @property
    def hub(self) -> str:
        return f"{PREFIX}-{self.tag}-hub"

    def build(self) -> None:
        ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        ip("-n", self.hub, "link", "set", "br0", "up")
        for index, role in enumerate(("host", *ROLES)):
            outer, inner = f"s{self.tag}{index}a", f"s{self.tag}{index}b"  # at most 15 characters
            ip("link", "add", outer, "type", "veth", "peer", "name", inner)
            ip("link", "set", outer, "netns", self.hub)
            ip("-n", self.hub, "link", "set", outer, "master", "br0", "up")
            address = str(self.subnet[1 if role == "host" else 10 + index])
            if role == "host":  # stays in the root namespace: the test's way in
                ip("addr", "add", f"{address}/24", "dev", inner)
                ip("link", "set", inner, "up")
                continue
            ns = self.namespaces[role] = f"{PREFIX}-{self.tag}-{role}"
            ip("netns", "add", ns)
            ip("link", "set", inner, "netns", ns)
            ip("-n", ns, "addr", "add", f"{address}/24", "dev", inner)
            ip("-n", ns, "link", "set", inner, "up")
            ip("-n", ns, "link", "set", "lo", "up")
            self.addresses[role] = address

    def prefix(self, role: str) -> list[str]:
        return ["ip", "netns", "exec", self.namespaces[role]]

    def start(self, role: str) -> Proc:
        host, port = self.addresses[role], PORTS[role]
        if role == "gateway":
            targets = {s: f"{self.addresses[s]}:{PORTS[s]}" for s in ROLES[1:]}
            proc = start_gateway(host, port, targets, env={"SEMCOM_REQUEST_TIMEOUT_S": "20"},
                                 prefix=self.prefix(role))
        else:
            proc = start_service(role, host, port, prefix=self.prefix(role))
        self.procs[role] = proc
        return proc

    def teardown(self) -> None:
        for proc in self.procs.values():
            proc.stop(timeout=10)
        for ns in (*self.namespaces.values(), self.hub):
            ip("netns", "del", ns, check=False)  # deleting a namespace deletes its veth ends and their peers
        ip("link", "del", f"s{self.tag}0b", check=False)


@pytest.fixture(scope="module")
def hosts() -> Iterator[Hosts]:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("needs the `ip` command (apt-get install iproute2)")
    _remove_leftovers()
    net = Hosts(tag=f"{os.getpid():x}", subnet=_free_subnet())
    probe = ip("netns", "add", net.hub, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {probe.stderr.strip()}")
    try:
        net.build()
        for role in ("transmitter", "channel", "receiver", "gateway"):
            net.start(role)
        yield net
    finally:
        net.teardown()


def gateway_url(net: Hosts) -> str:
    return f"http://{net.addresses['gateway']}:{PORTS['gateway']}"


def send(net: Hosts, config: dict) -> httpx.Response:
    return httpx.post(f"{gateway_url(net)}/v1/transmit", files={"image": ("i.png", png_bytes(IMAGE), "image/png")},
                      data={"config": json.dumps(config)}, timeout=30, trust_env=False)


def test_each_process_runs_in_its_own_namespace(hosts: Hosts) -> None:
    for role, proc in hosts.procs.items():
        assert ip("netns", "identify", str(proc.process.pid)).stdout.strip() == hosts.namespaces[role]
    assert len(set(hosts.addresses.values())) == len(ROLES)


def test_images_cross_the_namespaces(hosts: Hosts) -> None:
    ready = wait_http(f"{gateway_url(hosts)}/readyz", timeout=30).json()
    for service in ROLES[1:]:
        assert ready["services"][service]["address"] == f"{hosts.addresses[service]}:{PORTS[service]}"
    r = send(hosts, {"pipeline": "raw", "channel": {"snr_db": 40}})
    assert r.status_code == 200, r.text
    assert np.array_equal(decode_png(base64.b64decode(r.json()["image_png_base64"])), IMAGE)
    for config in ({"pipeline": "jpeg", "channel": {"snr_db": 25, "modulation": "qam64"}},
                   {"pipeline": "raw", "channel": {"snr_db": 8, "model": "rayleigh_block", "seed": 3}}):
        r = send(hosts, config)
        assert r.status_code == 200, r.text


def test_stopped_service_gives_503_naming_it_and_the_link_recovers(hosts: Hosts) -> None:
    assert hosts.procs["receiver"].stop() == 0
    r = send(hosts, {"pipeline": "raw"})
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    assert error["code"] == "service_unavailable" and error["service"] == "receiver"
    assert f"{hosts.addresses['receiver']}:{PORTS['receiver']}" in error["message"]
    ready = httpx.get(f"{gateway_url(hosts)}/readyz", timeout=10, trust_env=False)
    assert ready.status_code == 503 and "receiver" in ready.json()["error"]["message"]

    hosts.start("receiver")  # the same namespace, address and port
    start = time.monotonic()
    wait_http(f"{gateway_url(hosts)}/readyz", timeout=30)
    r = send(hosts, {"pipeline": "raw", "channel": {"snr_db": 40}})
    assert r.status_code == 200, r.text
    assert time.monotonic() - start < 30
