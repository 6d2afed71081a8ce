"""Container health checks without extra binaries (no grpc_health_probe, no curl).

    python -m semcom.healthcheck grpc 127.0.0.1:50051      # grpc.health.v1 Check == SERVING
    python -m semcom.healthcheck http http://127.0.0.1:8000/readyz   # HTTP 200

Exit status 0 when healthy, 1 otherwise (the reason on stderr). For a service
serving TLS, the CA (and a client certificate for mutual TLS) come from
SEMCOM_TLS_CA / SEMCOM_TLS_CLIENT_CERT / SEMCOM_TLS_CLIENT_KEY, as for the gateway.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def _read(env: str) -> bytes | None:
    path = os.environ.get(env)
    return Path(path).read_bytes() if path else None


def check_grpc(address: str, timeout: float) -> str | None:
    """None when SERVING, else why not."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    ca = _read("SEMCOM_TLS_CA")
    if ca is None:
        channel = grpc.insecure_channel(address)
    else:
        creds = grpc.ssl_channel_credentials(ca, _read("SEMCOM_TLS_CLIENT_KEY"), _read("SEMCOM_TLS_CLIENT_CERT"))
        name = os.environ.get("SEMCOM_TLS_SERVER_NAME")
        channel = grpc.secure_channel(address, creds, [("grpc.ssl_target_name_override", name)] if name else None)
    with channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        except grpc.RpcError as exc:
            return f"{address}: {exc.code().name}"
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        return f"{address}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}"
    return None


def check_http(url: str, timeout: float) -> str | None:
    # No proxies: the check is about this container.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return None if response.status == 200 else f"{url}: HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code}"
    except OSError as exc:
        return f"{url}: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="semcom container health check")
    parser.add_argument("kind", choices=("grpc", "http"))
    parser.add_argument("target", help="host:port for grpc, a URL for http")
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    problem = (check_grpc if args.kind == "grpc" else check_http)(args.target, args.timeout)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
