"""gRPC clients of the three services, with retries, request ids, TLS and errors mapped to gateway errors.

UNAVAILABLE means the service is down or restarting: the call is retried with
exponential backoff (all three RPCs are idempotent: same request and seed, same
answer) while the request's deadline allows, then 503 naming the service.
DEADLINE_EXCEEDED: 504. RESOURCE_EXHAUSTED: 429 with the service's Retry-After.
INVALID_ARGUMENT is the caller's mistake found downstream: 422.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.errors import GatewayError, service_unavailable
from gateway.settings import Settings
from semcom.observability import REQUEST_ID, REQUEST_ID_HEADER, UPSTREAM_CALLS, UPSTREAM_RETRIES
from semcom.service import GRPC_OPTIONS, RETRY_AFTER_KEY
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import availability_from_pb

SERVICES = ("transmitter", "channel", "receiver")
Reply = TypeVar("Reply")

# Reconnect quickly once a restarted service is back (gRPC's default backoff grows to 2 minutes).
CLIENT_OPTIONS = [
    *GRPC_OPTIONS,
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
]
MIN_ATTEMPT_S = 0.01  # don't start an attempt with less time than this left


class ServiceBusy(GatewayError):
    """429: a service (or the gateway) is at its in-flight bound."""

    def __init__(self, message: str, retry_after_s: int, **extra: object) -> None:
        super().__init__(429, "busy", message, **extra)
        self.retry_after_s = retry_after_s


class Unimplemented(GatewayError):
    """502: the service does not implement the RPC (an older or custom build)."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(502, "service_error", f"the {service} service does not implement the call: {detail}",
                         service=service)


def channel_credentials(settings: Settings) -> grpc.ChannelCredentials | None:
    if settings.tls_ca is None:
        return None
    cert, key = settings.tls_client_cert, settings.tls_client_key
    return grpc.ssl_channel_credentials(root_certificates=settings.tls_ca.read_bytes(),
                                        private_key=key.read_bytes() if key else None,
                                        certificate_chain=cert.read_bytes() if cert else None)


def open_channel(address: str, settings: Settings) -> grpc.aio.Channel:
    credentials = channel_credentials(settings)
    if credentials is None:
        return grpc.aio.insecure_channel(address, options=CLIENT_OPTIONS)
    options = list(CLIENT_OPTIONS)
    if settings.tls_server_name:
        options.append(("grpc.ssl_target_name_override", settings.tls_server_name))
    return grpc.aio.secure_channel(address, credentials, options=options)


class ServiceClients:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._channels = {s: open_channel(settings.address(s), settings) for s in SERVICES}
        self.transmitter = rpc.TransmitterStub(self._channels["transmitter"])
        self.channel = rpc.ChannelStub(self._channels["channel"])
        self.receiver = rpc.ReceiverStub(self._channels["receiver"])
        self._availability: dict[str, tuple[float, dict[str, tuple[bool, str]]]] = {}

    async def close(self) -> None:
        for ch in self._channels.values():
            await ch.close()

    async def call(self, service: str, method: Callable[..., Awaitable[Reply]], request: object,
                   timeout: float) -> Reply:
        """One RPC within ``timeout`` seconds (the rest of the request's budget), retried on UNAVAILABLE."""
        deadline = time.monotonic() + timeout
        metadata = ((REQUEST_ID_HEADER, REQUEST_ID.get()),) if REQUEST_ID.get() else None
        attempt = 0
        while True:
            try:
                reply = await method(request, timeout=max(deadline - time.monotonic(), 0.001), metadata=metadata)
            except grpc.aio.AioRpcError as exc:
                UPSTREAM_CALLS.labels(service, exc.code().name).inc()
                attempt += 1
                pause = self._backoff(attempt)
                left = deadline - time.monotonic()
                if (exc.code() == grpc.StatusCode.UNAVAILABLE and attempt < self.settings.retry_attempts
                        and left > pause + MIN_ATTEMPT_S):
                    UPSTREAM_RETRIES.labels(service).inc()
                    await asyncio.sleep(pause)
                    continue
                raise self._to_gateway_error(service, exc) from None
            UPSTREAM_CALLS.labels(service, "OK").inc()
            return reply

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so retries of many requests spread out."""
        cap = min(self.settings.retry_max_backoff_ms, self.settings.retry_backoff_ms * 2 ** (attempt - 1))
        return random.uniform(0.5, 1.0) * cap / 1000.0

    def _to_gateway_error(self, service: str, exc: grpc.aio.AioRpcError) -> GatewayError:
        code, detail = exc.code(), exc.details() or ""
        address = self.settings.address(service)
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
            return service_unavailable(service, address, f"{code.name}: {detail}")
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return GatewayError(504, "deadline_exceeded", f"the {service} service at {address} did not answer "
                                "within the request's time budget", service=service)
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            return GatewayError(422, "invalid_request", detail, service=service)
        if code == grpc.StatusCode.FAILED_PRECONDITION:
            return GatewayError(503, "pipeline_unavailable", detail, service=service)
        if code == grpc.StatusCode.UNIMPLEMENTED:
            return Unimplemented(service, detail)
        if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
            return ServiceBusy(f"the {service} service is at capacity: {detail}", _retry_after(exc)
                               or self.settings.retry_after_s, service=service)
        return GatewayError(502, "service_error", f"the {service} service failed: {code.name}", service=service)

    async def encode(self, request: pb.EncodeRequest, timeout: float) -> pb.EncodeResponse:
        return await self.call("transmitter", self.transmitter.Encode, request, timeout)

    async def transmit(self, request: pb.TransmitRequest, timeout: float) -> pb.TransmitResponse:
        return await self.call("channel", self.channel.Transmit, request, timeout)

    async def decode(self, request: pb.DecodeRequest, timeout: float) -> pb.DecodeResponse:
        return await self.call("receiver", self.receiver.Decode, request, timeout)

    async def availability(self, service: str, timeout: float) -> dict[str, tuple[bool, str]] | None:
        """Pipeline name -> (available, reason) as the transmitter or receiver sees its own side;
        None from a service that does not report it (it still refuses what it cannot run).

        Cached for ``availability_ttl_s`` so the check costs no round trip on most requests.
        """
        now = time.monotonic()
        cached = self._availability.get(service)
        if cached is not None and now - cached[0] < self.settings.availability_ttl_s:
            return cached[1]
        stub = {"transmitter": self.transmitter, "receiver": self.receiver}[service]
        try:
            table = availability_from_pb(await self.call(service, stub.Availability, pb.AvailabilityRequest(),
                                                         timeout))
        except Unimplemented:
            table = None
        self._availability[service] = (now, table)
        return table

    async def health(self, service: str) -> str:
        """'SERVING', another health status, or 'UNREACHABLE: <detail>'."""
        stub = health_pb2_grpc.HealthStub(self._channels[service])
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""),
                                     timeout=self.settings.health_timeout_s)
        except grpc.aio.AioRpcError as exc:
            return f"UNREACHABLE: {exc.code().name}"
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


def _retry_after(exc: grpc.aio.AioRpcError) -> int | None:
    for key, value in exc.trailing_metadata() or ():
        if key == RETRY_AFTER_KEY:
            try:
                return max(1, int(value))
            except (TypeError, ValueError):
                return None
    return None
