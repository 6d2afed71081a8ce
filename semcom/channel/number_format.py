"""Digital segments <-> bytes in a stated number format.

- text: UTF-8 (undecodable bytes after errors become U+FFFD);
- bytes: as they are;
- tensors: little-endian in the tensor's own dtype (``native``), converted to
  float64 / float32 / float16, or ``uniform``: values clipped to
  [clip_min, clip_max] and quantised to b-bit integers, packed MSB first.

The receiver knows each segment's dtype, shape and format (side information, as
in a packet header), so only the values cross the channel.
"""

from __future__ import annotations

import numpy as np

from semcom.payload import Segment

FLOAT_FORMATS = {"float64": "<f8", "float32": "<f4", "float16": "<f2"}


def wire_dtype(segment: Segment) -> np.dtype:
    """The dtype the values of a tensor segment have on the wire."""
    assert isinstance(segment.content, np.ndarray)
    if segment.number_format == "native":
        return segment.content.dtype.newbyteorder("<")
    return np.dtype(FLOAT_FORMATS[segment.number_format])


def to_bytes(segment: Segment) -> np.ndarray:
    """Serialise a digital segment to a uint8 array."""
    content = segment.content
    if isinstance(content, str):
        return np.frombuffer(content.encode("utf-8"), np.uint8).copy()
    if isinstance(content, bytes):
        return np.frombuffer(content, np.uint8).copy()
    if segment.number_format == "uniform":
        return _quantise(content, segment)
    return np.frombuffer(np.ascontiguousarray(content, wire_dtype(segment)).tobytes(), np.uint8).copy()


def from_bytes(data: np.ndarray, segment: Segment) -> str | bytes | np.ndarray:
    """Rebuild the content of ``segment`` (the one sent) from received bytes."""
    content = segment.content
    raw = np.asarray(data, np.uint8).tobytes()
    if isinstance(content, str):
        return raw.decode("utf-8", errors="replace")
    if isinstance(content, bytes):
        return raw
    if segment.number_format == "uniform":
        return _dequantise(data, segment)
    values = np.frombuffer(raw, wire_dtype(segment)).reshape(content.shape)
    return values.astype(content.dtype)


def _quantise(x: np.ndarray, segment: Segment) -> np.ndarray:
    q = segment.quantization
    if q is None:
        raise ValueError(f"segment {segment.name!r}: uniform format needs a quantization")
    levels = (1 << q.bits) - 1
    clipped = np.clip(np.asarray(x, np.float64), q.clip_min, q.clip_max)
    codes = np.rint((clipped - q.clip_min) / (q.clip_max - q.clip_min) * levels).astype(np.uint32)
    bits = ((codes.ravel()[:, None] >> np.arange(q.bits - 1, -1, -1, dtype=np.uint32)) & 1).astype(np.uint8)
    return np.packbits(bits.ravel())


def _dequantise(data: np.ndarray, segment: Segment) -> np.ndarray:
    q = segment.quantization
    assert q is not None and isinstance(segment.content, np.ndarray)
    count = segment.content.size
    bits = np.unpackbits(np.asarray(data, np.uint8))[: count * q.bits].reshape(count, q.bits)
    weights = (1 << np.arange(q.bits - 1, -1, -1)).astype(np.uint32)
    codes = bits.astype(np.uint32) @ weights
    levels = (1 << q.bits) - 1
    values = q.clip_min + codes / levels * (q.clip_max - q.clip_min)
    return values.reshape(segment.content.shape).astype(segment.content.dtype)
