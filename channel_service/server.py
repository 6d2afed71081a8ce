"""gRPC Channel service: ``semcom-channel --port 50052``."""

from __future__ import annotations

import grpc

from semcom.backpressure import WorkPool
from semcom.channel.config import ChannelConfig, LinkStats
from semcom.channel.link import transmit_payload
from semcom.service import ServiceOptions, Stopwatch, grpc_errors, run
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import channel_config_from_pb, link_stats_to_pb, payload_from_pb, payload_to_pb


def _transmit(request: pb.TransmitRequest) -> tuple[pb.SemanticPayload, LinkStats]:
    # Conversion runs on the worker too: for large payloads it costs as much as the link.
    config: ChannelConfig = channel_config_from_pb(request.config)
    received, stats = transmit_payload(payload_from_pb(request.payload), config)
    return payload_to_pb(received), stats


class ChannelServicer(rpc.ChannelServicer):
    def __init__(self, pool: WorkPool) -> None:
        self.pool = pool

    @grpc_errors("channel")
    async def Transmit(self, request: pb.TransmitRequest, context: grpc.aio.ServicerContext) -> pb.TransmitResponse:
        clock = Stopwatch()
        received, stats = await self.pool.run(context, _transmit, request)
        stats.compute_ms = clock.ms
        return pb.TransmitResponse(payload=received, stats=link_stats_to_pb(stats))

    async def close(self) -> None:
        self.pool.shutdown()


def add_servicer(server: grpc.aio.Server, options: ServiceOptions) -> ChannelServicer:
    servicer = ChannelServicer(WorkPool("channel", options.max_inflight, options.workers))
    rpc.add_ChannelServicer_to_server(servicer, server)
    return servicer


def main(argv: list[str] | None = None) -> None:
    run("channel", pb.DESCRIPTOR.services_by_name["Channel"].full_name, add_servicer, argv)


if __name__ == "__main__":
    main()
