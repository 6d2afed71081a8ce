"""A link-adaptation table for the digital baseline, from closed-form theory.

For a given Es/N0 it picks the modulation and Reed-Solomon code with the highest
information rate (bits per channel use) whose codeword error rate stays below a
target, as an adaptive-modulation-and-coding table would. A codeword fails beyond
t = (n - k) / 2 byte errors.

AWGN: byte errors are taken as independent (an interleaved link).

Block Rayleigh fading with perfect CSI (zero-forcing): a symbol whose block has
power gain g ~ Exp(1) sees Es/N0 g. Behind the block interleaver a codeword's
bytes are ``depth`` bytes apart in the stream, so m = coherence * bits / (8 depth)
of them (at least 1) share one fade; the byte errors of one fade block are
Binomial(m, p_byte(g)) averaged over g, and the blocks of a codeword fade
independently, so the codeword's error count is the convolution of those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import binom

from semcom.channel.constellation import MODULATION_BITS
from semcom.channel.theory import ber_awgn

CODES = ((255, 239), (255, 223), (255, 191), (255, 127))
TARGET_CODEWORD_ERROR = 1e-3
ADAPTED_MODELS = ("awgn", "rayleigh_block")
_FADE_POINTS = 600  # grid points of ln g for the average over the fade


@dataclass(frozen=True)
class Mcs:
    modulation: str
    rs_n: int
    rs_k: int
    codeword_error: float

    @property
    def bits_per_use(self) -> float:
        return MODULATION_BITS[self.modulation] * self.rs_k / self.rs_n


def byte_error_rate(modulation: str, es_n0: float) -> float:
    """Bits of a byte taken as independent errors at the BER of the modulation."""
    return 1 - (1 - ber_awgn(modulation, es_n0)) ** 8


def codeword_error_rate(modulation: str, rs_n: int, rs_k: int, es_n0_db: float) -> float:
    """AWGN: P(more than t of the n bytes wrong), bytes independent."""
    p_byte = byte_error_rate(modulation, 10 ** (es_n0_db / 10))
    return float(binom.sf((rs_n - rs_k) // 2, rs_n, p_byte))


def bytes_per_fade(modulation: str, coherence: int, depth: int) -> int:
    """How many bytes of one codeword share a fade block behind a depth-``depth`` interleaver."""
    return max(1, (coherence * MODULATION_BITS[modulation]) // (8 * max(depth, 1)))


def codeword_error_rate_block_fading(modulation: str, rs_n: int, rs_k: int, es_n0_db: float,
                                     coherence: int, depth: int) -> float:
    """Block Rayleigh fading, perfect CSI: P(more than t byte errors) averaged over the fades."""
    t = (rs_n - rs_k) // 2
    m = bytes_per_fade(modulation, coherence, depth)
    total = np.zeros(t + 1)  # pmf of the codeword's byte errors, truncated at t (only P(<= t) matters)
    total[0] = 1.0
    full, rest = divmod(rs_n, m)
    for size, count in ((m, full), (rest, 1 if rest else 0)):
        block = _block_error_pmf(modulation, size, es_n0_db)[: t + 1]
        for _ in range(count):
            total = np.convolve(total, block)[: t + 1]
    return float(max(0.0, 1.0 - total.sum()))


def average_over_rayleigh_fade(f: Callable[[float], float | np.ndarray]) -> float | np.ndarray:
    """E[f(g)] for the power gain g ~ Exp(1) of Rayleigh fading.

    On a grid of ln g (density exp(x - e^x)), so the deep fades that dominate
    the error rates at high SNR are resolved: g from e^-25 to e^4.
    """
    x = np.linspace(-25.0, 4.0, _FADE_POINTS)
    weights = np.exp(x - np.exp(x))
    weights /= weights.sum()
    return sum(w * np.asarray(f(g)) for w, g in zip(weights, np.exp(x), strict=True))


@lru_cache(maxsize=4096)
def _block_error_pmf(modulation: str, size: int, es_n0_db: float) -> np.ndarray:
    """pmf of the byte errors among ``size`` bytes that share one Rayleigh fade."""
    es_n0, errors = 10 ** (es_n0_db / 10), np.arange(size + 1)
    return average_over_rayleigh_fade(lambda g: binom.pmf(errors, size, byte_error_rate(modulation, es_n0 * g)))


def choose_mcs(es_n0_db: float, target: float = TARGET_CODEWORD_ERROR, *, model: str = "awgn",
               coherence: int = 128, interleaver_depth: int = 1) -> Mcs:
    """The fastest (modulation, code) meeting ``target`` on ``model``; the most robust one if none does.

    ``coherence`` and ``interleaver_depth`` matter for ``rayleigh_block`` only.
    """
    if model not in ADAPTED_MODELS:
        raise ValueError(f"no link-adaptation table for channel model {model!r}; one of {ADAPTED_MODELS}")

    def error(modulation: str, n: int, k: int) -> float:
        if model == "awgn":
            return codeword_error_rate(modulation, n, k, es_n0_db)
        return codeword_error_rate_block_fading(modulation, n, k, es_n0_db, coherence, interleaver_depth)

    options = [Mcs(m, n, k, error(m, n, k)) for m in MODULATION_BITS for n, k in CODES]
    good = [o for o in options if o.codeword_error <= target]
    if good:
        return max(good, key=lambda o: o.bits_per_use)
    return min(options, key=lambda o: (o.codeword_error, o.bits_per_use))  # ties: the slowest
