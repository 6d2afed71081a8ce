"""What the three gRPC services share: startup, health, reflection, errors, limits, metrics, TLS, shutdown.

Each service's ``server.py`` calls :func:`run` with a function that adds its
servicer; the servicers themselves stay thin: convert messages, hand a plain
function to the service's :class:`~semcom.backpressure.WorkPool`, map errors.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from pydantic import ValidationError

from semcom.allocator import tune_allocator
from semcom.backpressure import Busy, DeadlineExpired
from semcom.channel.link import LinkError
from semcom.images import ImageError
from semcom.observability import (
    REQUEST_ID,
    REQUEST_ID_HEADER,
    RPC_LATENCY,
    RPC_REQUESTS,
    accept_request_id,
    setup_logging,
    start_metrics_server,
)
from semcom.pipelines import PipelineError, PipelineUnavailable, Role, availability_table
from semcom.wire.convert import WireError

log = logging.getLogger("semcom.service")

MAX_MESSAGE_BYTES = int(os.environ.get("SEMCOM_MAX_MESSAGE_MB", "512")) * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]
DEFAULT_PORTS = {"transmitter": 50051, "channel": 50052, "receiver": 50053}
DEFAULT_MAX_INFLIGHT = 64
RETRY_AFTER_KEY = "retry-after"  # trailing metadata of RESOURCE_EXHAUSTED: whole seconds

# The caller's mistakes: INVALID_ARGUMENT; a model that cannot run here: FAILED_PRECONDITION.
_CLIENT_ERRORS = (PipelineError, ImageError, LinkError, WireError, ValidationError)

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


def grpc_errors(service: str) -> Callable[[Handler], Handler]:
    """Decorator for servicer methods: map exceptions to gRPC status codes, never leak tracebacks."""

    def wrap(method: Handler) -> Handler:
        @functools.wraps(method)
        async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                return await method(self, request, context)
            except _CLIENT_ERRORS as exc:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            except PipelineUnavailable as exc:
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
            except Busy as exc:
                context.set_trailing_metadata(((RETRY_AFTER_KEY, str(exc.retry_after_s)),))
                await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
            except DeadlineExpired as exc:
                await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, str(exc))
            except asyncio.CancelledError:
                raise
            except Exception:
                if isinstance(context, grpc.aio.ServicerContext) and context.code() is not None:
                    raise  # already aborted with a status
                log.exception("%s: unexpected error in %s", service, method.__name__)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error in the {service} service")

        return wrapper  # type: ignore[return-value]

    return wrap


def warm_availability(role: Role) -> None:
    """Work out the pipelines' availability once in the background, so the first
    Availability call does not pay for the imports (torch) that the checks need."""
    threading.Thread(target=availability_table, args=(role,), name="warm-availability", daemon=True).start()


class Stopwatch:
    """Milliseconds since creation."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def ms(self) -> float:
        return (time.perf_counter() - self.start) * 1000.0


class ObservabilityInterceptor(grpc.aio.ServerInterceptor):
    """Per RPC of the semcom services: the caller's request id, a metric sample, one log line."""

    def __init__(self, service: str) -> None:
        self.service = service

    async def intercept_service(self, continuation: Callable, details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None or not details.method.startswith("/semcom."):
            return handler  # health checks and reflection pass untouched
        metadata = {k: v for k, v in (details.invocation_metadata or ()) if isinstance(v, str)}
        request_id = accept_request_id(metadata.get(REQUEST_ID_HEADER))
        method = details.method.rsplit("/", 1)[-1]
        inner = handler.unary_unary

        async def observed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            token = REQUEST_ID.set(request_id)
            start = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                return await inner(request, context)
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except BaseException:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            finally:
                elapsed = time.perf_counter() - start
                RPC_REQUESTS.labels(self.service, method, code.name).inc()
                RPC_LATENCY.labels(self.service, method).observe(elapsed)
                log.log(logging.INFO if code == grpc.StatusCode.OK else logging.WARNING, "rpc %s %s", method,
                        code.name, extra={"method": method, "code": code.name, "duration_ms": round(elapsed * 1e3, 3)})
                REQUEST_ID.reset(token)

        return grpc.unary_unary_rpc_method_handler(observed, request_deserializer=handler.request_deserializer,
                                                   response_serializer=handler.response_serializer)


# ---------------------------------------------------------------- options
def _env(service: str, name: str, default: str | None = None) -> str | None:
    """SEMCOM_<SERVICE>_<NAME>, else SEMCOM_<NAME>, else the default; empty means unset."""
    for key in (f"SEMCOM_{service.upper()}_{name}", f"SEMCOM_{name}"):
        value = os.environ.get(key)
        if value:
            return value
    return default


@dataclass
class ServiceOptions:
    service: str
    host: str = "127.0.0.1"
    port: int = 0
    grace: float = 5.0
    max_inflight: int = DEFAULT_MAX_INFLIGHT
    workers: int = field(default_factory=lambda: min(32, (os.cpu_count() or 1) + 4))
    metrics_port: int | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    log_level: str = "INFO"
    log_format: str = "json"
    extra: dict[str, Any] = field(default_factory=dict)  # service-specific flags


def parse_args(service: str, argv: list[str] | None = None,
               configure: Callable[[argparse.ArgumentParser], None] | None = None) -> ServiceOptions:
    env = f"SEMCOM_{service.upper()}"
    parser = argparse.ArgumentParser(description=f"semcom {service} gRPC service")
    parser.add_argument("--host", default=os.environ.get(f"{env}_HOST", "127.0.0.1"),
                        help=f"address to bind (env {env}_HOST; 0.0.0.0 for all interfaces)")
    parser.add_argument("--port", type=int, default=int(os.environ.get(f"{env}_PORT", DEFAULT_PORTS[service])),
                        help=f"port (env {env}_PORT; 0 picks a free one and prints it)")
    parser.add_argument("--grace", type=float, default=5.0, help="seconds to finish in-flight calls on SIGTERM")
    parser.add_argument("--max-inflight", type=int, default=_env(service, "MAX_INFLIGHT", str(DEFAULT_MAX_INFLIGHT)),
                        help=f"calls admitted at once; more get RESOURCE_EXHAUSTED (env {env}_MAX_INFLIGHT "
                             f"or SEMCOM_MAX_INFLIGHT; default {DEFAULT_MAX_INFLIGHT})")
    parser.add_argument("--workers", type=int, default=_env(service, "WORKERS"),
                        help=f"worker threads (env {env}_WORKERS or SEMCOM_WORKERS; default CPUs + 4, at most 32)")
    parser.add_argument("--metrics-port", type=int, default=_env(service, "METRICS_PORT"),
                        help=f"serve Prometheus /metrics on this port (env {env}_METRICS_PORT; default off)")
    parser.add_argument("--tls-cert", type=Path, default=_env(service, "TLS_CERT"),
                        help="PEM server certificate chain: serve TLS instead of plaintext (env SEMCOM_TLS_CERT)")
    parser.add_argument("--tls-key", type=Path, default=_env(service, "TLS_KEY"),
                        help="PEM private key of --tls-cert (env SEMCOM_TLS_KEY)")
    parser.add_argument("--tls-client-ca", type=Path, default=_env(service, "TLS_CLIENT_CA"),
                        help="PEM CA: require client certificates signed by it (mutual TLS; env SEMCOM_TLS_CLIENT_CA)")
    parser.add_argument("--log-level", default=os.environ.get("SEMCOM_LOG_LEVEL", "INFO"))
    parser.add_argument("--log-format", choices=("json", "text"), default=os.environ.get("SEMCOM_LOG_FORMAT", "json"))
    if configure is not None:
        configure(parser)
    args = vars(parser.parse_args(argv))
    if (args["tls_cert"] is None) != (args["tls_key"] is None):
        parser.error("--tls-cert and --tls-key go together")
    if args["tls_client_ca"] is not None and args["tls_cert"] is None:
        parser.error("--tls-client-ca needs --tls-cert and --tls-key")
    base = {k: args.pop(k) for k in list(args) if k in ServiceOptions.__dataclass_fields__}
    if base["workers"] is None:
        base.pop("workers")  # the dataclass default
    return ServiceOptions(service=service, extra=args, **base)


# ---------------------------------------------------------------- serving
class Servicer(Protocol):
    async def close(self) -> None: ...


def server_credentials(cert: Path, key: Path, client_ca: Path | None) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(key.read_bytes(), cert.read_bytes())],
        root_certificates=client_ca.read_bytes() if client_ca else None,
        require_client_auth=client_ca is not None,
    )


async def serve(full_name: str, add_servicer: Callable[[grpc.aio.Server, ServiceOptions], Servicer],
                options: ServiceOptions) -> None:
    """Run one service until SIGTERM / SIGINT, then drain in-flight calls for ``options.grace`` seconds."""
    service = options.service
    server = grpc.aio.server(options=GRPC_OPTIONS, interceptors=[ObservabilityInterceptor(service)])
    servicer = add_servicer(server, options)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [full_name, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME], server
    )
    address = f"{options.host}:{options.port}"
    if options.tls_cert and options.tls_key:
        bound = server.add_secure_port(address, server_credentials(options.tls_cert, options.tls_key,
                                                                   options.tls_client_ca))
    else:
        bound = server.add_insecure_port(address)
    if bound == 0:
        raise SystemExit(f"{service}: cannot bind {address}")
    if options.metrics_port is not None:
        metrics_port = start_metrics_server(options.host, options.metrics_port)
        log.info("%s: metrics on http://%s:%d/metrics", service, options.host, metrics_port)
    await server.start()
    for name in ("", full_name):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    # Tests and the demo read this line to learn the port.
    tls = " (TLS)" if options.tls_cert else ""
    print(f"semcom {service} listening on {options.host}:{bound}{tls}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("%s: shutting down (grace %.1fs)", service, options.grace)
    await health_servicer.enter_graceful_shutdown()
    await server.stop(options.grace)
    await servicer.close()


def run(service: str, full_name: str, add_servicer: Callable[[grpc.aio.Server, ServiceOptions], Servicer],
        argv: list[str] | None = None, configure: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    options = parse_args(service, argv, configure)
    setup_logging(service, options.log_level, options.log_format)
    log.info("%s: %s", service, tune_allocator())
    asyncio.run(serve(full_name, add_servicer, options))
