"""The paper-compatible channel (bsc_qam16_theory): bits flip at the closed-form 16-QAM BER."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from semcom.channel.channels import flip_bits
from semcom.channel.config import ChannelConfig
from semcom.channel.link import LinkError, paper_bit_error_rate, transmit_payload
from semcom.channel.theory import ber_awgn
from semcom.payload import Payload, Segment
from semcom.wire import convert


def _tolerance(p: float, n_bits: int) -> float:
    """Five standard deviations of the measured rate of n_bits Bernoulli(p) draws."""
    return 5 * math.sqrt(p * (1 - p) / n_bits)


@pytest.mark.parametrize("eb_n0_db", [0.0, 4.0, 8.0])
def test_flip_rate_matches_16qam_theory_at_eb_n0(eb_n0_db: float) -> None:
    cfg = ChannelConfig(model="bsc_qam16_theory", snr_db=eb_n0_db, snr_type="eb_n0", fec="none", seed=3)
    data = np.random.default_rng(0).integers(0, 256, 250_000, dtype=np.uint8)
    received, stats = transmit_payload(Payload("t", [Segment("x", data.tobytes())]), cfg)
    n_bits = 8 * data.size
    p_theory = ber_awgn("qam16", 10 ** ((eb_n0_db + 10 * math.log10(4)) / 10))  # Es/N0 = Eb/N0 + 10 log10(4)
    assert paper_bit_error_rate(cfg) == pytest.approx(p_theory)
    measured = stats.pre_fec_bit_errors / n_bits
    assert abs(measured - p_theory) < _tolerance(p_theory, n_bits)
    assert stats.channel_uses == n_bits // 4  # counted as 16-QAM symbols
    got = np.frombuffer(received.segment("x").content, np.uint8)
    assert int(np.unpackbits(got ^ data).sum()) == stats.pre_fec_bit_errors


def test_flips_are_independent_across_bit_positions() -> None:
    """No position in the byte is favoured (a constellation would make MSBs more robust)."""
    p = 0.02
    data = np.zeros(200_000, np.uint8)
    flipped = np.unpackbits(flip_bits(data, p, np.random.default_rng(1))).reshape(-1, 8)
    rates = flipped.mean(axis=0)
    assert np.all(np.abs(rates - p) < _tolerance(p, data.size))


def test_edge_probabilities_and_seed() -> None:
    data = np.arange(256, dtype=np.uint8)
    assert np.array_equal(flip_bits(data, 0.0, np.random.default_rng(0)), data)
    assert np.array_equal(flip_bits(data, 1.0, np.random.default_rng(0)), ~data)
    a = flip_bits(data, 0.1, np.random.default_rng(7))
    assert np.array_equal(a, flip_bits(data, 0.1, np.random.default_rng(7)))


def test_with_reed_solomon_and_no_noise() -> None:
    cfg = ChannelConfig(model="bsc_qam16_theory", snr_db=math.inf)
    _, stats = transmit_payload(Payload("t", [Segment("x", "a caption")]), cfg)
    assert stats.pre_fec_bit_errors == 0 and stats.segments[0].codewords == 1


def test_needs_qam16_and_digital_segments() -> None:
    with pytest.raises(ValidationError, match="qam16"):
        ChannelConfig(model="bsc_qam16_theory", modulation="qam64")
    cfg = ChannelConfig(model="bsc_qam16_theory", snr_db=10)
    with pytest.raises(LinkError, match="digital segments only"):
        transmit_payload(Payload("t", [Segment("z", np.ones(4, np.float32), transport="analog")]), cfg)


def test_wire_round_trip() -> None:
    cfg = ChannelConfig(model="bsc_qam16_theory", snr_db=6, snr_type="eb_n0", fec="none")
    assert convert.channel_config_from_pb(convert.channel_config_to_pb(cfg)) == cfg
