"""gRPC Channel service: ``semcom-channel --port 50052``."""

from __future__ import annotations

import asyncio

import grpc

from semcom.channel.link import transmit_payload
from semcom.service import Stopwatch, grpc_errors, run
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import channel_config_from_pb, link_stats_to_pb, payload_from_pb, payload_to_pb


class ChannelServicer(rpc.ChannelServicer):
    @grpc_errors("channel")
    async def Transmit(self, request: pb.TransmitRequest, context: grpc.aio.ServicerContext) -> pb.TransmitResponse:
        clock = Stopwatch()
        config = channel_config_from_pb(request.config)
        payload = payload_from_pb(request.payload)
        received, stats = await asyncio.to_thread(transmit_payload, payload, config)
        stats.compute_ms = clock.ms
        return pb.TransmitResponse(payload=payload_to_pb(received), stats=link_stats_to_pb(stats))


def main(argv: list[str] | None = None) -> None:
    run("channel", pb.DESCRIPTOR.services_by_name["Channel"].full_name,
        lambda server: rpc.add_ChannelServicer_to_server(ChannelServicer(), server), argv)


if __name__ == "__main__":
    main()
