"""The receiver's work as plain functions (no network)."""

from __future__ import annotations

from semcom import pipelines
from semcom.channel.config import LinkStats
from semcom.images import encode_png
from semcom.payload import Payload
from semcom.pipelines import Decoded


def _pipeline(name: str) -> pipelines.Pipeline:
    pipe = pipelines.get(name)
    pipe.require("receiver")
    return pipe


def has_batched_decoder(name: str) -> bool:
    """Whether the pipeline overrides ``decode_batch`` (a generator with one pass per batch).

    The default ``decode_batch`` is a loop: batching such a pipeline would only
    serialise calls that the worker threads can otherwise run side by side.
    """
    try:
        pipe = pipelines.get(name)
    except pipelines.UnknownPipeline:
        return False  # decoding it raises the caller's error
    return type(pipe).decode_batch is not pipelines.Pipeline.decode_batch


def decode_payload(payload: Payload, stats: LinkStats | None) -> Decoded:
    """Run the decoder of the pipeline named in the payload."""
    return _pipeline(payload.pipeline).decode(payload, stats)


def decode_to_png(payload: Payload, stats: LinkStats | None) -> tuple[Decoded, bytes]:
    decoded = decode_payload(payload, stats)
    return decoded, encode_png(decoded.image)


Item = tuple[Payload, LinkStats | None]


def decode_many(pipeline: str, items: list[Item]) -> list[tuple[Decoded, bytes] | Exception]:
    """Decode payloads of one pipeline with a single ``decode_batch`` call; one result or error per item.

    If the batch call fails, the items are decoded one by one so that one bad
    payload fails only its own request.
    """
    pipe = _pipeline(pipeline)
    try:
        decoded: list[Decoded | Exception] = list(pipe.decode_batch([p for p, _ in items], [s for _, s in items]))
        if len(decoded) != len(items):
            raise RuntimeError(f"{pipeline}.decode_batch returned {len(decoded)} results for {len(items)} payloads")
    except Exception:
        decoded = []
        for payload, stats in items:
            try:
                decoded.append(pipe.decode(payload, stats))
            except Exception as exc:
                decoded.append(exc)
    return [d if isinstance(d, Exception) else (d, encode_png(d.image)) for d in decoded]
