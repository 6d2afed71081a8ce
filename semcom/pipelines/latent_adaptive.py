"""Adaptive mode of ``caption+latent``: text only, or text + latent in which number format.

Given the channel (SNR, modulation, RS code) and an optional budget of channel uses,
the transmitter predicts for each candidate the channel uses it needs and the mean
squared error the latent will arrive with, and picks:

1. the cheapest candidate whose predicted latent SNR (latent variance / MSE) reaches
   ``target_db`` and fits the budget;
2. else the fitting candidate with the smallest predicted MSE, if its latent SNR is
   positive (the latent still carries more than it destroys);
3. else text only (the receiver paints from the caption, as in ``caption``).

The prediction (stated, approximate):

- raw bit error rate p0: the exact Gray QAM BER on AWGN at the configured average
  Es/N0 (``bsc_qam16_theory``: its flip rate). On fading channels this is optimistic.
- residual bit error rate after RS(n, k) with t = (n - k) / 2 correctable bytes:
  byte error rate q = 1 - (1 - p0)^8; a codeword with more than t byte errors fails
  and is delivered as received, so p = p0 * sum_{j > t} (j / n) C(n, j) q^j (1 - q)^(n - j) / q.
- uniform b-bit over [lo, hi], step D = (hi - lo) / (2^b - 1): quantisation D^2 / 12
  plus bit flips sum_k p (2^k D)^2 = p D^2 (4^b - 1) / 3.
- float formats with the receiver's guard (values clipped to [lo, hi]): a flipped
  sign or exponent bit (1 + E bits) sends the value anywhere in the range, about
  (hi - lo)^2 / 4; a flipped mantissa bit adds about var / 3 in all; rounding to M
  mantissa bits adds var 2^(-2M) / 12.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from semcom.channel.config import PAPER_BSC_MODEL, ChannelConfig
from semcom.channel.link import channel_uses_digital, es_n0_db

# (name, bits per value, exponent bits, mantissa bits); uniform: exponent -1
FORMATS = [("float64", 64, 11, 52), ("float32", 32, 8, 23), ("float16", 16, 5, 10),
           ("uniform8", 8, -1, 0), ("uniform6", 6, -1, 0), ("uniform4", 4, -1, 0)]


@dataclass
class Candidate:
    choice: str  # "text", or a number format of the latent
    channel_uses: int
    latent_mse: float | None
    latent_snr_db: float | None
    fits: bool


@dataclass
class Decision:
    choice: str
    reason: str
    residual_ber: float
    candidates: list[Candidate]

    @property
    def send_latent(self) -> bool:
        return self.choice != "text"

    def as_header(self) -> dict:
        return {"choice": self.choice, "reason": self.reason, "residual_ber": self.residual_ber,
                "candidates": [asdict(c) for c in self.candidates]}


def raw_ber(channel: ChannelConfig) -> float:
    from semcom.channel.theory import ber_awgn  # scipy.integrate: loaded when adaptive mode runs, not at start-up

    es_n0 = 10.0 ** (es_n0_db(channel) / 10.0)
    if channel.model == PAPER_BSC_MODEL:
        return ber_awgn("qam16", es_n0)
    gain = channel.gain ** 2 if channel.model == "fixed_gain" else 1.0
    return ber_awgn(channel.modulation, gain * es_n0)


def residual_ber(channel: ChannelConfig) -> float:
    p0 = raw_ber(channel)
    if channel.fec != "rs" or p0 <= 0:
        return p0
    n, t = channel.rs_n, (channel.rs_n - channel.rs_k) // 2
    q = 1.0 - (1.0 - p0) ** 8
    j = range(t + 1, n + 1)
    expected_bad_fraction = sum(jj / n * math.comb(n, jj) * q**jj * (1 - q) ** (n - jj) for jj in j)
    return min(p0, p0 * expected_bad_fraction / q) if q > 0 else 0.0


def predicted_mse(fmt: str, p: float, var: float, lo: float, hi: float) -> float:
    _, bits, exponent, mantissa = next(f for f in FORMATS if f[0] == fmt)
    if exponent < 0:
        step = (hi - lo) / ((1 << bits) - 1)
        return step**2 / 12 + p * step**2 * (4**bits - 1) / 3
    return p * ((1 + exponent) * (hi - lo) ** 2 / 4 + var / 3) + var * 2.0 ** (-2 * mantissa) / 12


def decide(channel: ChannelConfig, text_uses: int, latent_values: int, var: float, lo: float, hi: float,
           budget: int | None, target_db: float) -> Decision:
    p = residual_ber(channel)
    cands = [Candidate("text", text_uses, None, None, budget is None or text_uses <= budget)]
    for fmt, bits, _, _ in FORMATS:
        uses = text_uses + channel_uses_digital(math.ceil(latent_values * bits / 8), channel)
        mse = predicted_mse(fmt, p, var, lo, hi)
        snr = 10 * math.log10(var / mse) if mse > 0 and var > 0 else math.inf
        cands.append(Candidate(fmt, uses, mse, round(snr, 2), budget is None or uses <= budget))

    where = (f"{channel.model} at {channel.snr_db:g} dB {channel.snr_type}, {channel.modulation}"
             + (f" + RS({channel.rs_n},{channel.rs_k})" if channel.fec == "rs" else ", no FEC")
             + f": predicted residual BER {p:.2e}")
    room = f"budget {budget} channel uses" if budget is not None else "no budget"
    latents = [c for c in cands[1:] if c.fits]
    good = [c for c in latents if c.latent_snr_db is not None and c.latent_snr_db >= target_db]
    if good:
        best = min(good, key=lambda c: c.channel_uses)
        why = (f"{best.choice} is the cheapest format reaching the target latent SNR of {target_db:g} dB "
               f"(predicted {best.latent_snr_db:g} dB, {best.channel_uses} channel uses)")
    elif latents and min(c.latent_mse for c in latents) < var:
        best = min(latents, key=lambda c: c.latent_mse)
        why = (f"no format reaches {target_db:g} dB; {best.choice} arrives best "
               f"(predicted latent SNR {best.latent_snr_db:g} dB, {best.channel_uses} channel uses)")
    else:
        best = cands[0]
        why = ("no latent format fits the budget" if not latents
               else "every latent format would arrive with more error than signal") + ": text only"
    return Decision(best.choice, f"{where}; {room}; {why}", p, cands)
