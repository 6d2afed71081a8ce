"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from semcom.channel.config import ChannelConfig, LinkStats


class TransmitConfig(BaseModel):
    """The JSON `config` form field of POST /v1/transmit."""

    model_config = ConfigDict(extra="forbid")

    pipeline: str | None = Field(None, description="pipeline name (GET /v1/pipelines); default: the gateway's")
    params: dict[str, Any] = Field(default_factory=dict, description="pipeline parameters")
    channel: ChannelConfig = Field(default_factory=ChannelConfig)


class Metrics(BaseModel):
    psnr_db: float | None = Field(description="PSNR against the input; null when identical (infinite)")
    ssim: float
    ms_ssim: float | None = Field(None, description="MS-SSIM (5 scales); null for images under 161 px")
    ms_ssim_unavailable: str | None = None
    lpips: float | None = Field(None, description="LPIPS v0.1 (AlexNet); null when its weights are not installed")
    lpips_unavailable: str | None = Field(None, description="why LPIPS is null, and the command that fixes it")


class TransmitResult(BaseModel):
    pipeline: str
    image_png_base64: str
    width: int
    height: int
    lost: bool = Field(description="nothing usable arrived; the image is a mid-grey placeholder")
    reason: str = ""
    info: dict[str, Any] = {}
    header: dict[str, Any] = Field({}, description="side information the transmitter sent")
    metrics: Metrics
    stats: LinkStats
    timings_ms: dict[str, float] = Field(description="wall time per stage (gateway view) and service compute times")


class PipelineInfo(BaseModel):
    name: str
    summary: str
    available: bool
    unavailable_reason: str | None
    params_schema: dict[str, Any]


class ErrorDetail(BaseModel):
    code: str
    message: str
    service: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
