"""Simulated bit error rates against closed-form theory.

Each case counts at least 1000 bit errors with a fixed seed and must land within
4 standard deviations of the expected count, sigma = sqrt(N p (1 - p)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from semcom.channel import theory
from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_digital
from semcom.payload import Segment

MIN_ERRORS = 1000


def simulate(config: ChannelConfig, expected_ber: float, seed: int = 1) -> tuple[int, int]:
    """(bit errors, bits) for enough random bytes to expect 1.5 x MIN_ERRORS errors."""
    n_bytes = int(math.ceil(1.5 * MIN_ERRORS / expected_ber / 8))
    data = np.random.default_rng(seed).integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    _, stats = transmit_digital(Segment("bits", data), config, np.random.default_rng([config.seed, 0]))
    return stats.pre_fec_bit_errors, stats.coded_bits


def assert_matches(errors: int, bits: int, p: float) -> None:
    assert errors >= MIN_ERRORS, f"only {errors} errors counted"
    sigma = math.sqrt(bits * p * (1 - p))
    z = (errors - bits * p) / sigma
    assert abs(z) <= 4, f"simulated BER {errors / bits:.4e} vs theory {p:.4e} ({z:+.2f} sigma)"


AWGN_CASES = [
    ("bpsk", 4.0), ("bpsk", 7.0),
    ("qpsk", 7.0), ("qpsk", 10.0),
    ("qam16", 12.0), ("qam16", 15.0),
    ("qam64", 18.0), ("qam64", 21.0),
    ("qam256", 24.0), ("qam256", 27.0),
]


@pytest.mark.parametrize(("modulation", "snr_db"), AWGN_CASES)
def test_awgn_ber_matches_cho_yoon(modulation: str, snr_db: float) -> None:
    p = theory.ber_awgn(modulation, 10 ** (snr_db / 10))
    cfg = ChannelConfig(model="awgn", snr_db=snr_db, modulation=modulation, fec="none", seed=7)
    assert_matches(*simulate(cfg, p), p)


@pytest.mark.parametrize("snr_db", [5.0, 15.0])
def test_bpsk_rayleigh_fast(snr_db: float) -> None:
    g = 10 ** (snr_db / 10)
    p = theory.ber_bpsk_rayleigh(g)
    cfg = ChannelConfig(model="rayleigh_fast", snr_db=snr_db, modulation="bpsk", fec="none", seed=3)
    assert_matches(*simulate(cfg, p), p)


def test_bpsk_rayleigh_block_has_the_same_average() -> None:
    """Block fading keeps the average BER; only the error statistics become bursty."""
    p = theory.ber_bpsk_rayleigh(10.0)
    cfg = ChannelConfig(model="rayleigh_block", coherence_symbols=4, snr_db=10.0, modulation="bpsk", fec="none",
                        seed=5)
    errors, bits = simulate(cfg, p)
    # Gains repeat over 4 symbols, so the independent draws are a quarter of the bits.
    sigma = math.sqrt(4 * bits * p * (1 - p))
    assert abs(errors - bits * p) <= 4 * sigma


@pytest.mark.parametrize("snr_db", [6.0, 10.0])
def test_bpsk_rician_k3(snr_db: float) -> None:
    p = theory.ber_bpsk_rician(10 ** (snr_db / 10), 3.0)
    cfg = ChannelConfig(model="rician", rician_k=3.0, coherence_symbols=1, snr_db=snr_db, modulation="bpsk",
                        fec="none", seed=11)
    assert_matches(*simulate(cfg, p), p)


def test_rician_closed_form_limits() -> None:
    g = 10.0
    assert theory.ber_bpsk_rician(g, 0.0) == pytest.approx(theory.ber_bpsk_rayleigh(g), rel=1e-9)
    assert theory.ber_bpsk_rician(g, 1e6) == pytest.approx(theory.ber_awgn("bpsk", g), rel=1e-3)


@pytest.mark.parametrize("modulation", ["bpsk", "qam16"])
def test_fixed_gain(modulation: str) -> None:
    snr_db = 6.0 if modulation == "bpsk" else 14.0
    p = theory.ber_fixed_gain(modulation, 10 ** (snr_db / 10), 0.9)
    cfg = ChannelConfig(model="fixed_gain", gain=0.9, snr_db=snr_db, modulation=modulation, fec="none", seed=2)
    assert_matches(*simulate(cfg, p), p)


def test_eb_n0_counts_bits_per_symbol_and_code_rate() -> None:
    """Eb/N0 x dB on 16-QAM RS(255,223) is Es/N0 = x + 10 log10(4 * 223/255) dB."""
    cfg = ChannelConfig(snr_db=8.0, snr_type="eb_n0", modulation="qam16", fec="rs", rs_n=255, rs_k=223, seed=4)
    es_n0 = 10 ** ((8.0 + 10 * math.log10(4 * 223 / 255)) / 10)
    p = theory.ber_awgn("qam16", es_n0)
    assert_matches(*simulate(cfg, p), p)


def test_qpsk_and_bpsk_closed_forms_agree_per_bit() -> None:
    """Gray QPSK is two BPSK streams at half the symbol energy each."""
    for g in (1.0, 5.0, 20.0):
        assert theory.ber_awgn("qpsk", g) == pytest.approx(theory.ber_awgn("bpsk", g / 2), rel=1e-12)
