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


def demap_hard(symbols: np.ndarray, const: Constellation) -> np.ndarray:
    """Equalised complex symbols -> nearest symbol indices (uint8).

    Square QAM is separable: on each axis the nearest level is found by scaling,
    clipping and truncating; one table lookup on the (I level, Q level) pair then
    gives the Gray-coded symbol index.
    """
    symbols = np.ascontiguousarray(symbols, dtype=np.complex64)
    if const.is_real:
        return (symbols.real > 0).astype(np.uint8)
    top = const.levels_per_axis - 1
    axes = symbols.view(np.float32)  # I, Q, I, Q, ...
    scaled = np.multiply(axes, np.float32(0.5 / const.spacing))
    scaled += np.float32(0.5 * top + 0.5)  # level index + 0.5, so truncation rounds
    np.clip(scaled, 0.0, np.float32(top + 0.5), out=scaled)
    levels = scaled.astype(np.uint8).view(np.uint16)  # little-endian pair: I level + 256 * Q level
    return _pair_table(const)[levels]


def _pair_table(const: Constellation) -> np.ndarray:
    """(I level + 256 * Q level) -> symbol index, for hard decisions."""
    table = getattr(const, "_pair_table", None)
    if table is None:
        m = const.bits_per_symbol // 2
        levels = np.arange(65536)
        i_level, q_level = levels & 0xFF, levels >> 8
        top = const.levels_per_axis - 1
        valid = (i_level <= top) & (q_level <= top)
        table = np.zeros(65536, np.uint8)
        table[valid] = (const.gray[i_level[valid]] << m) | const.gray[q_level[valid]]
        object.__setattr__(const, "_pair_table", table)
    return table


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
