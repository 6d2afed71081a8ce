"""gRPC clients of the three services, with errors mapped to gateway errors.

UNAVAILABLE and DEADLINE_EXCEEDED mean the service is down or too slow: 503
naming it. INVALID_ARGUMENT is the caller's mistake found downstream: 422.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.errors import GatewayError, service_unavailable
from gateway.settings import Settings
from semcom.service import GRPC_OPTIONS
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc

SERVICES = ("transmitter", "channel", "receiver")
Reply = TypeVar("Reply")


class ServiceClients:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._channels = {s: grpc.aio.insecure_channel(settings.address(s), options=GRPC_OPTIONS) for s in SERVICES}
        self.transmitter = rpc.TransmitterStub(self._channels["transmitter"])
        self.channel = rpc.ChannelStub(self._channels["channel"])
        self.receiver = rpc.ReceiverStub(self._channels["receiver"])

    async def close(self) -> None:
        for ch in self._channels.values():
            await ch.close()

    async def call(self, service: str, method: Callable[..., Awaitable[Reply]], request: object,
                   timeout: float) -> Reply:
        try:
            return await method(request, timeout=max(timeout, 0.001))
        except grpc.aio.AioRpcError as exc:
            raise _to_gateway_error(service, self.settings.address(service), exc) from None

    async def encode(self, request: pb.EncodeRequest, timeout: float) -> pb.EncodeResponse:
        return await self.call("transmitter", self.transmitter.Encode, request, timeout)

    async def transmit(self, request: pb.TransmitRequest, timeout: float) -> pb.TransmitResponse:
        return await self.call("channel", self.channel.Transmit, request, timeout)

    async def decode(self, request: pb.DecodeRequest, timeout: float) -> pb.DecodeResponse:
        return await self.call("receiver", self.receiver.Decode, request, timeout)

    async def health(self, service: str) -> str:
        """'SERVING', another health status, or 'UNREACHABLE: <detail>'."""
        stub = health_pb2_grpc.HealthStub(self._channels[service])
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""),
                                     timeout=self.settings.health_timeout_s)
        except grpc.aio.AioRpcError as exc:
            return f"UNREACHABLE: {exc.code().name}"
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


def _to_gateway_error(service: str, address: str, exc: grpc.aio.AioRpcError) -> GatewayError:
    code, detail = exc.code(), exc.details() or ""
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
        return service_unavailable(service, address, f"{code.name}: {detail}")
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return GatewayError(422, "invalid_request", detail, service=service)
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return GatewayError(503, "pipeline_unavailable", detail, service=service)
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return GatewayError(429, "busy", f"the {service} service is at capacity: {detail}", service=service)
    return GatewayError(502, "service_error", f"the {service} service failed: {code.name}: {detail}",
                        service=service)
