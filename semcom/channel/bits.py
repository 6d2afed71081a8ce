"""Bytes <-> symbol indices, most significant bit first.

A byte stream is read as one long bit string; each run of ``bits_per_symbol``
bits is one symbol index. The last symbol is padded with zero bits.
"""

from __future__ import annotations

import numpy as np


def symbols_needed(n_bytes: int, bits_per_symbol: int) -> int:
    return -(-8 * n_bytes // bits_per_symbol)


def bytes_to_indices(data: np.ndarray, bits_per_symbol: int) -> np.ndarray:
    """uint8 array -> uint8 symbol indices (``symbols_needed`` of them)."""
    data = np.ascontiguousarray(data, dtype=np.uint8)
    k = bits_per_symbol
    if k == 8:
        return data.copy()
    if k in (1, 2, 4):
        # Fast path: whole symbols per byte, extracted with shifts.
        shifts = np.arange(8 - k, -1, -k, dtype=np.uint8)
        return ((data[:, None] >> shifts) & ((1 << k) - 1)).astype(np.uint8).ravel()
    bits = np.unpackbits(data)
    n_sym = symbols_needed(data.size, k)
    bits = np.concatenate([bits, np.zeros(n_sym * k - bits.size, np.uint8)])
    groups = np.zeros((n_sym, 8), np.uint8)
    groups[:, 8 - k :] = bits.reshape(n_sym, k)
    return np.packbits(groups, axis=1).ravel()


def indices_to_bytes(indices: np.ndarray, bits_per_symbol: int, n_bytes: int) -> np.ndarray:
    """Inverse of :func:`bytes_to_indices`; drops the padding bits."""
    indices = np.ascontiguousarray(indices, dtype=np.uint8)
    k = bits_per_symbol
    if k == 8:
        return indices[:n_bytes].copy()
    if k in (1, 2, 4):
        per_byte = 8 // k
        padded = np.zeros(-(-indices.size // per_byte) * per_byte, np.uint8)
        padded[: indices.size] = indices
        columns = padded.reshape(-1, per_byte)
        packed = columns[:, 0] << np.uint8(8 - k)
        for j in range(1, per_byte):
            packed |= columns[:, j] << np.uint8(8 - k * (j + 1))
        return packed[:n_bytes]
    bits = np.unpackbits(indices[:, None], axis=1)[:, 8 - k :].ravel()
    return np.packbits(bits[: 8 * n_bytes])


def count_bit_errors(a: np.ndarray, b: np.ndarray) -> int:
    """Number of differing bits between two equally long uint8 arrays."""
    diff = np.bitwise_xor(np.asarray(a, np.uint8), np.asarray(b, np.uint8))
    return int(np.unpackbits(diff).sum()) if diff.size else 0
