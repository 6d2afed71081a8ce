"""gRPC Transmitter service: ``semcom-transmitter --port 50051``."""

from __future__ import annotations

import asyncio
import json

import grpc

from semcom import pipelines
from semcom.backpressure import WorkPool
from semcom.service import ServiceOptions, Stopwatch, grpc_errors, run, warm_availability
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import WireError, availability_to_pb, channel_config_from_pb, payload_to_pb
from transmitter_service.encode import encode_image


class TransmitterServicer(rpc.TransmitterServicer):
    def __init__(self, pool: WorkPool) -> None:
        self.pool = pool

    @grpc_errors("transmitter")
    async def Encode(self, request: pb.EncodeRequest, context: grpc.aio.ServicerContext) -> pb.EncodeResponse:
        clock = Stopwatch()
        try:
            params = json.loads(request.params_json) if request.params_json else {}
        except json.JSONDecodeError as exc:
            raise WireError(f"params_json is not JSON: {exc}") from exc
        channel = channel_config_from_pb(request.channel)
        payload = await self.pool.run(context, encode_image, request.pipeline, request.image, params, channel)
        return pb.EncodeResponse(payload=payload_to_pb(payload), compute_ms=clock.ms)

    @grpc_errors("transmitter")
    async def Availability(self, request: pb.AvailabilityRequest,
                           context: grpc.aio.ServicerContext) -> pb.AvailabilityResponse:
        return availability_to_pb(await asyncio.to_thread(pipelines.availability_table, "transmitter"))

    async def close(self) -> None:
        self.pool.shutdown()


def add_servicer(server: grpc.aio.Server, options: ServiceOptions) -> TransmitterServicer:
    servicer = TransmitterServicer(WorkPool("transmitter", options.max_inflight, options.workers))
    rpc.add_TransmitterServicer_to_server(servicer, server)
    warm_availability("transmitter")
    return servicer


def main(argv: list[str] | None = None) -> None:
    run("transmitter", pb.DESCRIPTOR.services_by_name["Transmitter"].full_name, add_servicer, argv)


if __name__ == "__main__":
    main()
