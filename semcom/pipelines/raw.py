"""``raw``: the pixels themselves, uint8, sent digitally. The reference link."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from semcom.channel.config import ChannelConfig, LinkStats
from semcom.payload import Payload, Segment
from semcom.pipelines.base import Decoded, Pipeline


class RawPipeline(Pipeline):
    name = "raw"
    summary = "uncompressed RGB pixels (uint8 tensor), digital"

    def encode(self, image: np.ndarray, params: BaseModel, channel: ChannelConfig) -> Payload:
        return Payload(self.name, [Segment("pixels", image)], tuple(image.shape))

    def decode(self, payload: Payload, stats: LinkStats | None) -> Decoded:
        pixels = payload.segment("pixels").content
        assert isinstance(pixels, np.ndarray)
        return Decoded(pixels.astype(np.uint8))
