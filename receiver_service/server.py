"""gRPC Receiver service: ``semcom-receiver --port 50053``.

Concurrent Decode calls for the same pipeline are decoded together with the
pipeline's ``decode_batch`` (``--batch-max-size``, ``--batch-max-wait-ms``) when
the pipeline has a batched decoder (it overrides ``decode_batch``); the others,
and everything with ``--batch-max-size 1``, are decoded one call per worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

import grpc

from receiver_service.decode import decode_many, decode_to_png, has_batched_decoder
from semcom import pipelines
from semcom.backpressure import WorkPool
from semcom.batching import Batcher
from semcom.service import ServiceOptions, Stopwatch, grpc_errors, run, warm_availability
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import availability_to_pb, link_stats_from_pb, payload_from_pb


class ReceiverServicer(rpc.ReceiverServicer):
    def __init__(self, pool: WorkPool, batcher: Batcher | None) -> None:
        self.pool, self.batcher = pool, batcher

    @grpc_errors("receiver")
    async def Decode(self, request: pb.DecodeRequest, context: grpc.aio.ServicerContext) -> pb.DecodeResponse:
        clock = Stopwatch()
        payload = payload_from_pb(request.payload)
        stats = link_stats_from_pb(request.stats) if request.HasField("stats") else None
        if self.batcher is not None and has_batched_decoder(payload.pipeline):
            decoded, png = await self.batcher.submit(context, payload.pipeline, (payload, stats))
        else:
            decoded, png = await self.pool.run(context, decode_to_png, payload, stats)
        return pb.DecodeResponse(image_png=png, lost=decoded.lost, reason=decoded.reason,
                                 info_json=json.dumps(decoded.info), compute_ms=clock.ms)

    @grpc_errors("receiver")
    async def Availability(self, request: pb.AvailabilityRequest,
                           context: grpc.aio.ServicerContext) -> pb.AvailabilityResponse:
        return availability_to_pb(await asyncio.to_thread(pipelines.availability_table, "receiver"))

    async def close(self) -> None:
        if self.batcher is not None:
            await self.batcher.close()
        self.pool.shutdown()


def configure(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--batch-max-size", type=int, default=env("SEMCOM_BATCH_MAX_SIZE", "8"),
                        help="decode up to this many concurrent calls of one pipeline together; 1 = no batching "
                             "(env SEMCOM_BATCH_MAX_SIZE)")
    parser.add_argument("--batch-max-wait-ms", type=float, default=env("SEMCOM_BATCH_MAX_WAIT_MS", "2"),
                        help="how long a call waits for others to join its batch (env SEMCOM_BATCH_MAX_WAIT_MS)")
    parser.add_argument("--batch-concurrency", type=int, default=env("SEMCOM_BATCH_CONCURRENCY", "1"),
                        help="batches of one pipeline running at once (env SEMCOM_BATCH_CONCURRENCY)")


def add_servicer(server: grpc.aio.Server, options: ServiceOptions) -> ReceiverServicer:
    pool = WorkPool("receiver", options.max_inflight, options.workers)
    size = options.extra["batch_max_size"]
    batcher = None if size <= 1 else Batcher(pool, decode_many, size, options.extra["batch_max_wait_ms"],
                                             options.extra["batch_concurrency"])
    servicer = ReceiverServicer(pool, batcher)
    rpc.add_ReceiverServicer_to_server(servicer, server)
    warm_availability("receiver")
    return servicer


def main(argv: list[str] | None = None) -> None:
    run("receiver", pb.DESCRIPTOR.services_by_name["Receiver"].full_name, add_servicer, argv, configure)


if __name__ == "__main__":
    main()
