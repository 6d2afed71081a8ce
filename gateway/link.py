"""The end-to-end link as the gateway runs it: encode -> channel -> decode -> metrics.

A plain async function over :class:`~gateway.clients.ServiceClients`, so the
route stays thin and the flow reads top to bottom.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time

import numpy as np

from gateway.availability import check_availability
from gateway.clients import ServiceClients
from gateway.errors import GatewayError
from gateway.schemas import Metrics, TransmitConfig, TransmitResult
from semcom.images import decode_image, decode_png
from semcom.metrics import image_metrics, lpips_metric
from semcom.torch_thread import run_torch
from semcom.v1 import semcom_pb2 as pb
from semcom.wire.convert import channel_config_to_pb, link_stats_from_pb


async def run_link(clients: ServiceClients, image_bytes: bytes, config: TransmitConfig, pipeline: str,
                   timeout_s: float, max_pixels: int) -> TransmitResult:
    """Send the uploaded image through the three services and score the reconstruction.

    The gateway decodes its own copy of the upload (for the metrics) while the
    transmitter encodes; a corrupt upload is reported as such (ImageError) even
    if the transmitter complained first.
    """
    deadline = time.perf_counter() + timeout_s
    timings: dict[str, float] = {}

    def remaining() -> float:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise GatewayError(504, "deadline_exceeded", f"the link did not finish within {timeout_s:g} s")
        return left

    t = time.perf_counter()
    await check_availability(clients, pipeline, remaining())  # both sides, before any work is done
    timings["availability"] = _ms(t)

    t = time.perf_counter()
    decoding = asyncio.create_task(asyncio.to_thread(decode_image, image_bytes, max_pixels))
    try:
        encoded = await clients.encode(
            pb.EncodeRequest(pipeline=pipeline, image=image_bytes, params_json=json.dumps(config.params),
                             channel=channel_config_to_pb(config.channel)),
            remaining(),
        )
    except GatewayError:
        await decoding  # raises ImageError if the upload itself is broken
        raise
    finally:
        timings["encode"] = _ms(t)
    image = await decoding
    timings["encode_compute"] = encoded.compute_ms

    t = time.perf_counter()
    sent = await clients.transmit(
        pb.TransmitRequest(payload=encoded.payload, config=channel_config_to_pb(config.channel)), remaining()
    )
    timings["channel"] = _ms(t)
    timings["channel_compute"] = sent.stats.compute_ms

    t = time.perf_counter()
    decoded = await clients.decode(pb.DecodeRequest(payload=sent.payload, stats=sent.stats), remaining())
    timings["decode"] = _ms(t)
    timings["decode_compute"] = decoded.compute_ms

    t = time.perf_counter()
    reconstruction, metrics = await asyncio.to_thread(_pixel_metrics, decoded.image_png, image)
    metrics.update(await run_torch(lpips_metric, image, reconstruction))  # torch: see semcom.torch_thread
    timings["metrics"] = _ms(t)

    header = json.loads(sent.payload.header_json) if sent.payload.header_json else {}
    return TransmitResult(
        pipeline=pipeline,
        image_png_base64=base64.b64encode(decoded.image_png).decode("ascii"),
        width=reconstruction.shape[1],
        height=reconstruction.shape[0],
        lost=decoded.lost,
        reason=decoded.reason,
        info=json.loads(decoded.info_json) if decoded.info_json else {},
        header=header,
        metrics=Metrics(**metrics),
        stats=link_stats_from_pb(sent.stats),
        timings_ms=timings,
    )


def _pixel_metrics(png: bytes, reference: np.ndarray) -> tuple[np.ndarray, dict[str, float | str | None]]:
    """The reconstruction at the reference's size, and its PSNR, SSIM and MS-SSIM: one thread hop for all three steps.

    A pipeline may change the size; the reconstruction is then resized to compare like with like.
    """
    from PIL import Image

    reconstruction = decode_png(png)
    if reconstruction.shape != reference.shape:
        height, width = reference.shape[:2]
        reconstruction = np.asarray(Image.fromarray(reconstruction).resize((width, height), Image.BICUBIC))
    return reconstruction, image_metrics(reference, reconstruction, perceptual=False)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0

