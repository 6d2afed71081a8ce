"""``jpeg``: the classical separation baseline, JPEG sent digitally.

The quality is either given, or the highest that fits a channel-use budget
after the configured RS code and modulation. With too many bit errors the JPEG
stream breaks: the receiver returns what Pillow can still decode, or a "lost"
result with the reason (the cliff effect).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFile
from pydantic import BaseModel, ConfigDict, Field

from semcom.channel.config import ChannelConfig, LinkStats
from semcom.channel.link import channel_uses_digital
from semcom.payload import Payload, Segment
from semcom.pipelines.base import Decoded, Pipeline, PipelineError, placeholder


class JpegParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quality: int = Field(75, ge=1, le=95, description="JPEG quality when no budget is given")
    channel_uses: int | None = Field(
        None, ge=1, description="budget in complex channel uses: the highest quality that fits is chosen"
    )


def jpeg_bytes(image: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def best_quality_for_budget(image: np.ndarray, budget: int, channel: ChannelConfig) -> tuple[int, bytes]:
    """Highest quality in 1..95 whose channel uses fit ``budget`` (bisection; size grows with quality)."""
    def fits(q: int) -> bytes | None:
        data = jpeg_bytes(image, q)
        return data if channel_uses_digital(len(data), channel) <= budget else None

    lowest = fits(1)
    if lowest is None:
        need = channel_uses_digital(len(jpeg_bytes(image, 1)), channel)
        raise PipelineError(f"a budget of {budget} channel uses is too small: JPEG quality 1 needs {need}")
    lo, hi, best = 1, 95, lowest
    while lo < hi:
        mid = (lo + hi + 1) // 2
        data = fits(mid)
        if data is None:
            hi = mid - 1
        else:
            lo, best = mid, data
    return lo, best


class JpegPipeline(Pipeline):
    name = "jpeg"
    summary = "JPEG bytes, digital (RS + QAM): the classical separation baseline"
    Params = JpegParams

    def encode(self, image: np.ndarray, params: BaseModel, channel: ChannelConfig) -> Payload:
        assert isinstance(params, JpegParams)
        if params.channel_uses is not None:
            quality, data = best_quality_for_budget(image, params.channel_uses, channel)
        else:
            quality, data = params.quality, jpeg_bytes(image, params.quality)
        header = {"quality": quality, "jpeg_bytes": len(data)}
        return Payload(self.name, [Segment("jpeg", data)], tuple(image.shape), header)

    def decode(self, payload: Payload, stats: LinkStats | None) -> Decoded:
        data = payload.segment("jpeg").content
        assert isinstance(data, bytes)
        failed = stats.failed_codewords if stats is not None else 0
        info = {"quality": payload.header.get("quality"), "failed_codewords": failed}
        shape = payload.source_shape
        try:
            image = _decode_tolerant(data)
        except Exception as exc:  # any Pillow failure means the stream is unusable
            reason = f"JPEG stream undecodable ({failed} failed RS codewords): {type(exc).__name__}: {exc}"
            return Decoded(placeholder(shape), lost=True, reason=reason, info=info)
        if image.shape[:2] != tuple(shape[:2]):
            reason = f"JPEG header corrupted: decoded {image.shape[1]}x{image.shape[0]}, sent {shape[1]}x{shape[0]}"
            return Decoded(placeholder(shape), lost=True, reason=reason, info=info)
        if failed:
            info["note"] = f"decoded despite {failed} failed RS codewords; parts of the image may be corrupted"
        return Decoded(image, info=info)


def _decode_tolerant(data: bytes) -> np.ndarray:
    """Decode as much of a possibly damaged JPEG as Pillow can."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # keep the decodable part of a broken stream
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
