"""Mapper and demappers: symbol indices <-> complex symbols.

Hard demapping is minimum-distance (maximum likelihood after zero-forcing
equalisation), done per axis since square QAM is separable. The soft demapper
returns exact LLRs with the convention of :mod:`semcom.channel.conventions`:
LLR = ln P(b=0 | y) / P(b=1 | y).
"""

from __future__ import annotations

import numpy as np

from semcom.channel.constellation import Constellation


def map_symbols(indices: np.ndarray, const: Constellation) -> np.ndarray:
    """Symbol indices -> complex64 unit-energy symbols."""
    return const.points[indices]


def _axis_levels(values: np.ndarray, const: Constellation) -> np.ndarray:
    """Nearest PAM level index on one axis (clipped to the constellation)."""
    top = const.levels_per_axis - 1
    scaled = values * np.float32(0.5 / const.spacing) + np.float32(0.5 * top)
    return np.clip(np.rint(scaled), 0, top).astype(np.intp)


def demap_hard(symbols: np.ndarray, const: Constellation) -> np.ndarray:
    """Equalised complex symbols -> nearest symbol indices (uint8)."""
    symbols = np.asarray(symbols)
    if const.is_real:
        return (symbols.real > 0).astype(np.uint8)
    gray = const.gray.astype(np.uint8)
    m = const.bits_per_symbol // 2
    i_bits = gray[_axis_levels(symbols.real, const)]
    q_bits = gray[_axis_levels(symbols.imag, const)]
    return (i_bits << m) | q_bits


def demap_llr(symbols: np.ndarray, const: Constellation, n0: np.ndarray | float) -> np.ndarray:
    """Exact LLRs, shape (n_symbols, bits_per_symbol), MSB first.

    ``n0`` is the noise variance seen by each equalised symbol (N0 / |h|^2 after
    zero-forcing). Positive LLR means bit 0 is more likely.
    """
    symbols = np.asarray(symbols, np.complex128)[:, None]
    n0 = np.broadcast_to(np.asarray(n0, np.float64), symbols.shape[:1])[:, None]
    points = const.points.astype(np.complex128)[None, :]
    if const.is_real:  # BPSK noise that matters is the real part only
        metric = -((symbols.real - points.real) ** 2) / n0
    else:
        metric = -np.abs(symbols - points) ** 2 / n0
    k = const.bits_per_symbol
    index = np.arange(const.order)
    llr = np.empty((symbols.shape[0], k))
    for bit in range(k):
        is_one = ((index >> (k - 1 - bit)) & 1).astype(bool)
        llr[:, bit] = _logsumexp(metric[:, ~is_one]) - _logsumexp(metric[:, is_one])
    return llr


def _logsumexp(x: np.ndarray) -> np.ndarray:
    top = x.max(axis=1)
    return top + np.log(np.exp(x - top[:, None]).sum(axis=1))
