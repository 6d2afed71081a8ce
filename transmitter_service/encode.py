"""The transmitter's work as a plain function (no network)."""

from __future__ import annotations

from typing import Any

from semcom import pipelines
from semcom.channel.config import ChannelConfig
from semcom.images import decode_image
from semcom.payload import Payload


def encode_image(pipeline: str, image_bytes: bytes, params: dict[str, Any] | None, channel: ChannelConfig) -> Payload:
    """Decode the uploaded image and run the named pipeline's encoder on it."""
    pipe = pipelines.get(pipeline)
    pipe.require("transmitter")
    parsed = pipe.parse_params(params)
    return pipe.encode(decode_image(image_bytes), parsed, channel)
