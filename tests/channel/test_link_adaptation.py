"""The link-adaptation table: faster codes as the SNR grows, each within its target."""

from __future__ import annotations

import numpy as np

from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.channel.link_adaptation import TARGET_CODEWORD_ERROR, choose_mcs, codeword_error_rate
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
