"""The conventions of the channel maths, written once.

Every block in ``semcom.channel`` follows these; ``tests/channel`` checks them
against closed-form theory.

- Constellations have unit average energy: E|x|^2 = Es = 1.
- SNR is Es/N0 = 1/N0 per complex symbol; the noise is circular complex Gaussian
  CN(0, N0), i.e. N0/2 per real dimension.
- Eb/N0 counts the information bits a symbol carries:
  Eb/N0 [dB] = Es/N0 [dB] - 10 log10(bits_per_symbol * code_rate).
- Fading gains have unit average power, E|h|^2 = 1, so the average received SNR
  equals the configured Es/N0.
- Analog (JSCC) segments are scaled to unit average complex-symbol power before
  the channel; the scale is side information, restored after equalisation.
- LLR = ln P(b=0 | y) / P(b=1 | y): positive means the bit is more likely 0.
"""

from __future__ import annotations

import math

LLR_POSITIVE_MEANS_ZERO = True


def es_n0_db_from_eb_n0_db(eb_n0_db: float, bits_per_symbol: int, code_rate: float) -> float:
    """Es/N0 in dB for a given Eb/N0 per information bit."""
    return eb_n0_db + 10.0 * math.log10(bits_per_symbol * code_rate)


def eb_n0_db_from_es_n0_db(es_n0_db: float, bits_per_symbol: int, code_rate: float) -> float:
    """Eb/N0 in dB per information bit for a given Es/N0."""
    return es_n0_db - 10.0 * math.log10(bits_per_symbol * code_rate)


def noise_variance(es_n0_db: float) -> float:
    """N0 = 1 / (Es/N0) for unit-energy symbols; 0 at +inf dB (no noise)."""
    if math.isinf(es_n0_db) and es_n0_db > 0:
        return 0.0
    return 10.0 ** (-es_n0_db / 10.0)
