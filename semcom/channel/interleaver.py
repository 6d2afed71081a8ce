"""Block interleaver over RS codeword bytes.

``depth`` codewords are written as the rows of a matrix and sent column by
column, so a burst of symbol errors (a deep fade) is spread over ``depth``
codewords instead of overwhelming one. The last, shorter group is interleaved
with its own depth. Depth 0 or 1 leaves the order unchanged.
"""

from __future__ import annotations

import numpy as np


def _groups(n_codewords: int, depth: int) -> list[tuple[int, int]]:
    return [(s, min(s + depth, n_codewords)) for s in range(0, n_codewords, depth)]


def interleave(codewords: np.ndarray, depth: int) -> np.ndarray:
    """(codewords, n) -> interleaved flat byte stream."""
    if depth <= 1:
        return codewords.ravel()
    parts = [codewords[a:b].T.ravel() for a, b in _groups(codewords.shape[0], depth)]
    return np.concatenate(parts) if parts else codewords.ravel()


def deinterleave(stream: np.ndarray, n: int, depth: int) -> np.ndarray:
    """Inverse of :func:`interleave`: flat stream -> (codewords, n)."""
    n_codewords = stream.size // n
    if depth <= 1:
        return stream.reshape(n_codewords, n)
    out = np.empty((n_codewords, n), dtype=stream.dtype)
    for a, b in _groups(n_codewords, depth):
        out[a:b] = stream[a * n : b * n].reshape(n, b - a).T
    return out
