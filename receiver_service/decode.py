"""The receiver's work as a plain function (no network)."""

from __future__ import annotations

from semcom import pipelines
from semcom.channel.config import LinkStats
from semcom.payload import Payload
from semcom.pipelines import Decoded


def decode_payload(payload: Payload, stats: LinkStats | None) -> Decoded:
    """Run the decoder of the pipeline named in the payload."""
    pipe = pipelines.get(payload.pipeline)
    available, reason = pipe.availability()
    if not available:
        raise pipelines.PipelineUnavailable(f"pipeline {payload.pipeline!r} is unavailable: {reason}")
    return pipe.decode(payload, stats)
