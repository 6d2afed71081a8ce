"""Gateway settings, from the environment (SEMCOM_*) or passed in by tests."""

from __future__ import annotations

import os

from pydantic import BaseModel, Field

from semcom.images import DEFAULT_MAX_PIXELS


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SEMCOM_{name}", default)


class Settings(BaseModel):
    transmitter_addr: str = Field(default_factory=lambda: _env("TRANSMITTER_ADDR", "127.0.0.1:50051"))
    channel_addr: str = Field(default_factory=lambda: _env("CHANNEL_ADDR", "127.0.0.1:50052"))
    receiver_addr: str = Field(default_factory=lambda: _env("RECEIVER_ADDR", "127.0.0.1:50053"))
    request_timeout_s: float = Field(default_factory=lambda: float(_env("REQUEST_TIMEOUT_S", "120")))
    health_timeout_s: float = Field(default_factory=lambda: float(_env("HEALTH_TIMEOUT_S", "2")))
    max_upload_bytes: int = Field(default_factory=lambda: int(float(_env("MAX_UPLOAD_MB", "50")) * 1024 * 1024))
    max_pixels: int = Field(default_factory=lambda: int(_env("MAX_PIXELS", str(DEFAULT_MAX_PIXELS))))
    default_pipeline: str = Field(default_factory=lambda: _env("DEFAULT_PIPELINE", "jpeg"))

    def address(self, service: str) -> str:
        return {"transmitter": self.transmitter_addr, "channel": self.channel_addr,
                "receiver": self.receiver_addr}[service]
