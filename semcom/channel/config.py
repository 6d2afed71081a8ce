"""Channel configuration and link statistics: the channel service's boundary types."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from semcom.channel.constellation import MODULATION_BITS

SNR_MIN_DB = -30.0
SNR_MAX_DB = 60.0

ChannelModelName = Literal["awgn", "rayleigh_fast", "rayleigh_block", "rician", "fixed_gain", "bsc_qam16_theory"]
# Img2Img-SC's channel: no constellation is simulated; every coded bit flips independently with the
# closed-form 16-QAM AWGN bit error rate at the configured SNR (semcom.channel.theory.ber_awgn).
PAPER_BSC_MODEL = "bsc_qam16_theory"
ModulationName = Literal["bpsk", "qpsk", "qam16", "qam64", "qam256"]


class ChannelConfig(BaseModel):
    """How the channel corrupts what is sent. Every random draw comes from ``seed``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: ChannelModelName = Field(
        "awgn",
        description="channel model; bsc_qam16_theory reproduces Img2Img-SC: each bit flips independently with the "
                    "theoretical 16-QAM AWGN BER at the SNR (no constellation simulated; digital segments only)",
    )
    snr_db: float = Field(
        10.0,
        allow_inf_nan=True,
        description=f"SNR in dB, in [{SNR_MIN_DB:g}, {SNR_MAX_DB:g}] (the channel service also takes +inf: no noise)",
    )
    snr_type: Literal["es_n0", "eb_n0"] = Field(
        "es_n0", description="es_n0: per complex symbol; eb_n0: per information bit"
    )
    modulation: ModulationName = "qam16"
    fec: Literal["none", "rs"] = "rs"
    rs_n: int = Field(255, ge=2, le=255)
    rs_k: int = Field(223, ge=1, le=254)
    interleaver_depth: int = Field(0, ge=0, le=4096, description="codewords per block interleaver; 0/1 = off")
    coherence_symbols: int = Field(128, ge=1, le=10**9, description="symbols per gain (rayleigh_block, rician)")
    rician_k: float = Field(3.0, ge=0.0, le=1e6, description="Rician K factor, linear")
    gain: float = Field(0.9, gt=0.0, le=10.0, description="fixed_gain channel gain h")
    csi: Literal["perfect", "none"] = "perfect"
    seed: int = Field(0, ge=0, le=2**63 - 1)

    @field_validator("snr_db")
    @classmethod
    def _snr_in_range(cls, v: float) -> float:
        if math.isnan(v) or (math.isinf(v) and v < 0):
            raise ValueError("snr_db must be a number or +inf")
        if not math.isinf(v) and not SNR_MIN_DB <= v <= SNR_MAX_DB:
            raise ValueError(f"snr_db must lie in [{SNR_MIN_DB:g}, {SNR_MAX_DB:g}] dB")
        return v

    @model_validator(mode="after")
    def _code_fits(self) -> ChannelConfig:
        if self.fec == "rs" and not self.rs_k < self.rs_n:
            raise ValueError(f"RS(n={self.rs_n}, k={self.rs_k}) needs k < n")
        if self.model == PAPER_BSC_MODEL and self.modulation != "qam16":
            raise ValueError(f"the {PAPER_BSC_MODEL} channel flips bits at the 16-QAM bit error rate: "
                             "set modulation to qam16")
        return self

    @property
    def bits_per_symbol(self) -> int:
        return MODULATION_BITS[self.modulation]

    @property
    def code_rate(self) -> float:
        return self.rs_k / self.rs_n if self.fec == "rs" else 1.0


class SegmentStats(BaseModel):
    name: str
    transport: Literal["digital", "analog"]
    channel_uses: int = 0
    payload_bits: int = 0
    coded_bits: int = 0
    pre_fec_bit_errors: int = 0
    post_fec_bit_errors: int = 0
    codewords: int = 0
    failed_codewords: int = 0
    analog_mse: float = 0.0


class LinkStats(BaseModel):
    segments: list[SegmentStats] = []
    channel_uses: int = 0
    source_dims: int = 0
    bandwidth_ratio: float = 0.0
    bits_sent: int = 0
    pre_fec_bit_errors: int = 0
    post_fec_bit_errors: int = 0
    failed_codewords: int = 0
    es_n0_db: float = 0.0
    eb_n0_db: float = 0.0
    compute_ms: float = 0.0
