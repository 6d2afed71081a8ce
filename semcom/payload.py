"""Plain Python form of a SemanticPayload, independent of the wire format.

Pipelines and the channel maths work on these; ``semcom.wire.convert`` turns them
into protobuf messages and back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

Transport = Literal["digital", "analog"]
NumberFormat = Literal["native", "float64", "float32", "float16", "uniform"]


@dataclass(frozen=True)
class Quantization:
    bits: int
    clip_min: float
    clip_max: float

    def __post_init__(self) -> None:
        if not 1 <= self.bits <= 16:
            raise ValueError("quantisation bits must be in 1..16")
        if not self.clip_max > self.clip_min:
            raise ValueError("quantisation needs clip_max > clip_min")


@dataclass(frozen=True)
class Segment:
    """One named piece of a payload: text, a tensor or raw bytes."""

    name: str
    content: str | np.ndarray | bytes
    transport: Transport = "digital"
    number_format: NumberFormat = "native"
    quantization: Quantization | None = None

    @property
    def kind(self) -> Literal["text", "tensor", "bytes"]:
        if isinstance(self.content, str):
            return "text"
        if isinstance(self.content, np.ndarray):
            return "tensor"
        return "bytes"

    def with_content(self, content: str | np.ndarray | bytes) -> Segment:
        return replace(self, content=content)


@dataclass(frozen=True)
class Payload:
    pipeline: str
    segments: list[Segment]
    source_shape: tuple[int, ...] = ()  # (height, width, channels)
    header: dict[str, Any] = field(default_factory=dict)

    def segment(self, name: str) -> Segment:
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise KeyError(f"payload of {self.pipeline!r} has no segment {name!r}")

    @property
    def header_json(self) -> str:
        return json.dumps(self.header, sort_keys=True)
