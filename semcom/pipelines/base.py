"""What a pipeline is: an encoder / decoder pair with typed parameters.

A pipeline turns an RGB image into a :class:`~semcom.payload.Payload` at the
transmitter and a received payload back into an image at the receiver. The
services know pipelines only through the registry, so adding a pipeline is
adding a subclass and one ``register`` call.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from semcom.channel.config import ChannelConfig, LinkStats
from semcom.payload import Payload

# Which side's models a pipeline needs: the transmitter and receiver may run on different
# machines, each with only its own side's weights (a captioner here, a generator there).
Role = Literal["transmitter", "receiver", "both"]


class PipelineError(ValueError):
    """A request a pipeline cannot serve because of its parameters (the caller's mistake)."""


class PipelineUnavailable(RuntimeError):
    """The pipeline exists but cannot run here (missing weights or packages)."""


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class Decoded:
    """What a receiver makes of a payload."""

    image: np.ndarray  # (H, W, 3) uint8; a mid-grey placeholder when lost
    lost: bool = False
    reason: str = ""
    info: dict[str, Any] = field(default_factory=dict)


class Pipeline(ABC):
    name: ClassVar[str]
    summary: ClassVar[str]  # one line: what crosses the channel
    Params: ClassVar[type[BaseModel]] = NoParams

    def availability(self, role: Role = "both") -> tuple[bool, str]:
        """(available, reason if not) for the given side of the link; "both" = the whole link here."""
        return True, ""

    def require(self, role: Role) -> None:
        """Raise :class:`PipelineUnavailable` with the reason if ``role``'s side cannot run here."""
        available, reason = self.availability(role)
        if not available:
            raise PipelineUnavailable(f"pipeline {self.name!r} is unavailable at the {role}: {reason}"
                                      if role != "both" else f"pipeline {self.name!r} is unavailable: {reason}")

    def parse_params(self, params: dict[str, Any] | None) -> BaseModel:
        try:
            return self.Params.model_validate(params or {})
        except ValidationError as exc:
            raise PipelineError(f"invalid parameters for pipeline {self.name!r}: {exc}") from exc

    @abstractmethod
    def encode(self, image: np.ndarray, params: BaseModel, channel: ChannelConfig) -> Payload: ...

    @abstractmethod
    def decode(self, payload: Payload, stats: LinkStats | None) -> Decoded: ...

    def decode_batch(self, payloads: list[Payload], stats: list[LinkStats | None]) -> list[Decoded]:
        """Decode several payloads at once (the receiver batches concurrent calls).

        A loop over :meth:`decode`; generators override it with one batched pass.
        """
        return [self.decode(p, s) for p, s in zip(payloads, stats, strict=True)]

    def describe(self) -> dict[str, Any]:
        available, reason = self.availability()
        return {
            "name": self.name,
            "summary": self.summary,
            "available": available,
            "unavailable_reason": reason or None,
            "params_schema": self.Params.model_json_schema(),
        }


def placeholder(shape: tuple[int, ...]) -> np.ndarray:
    """Mid-grey image standing in for a lost reconstruction."""
    height, width = int(shape[0]), int(shape[1])
    return np.full((height, width, 3), 128, dtype=np.uint8)
