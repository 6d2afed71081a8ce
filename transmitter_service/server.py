"""gRPC Transmitter service: ``semcom-transmitter --port 50051``."""

from __future__ import annotations

import asyncio
import json

import grpc

from semcom.service import Stopwatch, grpc_errors, run
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import WireError, channel_config_from_pb, payload_to_pb
from transmitter_service.encode import encode_image


class TransmitterServicer(rpc.TransmitterServicer):
    @grpc_errors("transmitter")
    async def Encode(self, request: pb.EncodeRequest, context: grpc.aio.ServicerContext) -> pb.EncodeResponse:
        clock = Stopwatch()
        try:
            params = json.loads(request.params_json) if request.params_json else {}
        except json.JSONDecodeError as exc:
            raise WireError(f"params_json is not JSON: {exc}") from exc
        channel = channel_config_from_pb(request.channel)
        payload = await asyncio.to_thread(encode_image, request.pipeline, request.image, params, channel)
        return pb.EncodeResponse(payload=payload_to_pb(payload), compute_ms=clock.ms)


def main(argv: list[str] | None = None) -> None:
    run("transmitter", pb.DESCRIPTOR.services_by_name["Transmitter"].full_name,
        lambda server: rpc.add_TransmitterServicer_to_server(TransmitterServicer(), server), argv)


if __name__ == "__main__":
    main()
