"""The link-adaptation table: faster codes as the SNR grows, each within its target."""

from __future__ import annotations

import numpy as np
import pytest

from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.channel.link_adaptation import (
    TARGET_CODEWORD_ERROR,
    average_over_rayleigh_fade,
    choose_mcs,
    codeword_error_rate,
    codeword_error_rate_block_fading,
)
from semcom.channel.theory import ber_awgn, ber_bpsk_rayleigh
from semcom.payload import Payload, Segment


def test_rate_grows_with_snr_and_meets_the_target() -> None:
    choices = [choose_mcs(s) for s in range(0, 31)]
    rates = [c.bits_per_use for c in choices]
    assert rates == sorted(rates) and rates[-1] > 5 * rates[3]
    assert all(c.codeword_error <= TARGET_CODEWORD_ERROR for c in choices[4:])


def test_codeword_error_rate_matches_simulation() -> None:
    """16-QAM RS(255,223) at 15 dB on AWGN: the predicted failure rate, checked by counting."""
    predicted = codeword_error_rate("qam16", 255, 223, 15.0)
    data = np.random.default_rng(0).bytes(223 * 600)
    cfg = ChannelConfig(snr_db=15.0, modulation="qam16", fec="rs", interleaver_depth=600, seed=3)
    _, stats = transmit_payload(Payload("t", [Segment("d", data)]), cfg)
    measured = stats.failed_codewords / stats.segments[0].codewords
    assert abs(measured - predicted) < 4 * np.sqrt(predicted * (1 - predicted) / 600) + 0.01


def test_fade_average_matches_the_closed_form_bpsk_rayleigh_ber() -> None:
    """The average over Rayleigh fades reproduces 0.5 (1 - sqrt(g / (1 + g))), deep fades included."""
    for es_n0 in (0.5, 10.0, 1000.0):
        averaged = average_over_rayleigh_fade(lambda g, s=es_n0: ber_awgn("bpsk", s * g))
        assert abs(averaged / ber_bpsk_rayleigh(es_n0) - 1) < 1e-4


def test_block_fading_table_is_more_robust_and_meets_its_target() -> None:
    """Rayleigh needs slower codes than AWGN at the same SNR; each choice meets the target where it can."""
    for snr in (10.0, 16.0, 25.0):
        faded = choose_mcs(snr, model="rayleigh_block", coherence=128, interleaver_depth=16)
        assert faded.bits_per_use < choose_mcs(snr).bits_per_use
        assert faded.codeword_error <= TARGET_CODEWORD_ERROR
    below = choose_mcs(1.0, model="rayleigh_block", coherence=128, interleaver_depth=16)
    assert (below.modulation, below.rs_k) == ("bpsk", 127)  # nothing works: the most robust option
    with pytest.raises(ValueError, match="no link-adaptation table"):
        choose_mcs(10.0, model="rician")


def test_block_fading_codeword_error_rate_matches_simulation() -> None:
    """QPSK RS(255,223), 16 codewords interleaved, 128-symbol Rayleigh blocks at 16 dB, counted."""
    predicted = codeword_error_rate_block_fading("qpsk", 255, 223, 16.0, coherence=128, depth=16)
    assert 0.2 < predicted < 0.5
    data = np.random.default_rng(0).bytes(223 * 1600)
    cfg = ChannelConfig(model="rayleigh_block", snr_db=16.0, modulation="qpsk", fec="rs", rs_k=223,
                        interleaver_depth=16, coherence_symbols=128, seed=0)
    _, stats = transmit_payload(Payload("t", [Segment("d", data)]), cfg)
    measured = stats.failed_codewords / stats.segments[0].codewords
    # codewords of one interleaver group share fades, so allow more than the binomial spread
    assert abs(measured - predicted) < 0.06
