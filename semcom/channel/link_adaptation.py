"""A link-adaptation table for the digital baseline, from closed-form theory.

For a given Es/N0 it picks the modulation and Reed-Solomon code with the highest
information rate (bits per channel use) whose codeword error rate on AWGN stays
below a target, as an adaptive-modulation-and-coding table would. Byte errors
are taken as independent (an interleaved link); a codeword fails beyond
t = (n - k) / 2 byte errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binom

from semcom.channel.constellation import MODULATION_BITS
from semcom.channel.theory import ber_awgn

CODES = ((255, 239), (255, 223), (255, 191), (255, 127))
TARGET_CODEWORD_ERROR = 1e-3


@dataclass(frozen=True)
class Mcs:
    modulation: str
    rs_n: int
    rs_k: int
    codeword_error: float

    @property
    def bits_per_use(self) -> float:
        return MODULATION_BITS[self.modulation] * self.rs_k / self.rs_n


def codeword_error_rate(modulation: str, rs_n: int, rs_k: int, es_n0_db: float) -> float:
    p_bit = ber_awgn(modulation, 10 ** (es_n0_db / 10))
    p_byte = 1 - (1 - p_bit) ** 8
    return float(binom.sf((rs_n - rs_k) // 2, rs_n, p_byte))


def choose_mcs(es_n0_db: float, target: float = TARGET_CODEWORD_ERROR) -> Mcs:
    """The fastest (modulation, code) meeting ``target``; the most robust one if none does."""
    options = [Mcs(m, n, k, codeword_error_rate(m, n, k, es_n0_db)) for m in MODULATION_BITS for n, k in CODES]
    good = [o for o in options if o.codeword_error <= target]
    if good:
        return max(good, key=lambda o: o.bits_per_use)
    return min(options, key=lambda o: (o.codeword_error, -o.bits_per_use))
