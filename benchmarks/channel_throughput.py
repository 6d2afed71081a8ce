"""Channel chain throughput: 16-QAM, AWGN, hard demapping, no FEC, one core.

The chain is bytes -> symbol indices -> Gray mapper -> AWGN -> hard demapper ->
bytes. References in the same run: a straightforward per-symbol Python loop and
scikit-commpy's QAMModem (modulate, commpy's awgn, demodulate 'hard').
"""

from __future__ import annotations

import math
import random

import numpy as np

from benchmarks.common import best_time
from semcom.channel.bits import bytes_to_indices, indices_to_bytes
from semcom.channel.channels import add_noise
from semcom.channel.constellation import constellation
from semcom.channel.conventions import noise_variance
from semcom.channel.mapper import demap_hard, map_symbols

SNR_DB = 15.0


def ours(data: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    const = constellation("qam16")
    indices = bytes_to_indices(data, 4)
    y = add_noise(map_symbols(indices, const), noise_variance(SNR_DB), rng)
    return indices_to_bytes(demap_hard(y, const), 4, data.size)


def per_symbol_reference(data: bytes, rnd: random.Random) -> bytes:
    """The textbook loop: one symbol at a time, minimum distance over all 16 points."""
    points = [complex(p) for p in constellation("qam16").points]
    sigma = math.sqrt(noise_variance(SNR_DB) / 2)
    out = bytearray()
    for byte in data:
        decided = 0
        for index in (byte >> 4, byte & 15):
            y = points[index] + complex(rnd.gauss(0, sigma), rnd.gauss(0, sigma))
            best = min(range(16), key=lambda i: abs(y - points[i]))
            decided = (decided << 4) | best
        out.append(decided)
    return bytes(out)


def commpy_chain(bits: np.ndarray) -> np.ndarray:
    from commpy.channels import awgn
    from commpy.modulation import QAMModem

    modem = QAMModem(16)
    return modem.demodulate(awgn(modem.modulate(bits), SNR_DB), "hard")


def run() -> dict[str, float]:
    rng = np.random.default_rng(0)
    n_sym = 4_000_000
    data = rng.integers(0, 256, n_sym // 2, dtype=np.uint8)
    t_ours = best_time(lambda: ours(data, rng))
    ber = float(np.unpackbits(ours(data, rng) ^ data).mean())

    n_ref = 40_000
    ref_data = data[: n_ref // 2].tobytes()
    t_ref = best_time(lambda: per_symbol_reference(ref_data, random.Random(0)), repeat=2)

    n_cp = 400_000
    bits = np.unpackbits(data[: n_cp // 2]).astype(np.int64)
    try:
        t_cp: float | None = best_time(lambda: commpy_chain(bits), repeat=3)
    except ImportError:
        t_cp = None

    ours_msps = n_sym / t_ours / 1e6
    result = {
        "ours_msym_per_s": ours_msps,
        "ours_ber_at_15db": ber,
        "per_symbol_reference_msym_per_s": n_ref / t_ref / 1e6,
        "speedup_vs_per_symbol": ours_msps / (n_ref / t_ref / 1e6),
    }
    if t_cp is not None:
        result["commpy_msym_per_s"] = n_cp / t_cp / 1e6
        result["speedup_vs_commpy"] = ours_msps / (n_cp / t_cp / 1e6)
    print(f"channel chain (16-QAM, AWGN {SNR_DB:g} dB, hard, no FEC): {ours_msps:.1f} Msym/s on one core "
          f"(target >= 20); per-symbol loop {result['per_symbol_reference_msym_per_s']:.3f} Msym/s "
          f"-> {result['speedup_vs_per_symbol']:.0f}x", end="")
    if t_cp is not None:
        print(f"; commpy {result['commpy_msym_per_s']:.3f} Msym/s -> {result['speedup_vs_commpy']:.0f}x "
              "(target >= 30x)")
    else:
        print("; commpy not installed (pip install -e .[bench])")
    return result
