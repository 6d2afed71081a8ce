"""RS(255,223) decoding throughput against the ``reedsolo`` package, one core.

Clean codewords and codewords with 8 byte errors each; ours decodes a batch,
reedsolo one codeword at a time (its API).
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import best_time
from semcom.channel.reed_solomon import ReedSolomon, inject_byte_errors


def run() -> dict[str, float]:
    import reedsolo

    rng = np.random.default_rng(0)
    code = ReedSolomon(255, 223)
    n = 4000
    words = code.encode(rng.integers(0, 256, (n, 223), dtype=np.uint8))
    noisy = inject_byte_errors(words, 8, rng)
    ref = reedsolo.RSCodec(32)
    n_ref = 200
    result: dict[str, float] = {}
    for label, batch in (("clean", words), ("8_errors", noisy)):
        assert not code.decode(batch).failed.any()
        ours = n / best_time(lambda b=batch: code.decode(b), repeat=3)
        rows = [bytes(r) for r in batch[:n_ref]]
        theirs = n_ref / best_time(lambda rs=rows: [ref.decode(r) for r in rs], repeat=2)
        result[f"{label}_ours_cw_per_s"] = ours
        result[f"{label}_reedsolo_cw_per_s"] = theirs
        result[f"{label}_speedup"] = ours / theirs
        print(f"RS(255,223) decode, {label.replace('_', ' ')}: {ours:,.0f} codewords/s "
              f"({ours * 223 * 8 / 1e6:.1f} Mbit/s) vs reedsolo {theirs:,.0f} -> {ours / theirs:.1f}x (target >= 10x)")
    enc = n / best_time(lambda: code.encode(words[:, :223]), repeat=3)
    result["encode_ours_cw_per_s"] = enc
    print(f"RS(255,223) encode: {enc:,.0f} codewords/s")
    return result
