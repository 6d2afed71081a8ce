"""Adaptive mode: text only or text + latent, and the number format, from the SNR and a channel-use budget."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semcom.channel.config import ChannelConfig
from semcom.channel.link import paper_bit_error_rate, transmit_payload
from semcom.payload import Payload, Segment
from semcom.pipelines.latent_adaptive import decide, predicted_mse, residual_ber

LATENT = {"latent_values": 4 * 64 * 64, "var": 1.0, "lo": -4.0, "hi": 4.0}


def choose(channel: ChannelConfig, budget: int | None = None, target_db: float = 40.0):
    return decide(channel, 30, LATENT["latent_values"], LATENT["var"], LATENT["lo"], LATENT["hi"], budget, target_db)


def test_clean_channel_sends_the_cheapest_format_meeting_the_target() -> None:
    decision = choose(ChannelConfig(snr_db=30))
    assert decision.choice == "uniform8" and decision.residual_ber == 0.0
    assert "target latent SNR of 40 dB" in decision.reason
    assert choose(ChannelConfig(snr_db=30), target_db=200).choice == "float64"  # only float64 is that exact


def test_tight_budget_sends_text_only() -> None:
    decision = choose(ChannelConfig(snr_db=30), budget=2000)
    assert decision.choice == "text" and not decision.send_latent
    assert "no latent format fits the budget" in decision.reason and "budget 2000" in decision.reason
    fits = choose(ChannelConfig(snr_db=30), budget=20_000)
    assert fits.choice in {"uniform6", "uniform4"}  # the budget rules out 8 bits: the best that fits


def test_hopeless_snr_sends_text_only() -> None:
    decision = choose(ChannelConfig(snr_db=4, fec="none"))
    assert decision.choice == "text" and "more error than signal" in decision.reason


def test_every_candidate_is_reported() -> None:
    header = choose(ChannelConfig(snr_db=14)).as_header()
    assert [c["choice"] for c in header["candidates"]] == ["text", "float64", "float32", "float16", "uniform8",
                                                           "uniform6", "uniform4"]
    uses = [c["channel_uses"] for c in header["candidates"]]
    assert uses[0] < uses[6] < uses[5] < uses[4] < uses[3] < uses[2] < uses[1]


def test_float_formats_are_fragile_and_uniform_is_not() -> None:
    p = 1e-3
    assert predicted_mse("float64", p, 1.0, -4, 4) > predicted_mse("float16", p, 1.0, -4, 4)
    assert predicted_mse("uniform8", 0.0, 1.0, -4, 4) == pytest.approx((8 / 255) ** 2 / 12)


@pytest.mark.parametrize("snr_db", [13.0, 14.0, 15.0])
def test_residual_ber_prediction_matches_the_link(snr_db: float) -> None:
    """RS(255,223) over 16-QAM on AWGN: the predicted post-FEC BER against a simulation (within a factor 2)."""
    config = ChannelConfig(snr_db=snr_db, modulation="qam16")
    data = np.random.default_rng(0).integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    _, stats = transmit_payload(Payload("t", [Segment("x", data)]), config)
    measured = stats.post_fec_bit_errors / (8 * len(data))
    assert measured / 2 < residual_ber(config) < measured * 2


def test_paper_channel_uses_its_own_flip_rate() -> None:
    config = ChannelConfig(model="bsc_qam16_theory", snr_db=6, snr_type="eb_n0", fec="none")
    assert residual_ber(config) == pytest.approx(paper_bit_error_rate(config))
    assert residual_ber(ChannelConfig(snr_db=math.inf)) == 0.0
