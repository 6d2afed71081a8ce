"""What the three gRPC services share: startup, health, reflection, errors, shutdown.

Each service's ``server.py`` calls :func:`run` with its servicer; the servicers
themselves stay thin: convert messages, call a plain function, map errors.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from pydantic import ValidationError

from semcom.channel.link import LinkError
from semcom.images import ImageError
from semcom.pipelines import PipelineError, PipelineUnavailable
from semcom.wire.convert import WireError

log = logging.getLogger("semcom.service")

MAX_MESSAGE_BYTES = int(os.environ.get("SEMCOM_MAX_MESSAGE_MB", "512")) * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]
DEFAULT_PORTS = {"transmitter": 50051, "channel": 50052, "receiver": 50053}

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
            except asyncio.CancelledError:
                raise
            except Exception:
                if isinstance(context, grpc.aio.ServicerContext) and context.code() is not None:
                    raise  # already aborted with a status
                log.exception("%s: unexpected error in %s", service, method.__name__)
                await context.abort(grpc.StatusCode.INTERNAL, f"internal error in the {service} service")

        return wrapper  # type: ignore[return-value]

    return wrap


class Stopwatch:
    """Milliseconds since creation."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def ms(self) -> float:
        return (time.perf_counter() - self.start) * 1000.0


def parse_args(service: str, argv: list[str] | None = None) -> argparse.Namespace:
    env = f"SEMCOM_{service.upper()}"
    parser = argparse.ArgumentParser(description=f"semcom {service} gRPC service")
    parser.add_argument("--host", default=os.environ.get(f"{env}_HOST", "127.0.0.1"),
                        help=f"address to bind (env {env}_HOST; 0.0.0.0 for all interfaces)")
    parser.add_argument("--port", type=int, default=int(os.environ.get(f"{env}_PORT", DEFAULT_PORTS[service])),
                        help=f"port (env {env}_PORT; 0 picks a free one and prints it)")
    parser.add_argument("--grace", type=float, default=5.0, help="seconds to finish in-flight calls on SIGTERM")
    parser.add_argument("--log-level", default=os.environ.get("SEMCOM_LOG_LEVEL", "INFO"))
    return parser.parse_args(argv)


async def serve(
    service: str,
    full_name: str,
    add_servicer: Callable[[grpc.aio.Server], None],
    host: str,
    port: int,
    grace: float = 5.0,
) -> None:
    """Run one service until SIGTERM / SIGINT, then drain in-flight calls for ``grace`` seconds."""
    server = grpc.aio.server(options=GRPC_OPTIONS)
    add_servicer(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [full_name, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME], server
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise SystemExit(f"{service}: cannot bind {host}:{port}")
    await server.start()
    for name in ("", full_name):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    # Tests and the demo read this line to learn the port.
    print(f"semcom {service} listening on {host}:{bound}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("%s: shutting down (grace %.1fs)", service, grace)
    await health_servicer.enter_graceful_shutdown()
    await server.stop(grace)


def run(service: str, full_name: str, add_servicer: Callable[[grpc.aio.Server], None],
        argv: list[str] | None = None) -> None:
    args = parse_args(service, argv)
    logging.basicConfig(level=args.log_level.upper(), format=f"%(asctime)s {service} %(levelname)s %(message)s")
    asyncio.run(serve(service, full_name, add_servicer, args.host, args.port, args.grace))
