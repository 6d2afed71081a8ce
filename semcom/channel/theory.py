"""Closed-form bit error rates, in the conventions of ``conventions.py``.

Arguments are linear Es/N0 per symbol (``es_n0``), i.e. the average SNR.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate
from scipy.special import erfc

from semcom.channel.constellation import MODULATION_BITS


def q_function(x: float | np.ndarray) -> float | np.ndarray:
    return 0.5 * erfc(np.asarray(x) / math.sqrt(2.0))


def ber_awgn(modulation: str, es_n0: float) -> float:
    """Exact BER of Gray BPSK / square M-QAM on AWGN (Cho & Yoon, 2002, eq. 14-16)."""
    if modulation == "bpsk":
        return float(q_function(math.sqrt(2.0 * es_n0)))
    bits = MODULATION_BITS[modulation]
    order = 1 << bits
    levels = int(round(math.sqrt(order)))
    log_l = int(round(math.log2(levels)))
    arg = math.sqrt(3.0 * es_n0 / (2.0 * (order - 1)))  # = sqrt(3 log2M Eb/N0 / 2(M-1))
    total = 0.0
    for k in range(1, log_l + 1):
        p_k = 0.0
        for i in range(int((1 - 2.0**-k) * levels)):
            w = i * 2 ** (k - 1) / levels
            p_k += (-1) ** math.floor(w) * (2 ** (k - 1) - math.floor(w + 0.5)) * erfc((2 * i + 1) * arg)
        total += p_k / levels
    return total / log_l


def ber_bpsk_rayleigh(es_n0: float) -> float:
    """BPSK on Rayleigh flat fading with coherent detection: 0.5 (1 - sqrt(g / (1 + g)))."""
    return 0.5 * (1.0 - math.sqrt(es_n0 / (1.0 + es_n0)))


def ber_bpsk_rician(es_n0: float, k_factor: float) -> float:
    """BPSK on Rician fading, exact, by the MGF method (Simon & Alouini, eq. 5.3 with 2.17).

    P_b = 1/pi int_0^{pi/2} M_g(-1 / sin^2 t) dt, with the Rician SNR MGF
    M_g(s) = (1 + K) / (1 + K - s g) exp(K s g / (1 + K - s g)).
    """
    k, g = k_factor, es_n0

    def integrand(theta: float) -> float:
        s2 = math.sin(theta) ** 2
        denom = (1.0 + k) * s2 + g
        return (1.0 + k) * s2 / denom * math.exp(-k * g / denom)

    value, _ = integrate.quad(integrand, 0.0, math.pi / 2, epsabs=1e-13, epsrel=1e-10)
    return value / math.pi


def ber_fixed_gain(modulation: str, es_n0: float, gain: float) -> float:
    """A fixed gain h scales the received SNR by |h|^2 (zero-forcing keeps the decisions)."""
    return ber_awgn(modulation, gain * gain * es_n0)
