"""Reed-Solomon codes over GF(256), vectorised over many codewords at once.

Field: GF(2^8) with primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d) and
primitive element alpha = 2. Generator g(x) = prod_{j<n-k} (x - alpha^(fcr + j)),
fcr = 0. Codewords are systematic, message first then parity, the first byte
being the highest-degree coefficient; this is the convention of the ``reedsolo``
package (``RSCodec(n - k)``), which the tests check codeword for codeword.
Shortened codes (n < 255), such as RS(42, 30), are the full-length code with
255 - n leading zero bytes that are never sent.

Decoding: syndromes, Berlekamp-Massey, Chien search, Forney; every step runs on
a (codewords x bytes) array. A codeword whose error locator has the wrong number
of roots, or whose corrected word still has non-zero syndromes, is reported as
failed and left as received.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

PRIMITIVE_POLY = 0x11D
FCR = 0
_CHUNK = 1024  # codewords per vectorised step; bounds the temporary arrays


def _build_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    exp = np.zeros(512, dtype=np.int64)
    log = np.zeros(256, dtype=np.int64)
    value = 1
    for i in range(255):
        exp[i] = value
        log[value] = i
        value <<= 1
        if value & 0x100:
            value ^= PRIMITIVE_POLY
    exp[255:510] = exp[:255]
    a = np.arange(256)
    mul = exp[(log[a][:, None] + log[a][None, :]) % 255].astype(np.uint8)
    mul[0, :] = 0
    mul[:, 0] = 0
    inv = np.zeros(256, dtype=np.uint8)
    inv[1:] = exp[(255 - log[1:]) % 255]
    return exp, log, mul, inv


EXP, LOG, MUL, INV = _build_tables()


def gf_pow_alpha(e: np.ndarray | int) -> np.ndarray:
    return EXP[np.mod(e, 255)].astype(np.uint8)


@dataclass(frozen=True)
class DecodeResult:
    messages: np.ndarray  # (codewords, k) uint8
    failed: np.ndarray  # (codewords,) bool
    corrected_bytes: np.ndarray  # (codewords,) int: byte errors fixed per codeword


class ReedSolomon:
    """RS(n, k) over GF(256); corrects up to (n - k) // 2 byte errors per codeword."""

    def __init__(self, n: int = 255, k: int = 223) -> None:
        if not (1 <= k < n <= 255):
            raise ValueError(f"RS(n={n}, k={k}) needs 1 <= k < n <= 255")
        self.n, self.k, self.nsym = n, k, n - k
        self.t = self.nsym // 2
        self._gen_mul = MUL[:, _generator(self.nsym)[1:]]  # fb -> fb * g[1:]
        roots = gf_pow_alpha(FCR + np.arange(self.nsym))
        self._root_mul = MUL[:, roots]  # s -> s * alpha^(fcr + j), per j
        # Exponent -(n-1-i) of X_i^-1 for each codeword position i.
        self._neg_pos = (-(n - 1 - np.arange(n))) % 255

    @property
    def rate(self) -> float:
        return self.k / self.n

    # ------------------------------------------------------------------ encode
    def encode(self, messages: np.ndarray) -> np.ndarray:
        """(codewords, k) uint8 -> (codewords, n) systematic codewords."""
        messages = np.ascontiguousarray(messages, dtype=np.uint8)
        if messages.ndim != 2 or messages.shape[1] != self.k:
            raise ValueError(f"messages must have shape (codewords, {self.k})")
        parity = np.zeros((messages.shape[0], self.nsym), dtype=np.uint8)
        for i in range(self.k):  # LFSR division by g(x), all codewords at once
            feedback = messages[:, i] ^ parity[:, 0]
            parity[:, :-1] = parity[:, 1:]
            parity[:, -1] = 0
            parity ^= self._gen_mul[feedback]
        return np.concatenate([messages, parity], axis=1)

    # ------------------------------------------------------------------ decode
    def syndromes(self, words: np.ndarray) -> np.ndarray:
        """S_j = r(alpha^(fcr + j)), j < n - k, by Horner's rule; (codewords, n - k)."""
        cols = np.arange(self.nsym)
        s = np.zeros((words.shape[0], self.nsym), dtype=np.uint8)
        for i in range(self.n):
            s = self._root_mul[s, cols] ^ words[:, i : i + 1]
        return s

    def decode(self, words: np.ndarray) -> DecodeResult:
        """(codewords, n) received bytes -> messages, failure flags, corrections."""
        words = np.ascontiguousarray(words, dtype=np.uint8)
        if words.ndim != 2 or words.shape[1] != self.n:
            raise ValueError(f"received words must have shape (codewords, {self.n})")
        out = words.copy()
        failed = np.zeros(words.shape[0], dtype=bool)
        corrected = np.zeros(words.shape[0], dtype=np.int64)
        for start in range(0, words.shape[0], _CHUNK):
            chunk = slice(start, start + _CHUNK)
            s = self.syndromes(words[chunk])
            dirty = np.flatnonzero(s.any(axis=1))
            if dirty.size:
                fixed, bad, count = self._correct(words[chunk][dirty], s[dirty])
                rows = dirty + start
                out[rows] = fixed
                failed[rows] = bad
                corrected[rows] = count
        return DecodeResult(out[:, : self.k], failed, corrected)

    def _correct(self, words: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        locator, degree = _berlekamp_massey(s)
        ok = degree <= self.t
        locator = locator[:, : self.t + 1]
        at_positions = self._evaluate(locator, self._neg_pos)  # Lambda(X_i^-1)
        is_root = (at_positions == 0) & ok[:, None]
        ok &= is_root.sum(axis=1) == degree

        # Forney: e = X^(1-fcr) Omega(X^-1) / Lambda'(X^-1), Omega = S Lambda mod x^(n-k).
        omega = _poly_mul_trunc(s, locator, self.nsym)
        derivative = locator[:, 1:].copy()
        derivative[:, 1::2] = 0  # d/dx in characteristic 2 keeps the odd powers
        num = self._evaluate(omega, self._neg_pos)
        den = self._evaluate(derivative, self._neg_pos)
        x_pow = gf_pow_alpha((1 - FCR) * (self.n - 1 - np.arange(self.n)))
        magnitude = MUL[MUL[num, x_pow[None, :]], INV[den]]
        fixed = words ^ np.where(is_root & ok[:, None], magnitude, 0).astype(np.uint8)

        ok &= ~self.syndromes(fixed).any(axis=1)
        fixed[~ok] = words[~ok]
        return fixed, ~ok, np.where(ok, degree, 0)

    def _evaluate(self, poly: np.ndarray, log_points: np.ndarray) -> np.ndarray:
        """poly (rows, deg+1, low degree first) at alpha^log_points -> (rows, points)."""
        rows, terms = poly.shape
        result = np.zeros((rows, log_points.size), dtype=np.uint8)
        for j in range(terms):
            coeff = poly[:, j]
            nonzero = coeff != 0
            if not nonzero.any():
                continue
            exponent = (LOG[coeff][:, None] + j * log_points[None, :]) % 255
            result ^= np.where(nonzero[:, None], EXP[exponent], 0).astype(np.uint8)
        return result


def _berlekamp_massey(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Error locators Lambda (rows, 2*nsym+1, low degree first) and their degrees L."""
    rows, nsym = s.shape
    size = 2 * nsym + 1
    c = np.zeros((rows, size), np.uint8)
    c[:, 0] = 1
    b = c.copy()
    length = np.zeros(rows, np.int64)
    shift = np.ones(rows, np.int64)
    b_disc = np.ones(rows, np.uint8)
    idx = np.arange(size)
    for r in range(nsym):
        # discrepancy d = sum_{i<=r} C_i S_{r-i}
        window = s[:, r::-1]  # S_r, S_{r-1}, ..., S_0
        d = np.bitwise_xor.reduce(MUL[c[:, : r + 1], window], axis=1)
        active = d != 0
        factor = MUL[d, INV[b_disc]]
        src = idx[None, :] - shift[:, None]
        shifted_b = np.where(src >= 0, np.take_along_axis(b, np.clip(src, 0, None), axis=1), 0)
        new_c = c ^ MUL[factor[:, None], shifted_b.astype(np.uint8)]
        grow = active & (2 * length <= r)
        b = np.where(grow[:, None], c, b)
        b_disc = np.where(grow, d, b_disc)
        length = np.where(grow, r + 1 - length, length)
        shift = np.where(grow, 1, shift + 1)
        c = np.where(active[:, None], new_c, c)
    return c, length


def _poly_mul_trunc(a: np.ndarray, b: np.ndarray, terms: int) -> np.ndarray:
    """(a * b) mod x^terms for rows of polynomials, low degree first."""
    out = np.zeros((a.shape[0], terms), np.uint8)
    for j in range(min(b.shape[1], terms)):
        out[:, j:] ^= MUL[a[:, : terms - j], b[:, j : j + 1]]
    return out


@cache
def _generator(nsym: int) -> np.ndarray:
    """g(x) = prod_j (x - alpha^(fcr + j)), highest degree first."""
    g = np.array([1], dtype=np.uint8)
    for j in range(nsym):
        root = int(gf_pow_alpha(FCR + j))
        nxt = np.zeros(g.size + 1, dtype=np.uint8)
        nxt[:-1] = g
        nxt[1:] ^= MUL[g, root]
        g = nxt
    return g


def inject_byte_errors(words: np.ndarray, n_errors: int, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``words`` with exactly ``n_errors`` bytes of every row changed (for tests and benchmarks)."""
    out = words.copy()
    for row in out:
        pos = rng.choice(row.size, n_errors, replace=False)
        row[pos] ^= rng.integers(1, 256, n_errors, dtype=np.uint8)
    return out
