"""Mapper, demappers, bits, channels and interleaver: conventions and round trips."""

from __future__ import annotations

import numpy as np
import pytest

from semcom.channel import conventions
from semcom.channel.bits import bytes_to_indices, count_bit_errors, indices_to_bytes
from semcom.channel.channels import FadingSpec, add_noise, draw_gains, equalise
from semcom.channel.constellation import MODULATION_BITS, constellation
from semcom.channel.interleaver import deinterleave, interleave
from semcom.channel.mapper import demap_hard, demap_llr, map_symbols

MODULATIONS = sorted(MODULATION_BITS)


@pytest.mark.parametrize("name", MODULATIONS)
def test_unit_average_energy(name: str) -> None:
    points = constellation(name).points.astype(np.complex128)
    assert np.mean(np.abs(points) ** 2) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name", [m for m in MODULATIONS if m != "bpsk"])
def test_gray_neighbours_differ_in_one_bit(name: str) -> None:
    const = constellation(name)
    pts = const.points.astype(np.complex128)
    nearest = 2 * const.spacing + 1e-6
    for i, p in enumerate(pts):
        for j in np.flatnonzero(np.abs(pts - p) < nearest):
            if j != i:
                assert bin(i ^ j).count("1") == 1


@pytest.mark.parametrize("name", MODULATIONS)
def test_hard_demapper_inverts_mapper_and_is_nearest_point(name: str) -> None:
    const = constellation(name)
    idx = np.arange(const.order, dtype=np.uint8)
    assert np.array_equal(demap_hard(map_symbols(idx, const), const), idx)
    rng = np.random.default_rng(0)
    y = (rng.normal(size=500) + 1j * rng.normal(size=500)).astype(np.complex64)
    hard = demap_hard(y, const)
    pts = const.points.astype(np.complex128)
    dist = np.abs(y[:, None] - pts[None, :]) if not const.is_real else np.abs(y.real[:, None] - pts.real[None, :])
    assert np.array_equal(hard, dist.argmin(axis=1))


@pytest.mark.parametrize("name", MODULATIONS)
def test_llr_sign_convention(name: str) -> None:
    """LLR = ln P(b=0)/P(b=1): positive where the bit is 0, and its sign agrees with hard decisions."""
    assert conventions.LLR_POSITIVE_MEANS_ZERO
    const = constellation(name)
    k = const.bits_per_symbol
    idx = np.arange(const.order)
    llr = demap_llr(map_symbols(idx.astype(np.uint8), const), const, 0.05)
    bits = (idx[:, None] >> np.arange(k - 1, -1, -1)) & 1
    assert np.all((llr > 0) == (bits == 0))
    rng = np.random.default_rng(1)
    # At an SNR where the nearest point dominates, the LLR signs are the hard decisions.
    sigma = 0.2 * const.spacing
    y = map_symbols(rng.integers(0, const.order, 300).astype(np.uint8), const) + sigma * (
        rng.normal(size=300) + 1j * rng.normal(size=300))
    hard = demap_hard(y, const)
    hard_bits = (hard[:, None].astype(int) >> np.arange(k - 1, -1, -1)) & 1
    assert np.array_equal((demap_llr(y, const, 2 * sigma**2) < 0).astype(int), hard_bits)


@pytest.mark.parametrize("bits", [1, 2, 4, 6, 8])
@pytest.mark.parametrize("n_bytes", [0, 1, 2, 3, 7, 100])
def test_bytes_indices_round_trip(bits: int, n_bytes: int) -> None:
    data = np.random.default_rng(n_bytes).integers(0, 256, n_bytes, dtype=np.uint8)
    idx = bytes_to_indices(data, bits)
    assert idx.size == -(-8 * n_bytes // bits)
    assert idx.max(initial=0) < 2**bits
    assert np.array_equal(indices_to_bytes(idx, bits, n_bytes), data)


def test_bits_msb_first() -> None:
    assert bytes_to_indices(np.array([0b10110001], np.uint8), 2).tolist() == [0b10, 0b11, 0b00, 0b01]
    assert bytes_to_indices(np.array([0xFF, 0x00, 0xF0], np.uint8), 6).tolist() == [63, 48, 3, 48]


def test_count_bit_errors() -> None:
    assert count_bit_errors(np.array([0, 255], np.uint8), np.array([1, 0], np.uint8)) == 9


def test_noise_variance_is_n0() -> None:
    rng = np.random.default_rng(0)
    n0 = conventions.noise_variance(3.0)
    noise = add_noise(np.zeros(400_000, np.complex64), n0, rng)
    assert np.mean(np.abs(noise) ** 2) == pytest.approx(n0, rel=0.01)
    assert np.var(noise.real) == pytest.approx(n0 / 2, rel=0.01)
    assert conventions.noise_variance(float("inf")) == 0.0


@pytest.mark.parametrize("model", ["rayleigh_fast", "rayleigh_block", "rician"])
def test_fading_gains_have_unit_power(model: str) -> None:
    gains = draw_gains(200_000, FadingSpec(model, coherence=1 if model != "rayleigh_block" else 10),
                       np.random.default_rng(0))
    assert np.mean(np.abs(gains) ** 2) == pytest.approx(1.0, rel=0.02)


def test_block_fading_holds_gain_for_coherence_symbols() -> None:
    gains = draw_gains(25, FadingSpec("rayleigh_block", coherence=10), np.random.default_rng(0))
    assert np.all(gains[:10] == gains[0]) and np.all(gains[10:20] == gains[10]) and gains[0] != gains[10]
    assert np.all(gains[20:] == gains[20])


def test_rician_los_component() -> None:
    gains = draw_gains(200_000, FadingSpec("rician", rician_k=3.0), np.random.default_rng(0))
    assert np.mean(gains).real == pytest.approx(np.sqrt(3 / 4), abs=0.01)


def test_zero_forcing_undoes_gain() -> None:
    x = np.array([1 + 1j, -1 - 0.5j], np.complex64)
    h = np.array([0.3 - 0.2j, 2.0 + 1j], np.complex64)
    assert np.allclose(equalise(h * x, h), x)


@pytest.mark.parametrize("depth", [0, 1, 3, 4, 10])
def test_interleaver_round_trip_and_spreading(depth: int) -> None:
    cw = np.arange(7 * 5, dtype=np.uint8).reshape(7, 5)
    stream = interleave(cw, depth)
    assert np.array_equal(deinterleave(stream, 5, depth), cw)
    if depth == 3:  # consecutive bytes come from different codewords
        assert stream[:3].tolist() == [cw[0, 0], cw[1, 0], cw[2, 0]]


def test_snr_conversions() -> None:
    assert conventions.es_n0_db_from_eb_n0_db(10.0, 4, 0.5) == pytest.approx(10 + 10 * np.log10(2))
    assert conventions.eb_n0_db_from_es_n0_db(13.0, 6, 1.0) == pytest.approx(13 - 10 * np.log10(6))
