"""Gray-mapped BPSK and square QAM constellations with unit average energy.

A symbol index carries ``bits_per_symbol`` bits, most significant bit first. For
square M-QAM with m = log2(M)/2 bits per axis, the first m bits choose the
in-phase level and the last m the quadrature level; on each axis the bits are the
Gray code of the level index, so neighbouring levels differ in one bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

MODULATION_BITS = {"bpsk": 1, "qpsk": 2, "qam16": 4, "qam64": 6, "qam256": 8}


@dataclass(frozen=True)
class Constellation:
    name: str
    bits_per_symbol: int
    levels_per_axis: int  # L: PAM levels on each used axis
    spacing: float  # distance between adjacent levels is 2 * spacing
    points: np.ndarray  # complex64, indexed by symbol index
    gray: np.ndarray  # level index -> Gray-coded bits of that axis
    gray_inverse: np.ndarray  # Gray-coded bits -> level index

    @property
    def order(self) -> int:
        return 1 << self.bits_per_symbol

    @property
    def is_real(self) -> bool:
        return self.name == "bpsk"


def _gray_tables(levels: int) -> tuple[np.ndarray, np.ndarray]:
    index = np.arange(levels)
    gray = index ^ (index >> 1)
    inverse = np.empty(levels, dtype=np.int64)
    inverse[gray] = index
    return gray.astype(np.int64), inverse


@cache
def constellation(name: str) -> Constellation:
    """The Gray-mapped, unit-energy constellation called ``name``."""
    if name not in MODULATION_BITS:
        raise ValueError(f"unknown modulation {name!r}; choose one of {sorted(MODULATION_BITS)}")
    bits = MODULATION_BITS[name]
    if name == "bpsk":
        gray, inverse = _gray_tables(2)
        points = np.array([-1.0, 1.0], dtype=np.complex64)[inverse]  # bit 0 -> -1
        return Constellation(name, 1, 2, 1.0, points, gray, inverse)
    m = bits // 2
    levels = 1 << m
    gray, inverse = _gray_tables(levels)
    # PAM amplitudes (2i - (L-1)) * d; two axes give Es = 2 d^2 (L^2 - 1) / 3 = 1.
    spacing = float(np.sqrt(3.0 / (2.0 * (levels * levels - 1))))
    amplitude = (2.0 * np.arange(levels) - (levels - 1)) * spacing
    index = np.arange(1 << bits)
    i_level = inverse[index >> m]
    q_level = inverse[index & (levels - 1)]
    points = (amplitude[i_level] + 1j * amplitude[q_level]).astype(np.complex64)
    return Constellation(name, bits, levels, spacing, points, gray, inverse)
