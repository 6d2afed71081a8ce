"""gRPC Receiver service: ``semcom-receiver --port 50053``."""

from __future__ import annotations

import asyncio
import json

import grpc

from receiver_service.decode import decode_payload
from semcom.images import encode_png
from semcom.service import Stopwatch, grpc_errors, run
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import link_stats_from_pb, payload_from_pb


class ReceiverServicer(rpc.ReceiverServicer):
    @grpc_errors("receiver")
    async def Decode(self, request: pb.DecodeRequest, context: grpc.aio.ServicerContext) -> pb.DecodeResponse:
        clock = Stopwatch()
        payload = payload_from_pb(request.payload)
        stats = link_stats_from_pb(request.stats) if request.HasField("stats") else None
        decoded = await asyncio.to_thread(decode_payload, payload, stats)
        png = await asyncio.to_thread(encode_png, decoded.image)
        return pb.DecodeResponse(image_png=png, lost=decoded.lost, reason=decoded.reason,
                                 info_json=json.dumps(decoded.info), compute_ms=clock.ms)


def main(argv: list[str] | None = None) -> None:
    run("receiver", pb.DESCRIPTOR.services_by_name["Receiver"].full_name,
        lambda server: rpc.add_ReceiverServicer_to_server(ReceiverServicer(), server), argv)


if __name__ == "__main__":
    main()
