"""Gateway settings, from the environment (SEMCOM_*) or passed in by tests."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field

from semcom.images import DEFAULT_MAX_PIXELS


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SEMCOM_{name}", default) or default


def _path(name: str) -> Path | None:
    value = os.environ.get(f"SEMCOM_{name}")
    return Path(value) if value else None


def _keys() -> frozenset[str]:
    return frozenset(k.strip() for k in os.environ.get("SEMCOM_API_KEYS", "").split(",") if k.strip())


class Settings(BaseModel):
    transmitter_addr: str = Field(default_factory=lambda: _env("TRANSMITTER_ADDR", "127.0.0.1:50051"))
    channel_addr: str = Field(default_factory=lambda: _env("CHANNEL_ADDR", "127.0.0.1:50052"))
    receiver_addr: str = Field(default_factory=lambda: _env("RECEIVER_ADDR", "127.0.0.1:50053"))
    request_timeout_s: float = Field(default_factory=lambda: float(_env("REQUEST_TIMEOUT_S", "120")))
    health_timeout_s: float = Field(default_factory=lambda: float(_env("HEALTH_TIMEOUT_S", "2")))
    # How long the gateway trusts the services' word on which pipelines their models can run.
    availability_ttl_s: float = Field(default_factory=lambda: float(_env("AVAILABILITY_TTL_S", "10")), ge=0)
    availability_timeout_s: float = Field(default_factory=lambda: float(_env("AVAILABILITY_TIMEOUT_S", "10")), gt=0,
                                          description="how long GET /v1/pipelines waits for the services")
    max_upload_bytes: int = Field(default_factory=lambda: int(float(_env("MAX_UPLOAD_MB", "50")) * 1024 * 1024))
    max_pixels: int = Field(default_factory=lambda: int(_env("MAX_PIXELS", str(DEFAULT_MAX_PIXELS))))
    default_pipeline: str = Field(default_factory=lambda: _env("DEFAULT_PIPELINE", "swin-jscc"))

    # Backpressure: transmit requests served at once; more get 429 with Retry-After.
    max_inflight: int = Field(default_factory=lambda: int(_env("GATEWAY_MAX_INFLIGHT", "64")), ge=1)
    retry_after_s: int = Field(default_factory=lambda: int(_env("RETRY_AFTER_S", "1")), ge=1,
                               description="Retry-After when a service gave no hint")
    # Retries of the (idempotent, seeded) RPCs on UNAVAILABLE, within the request's deadline.
    retry_attempts: int = Field(default_factory=lambda: int(_env("RETRY_ATTEMPTS", "3")), ge=1)
    retry_backoff_ms: float = Field(default_factory=lambda: float(_env("RETRY_BACKOFF_MS", "50")), ge=0)
    retry_max_backoff_ms: float = Field(default_factory=lambda: float(_env("RETRY_MAX_BACKOFF_MS", "1000")), ge=0)

    # API keys (comma-separated in SEMCOM_API_KEYS): empty = no authentication (local use).
    api_keys: frozenset[str] = Field(default_factory=_keys)

    # TLS to the services: the CA that signed their certificates turns it on; a client
    # certificate and key for mutual TLS; a name to verify when it differs from the host.
    tls_ca: Path | None = Field(default_factory=lambda: _path("TLS_CA"))
    tls_client_cert: Path | None = Field(default_factory=lambda: _path("TLS_CLIENT_CERT"))
    tls_client_key: Path | None = Field(default_factory=lambda: _path("TLS_CLIENT_KEY"))
    tls_server_name: str | None = Field(default_factory=lambda: os.environ.get("SEMCOM_TLS_SERVER_NAME") or None)

    def address(self, service: str) -> str:
        return {"transmitter": self.transmitter_addr, "channel": self.channel_addr,
                "receiver": self.receiver_addr}[service]
