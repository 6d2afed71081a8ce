"""Helpers of the hardening tests: processes with captured output, gateways over HTTP, certificates."""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "grpc_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child: no proxies (gRPC and httpx honour them), unbuffered output."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    return {**env, "PYTHONUNBUFFERED": "1", **(extra or {})}


@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    address: str = ""

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                match = re.search(pattern, line)
                if match:
                    return match
            seen = len(self.lines)
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n" + "".join(self.lines[-30:]))
            time.sleep(0.02)
        raise RuntimeError(f"{self.name}: no line matching {pattern!r} within {timeout:g} s")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(timeout=timeout)


def spawn(name: str, args: Sequence[str], env: dict[str, str] | None = None, prefix: Sequence[str] = ()) -> Proc:
    """Start ``python <args>`` (after ``prefix``, e.g. ``ip netns exec NS``), collecting its output lines."""
    process = subprocess.Popen([*prefix, sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=REPO_ROOT, env=clean_env(env))
    proc = Proc(name, process)
    assert process.stdout is not None

    def pump() -> None:  # keep reading so the child never blocks on a full pipe
        for line in process.stdout:  # type: ignore[union-attr]
            proc.lines.append(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc


def start_service(name: str, host: str = "127.0.0.1", port: int = 0, env: dict[str, str] | None = None,
                  prefix: Sequence[str] = (), extra_args: Sequence[str] = ()) -> Proc:
    proc = spawn(name, ["-m", f"{name}_service.server", "--host", host, "--port", str(port), "--grace", "2",
                        *extra_args], env, prefix)
    match = proc.wait_for(r"listening on (\S+):(\d+)")
    proc.address = f"{match.group(1)}:{match.group(2)}"
    return proc


def start_gateway(host: str, port: int, addresses: dict[str, str], env: dict[str, str] | None = None,
                  prefix: Sequence[str] = ()) -> Proc:
    proc = spawn("gateway", ["-m", "gateway.server", "--host", host, "--port", str(port),
                             *(f"--{name}={addr}" for name, addr in addresses.items())], env, prefix)
    proc.address = f"{host}:{port}"
    wait_http(f"http://{host}:{port}/healthz", proc)
    return proc


def wait_http(url: str, proc: Proc | None = None, timeout: float = 60.0, status: int = 200) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc is not None and proc.process.poll() is not None:
            raise RuntimeError(f"{proc.name} exited:\n" + "".join(proc.lines[-30:]))
        try:
            response = httpx.get(url, timeout=5, trust_env=False)
            if response.status_code == status:
                return response
            last = response.text
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer {status} within {timeout:g} s: {last}")


# ---------------------------------------------------------------- certificates
def make_certificates(folder: Path, hosts: Sequence[str] = ("127.0.0.1", "localhost")) -> dict[str, Path]:
    """A CA, a server certificate for ``hosts`` and a client certificate, as PEM files (cryptography)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        return path

    def issue(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, issuer_key: object,
              ca: bool, usage: list | None = None, sans: Sequence[str] = ()) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(issuer)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if usage:
            builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
        if sans:
            alt: list[x509.GeneralName] = []
            for host in sans:
                try:
                    alt.append(x509.IPAddress(ipaddress.ip_address(host)))
                except ValueError:
                    alt.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]

    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = issue("semcom test CA", ca_key, name("semcom test CA"), ca_key, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server = issue("semcom service", server_key, ca_cert.subject, ca_key, False,
                   [ExtendedKeyUsageOID.SERVER_AUTH], hosts)
    client = issue("semcom gateway", client_key, ca_cert.subject, ca_key, False, [ExtendedKeyUsageOID.CLIENT_AUTH])
    paths = {}
    for label, cert in (("ca", ca_cert), ("server", server), ("client", client)):
        paths[f"{label}_cert"] = folder / f"{label}.pem"
        paths[f"{label}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["server_key"] = write_key(server_key, folder / "server.key")
    paths["client_key"] = write_key(client_key, folder / "client.key")
    return paths


def make_certificates_openssl(folder: Path, hosts: Sequence[str] = ("127.0.0.1", "localhost")) -> dict[str, Path]:
    """The same with the openssl command line, where the cryptography package is missing."""
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder, timeout=60)

    san = ",".join(f"IP:{h}" if re.match(r"^[\d.]+$", h) else f"DNS:{h}" for h in hosts)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
        "-out", "ca.pem", "-days", "1", "-subj", "/CN=semcom test CA")
    for label, cn, ext in (("server", "semcom service", f"subjectAltName={san}\nextendedKeyUsage=serverAuth"),
                           ("client", "semcom gateway", "extendedKeyUsage=clientAuth")):
        (folder / f"{label}.ext").write_text(ext + "\n")
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{label}.key",
            "-out", f"{label}.csr", "-subj", f"/CN={cn}")
        run("x509", "-req", "-in", f"{label}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{label}.pem", "-days", "1", "-extfile", f"{label}.ext")
    return {"ca_cert": folder / "ca.pem", "server_cert": folder / "server.pem", "server_key": folder / "server.key",
            "client_cert": folder / "client.pem", "client_key": folder / "client.key"}
