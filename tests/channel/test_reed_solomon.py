"""Reed-Solomon over GF(256) against the independent ``reedsolo`` package."""

from __future__ import annotations

import numpy as np
import pytest
import reedsolo

from semcom.channel.reed_solomon import ReedSolomon, inject_byte_errors

CODES = [(255, 223), (42, 30), (255, 239), (20, 10)]


@pytest.mark.parametrize(("n", "k"), CODES)
def test_codewords_match_reedsolo(n: int, k: int) -> None:
    rng = np.random.default_rng(n + k)
    msgs = rng.integers(0, 256, (30, k), dtype=np.uint8)
    ours = ReedSolomon(n, k).encode(msgs)
    ref = reedsolo.RSCodec(n - k, nsize=255)
    for msg, word in zip(msgs, ours, strict=True):
        assert bytes(word) == bytes(ref.encode(bytes(msg)))


@pytest.mark.parametrize(("n", "k"), CODES)
def test_corrects_up_to_t_errors(n: int, k: int) -> None:
    code = ReedSolomon(n, k)
    rng = np.random.default_rng(1)
    msgs = rng.integers(0, 256, (200, k), dtype=np.uint8)
    words = code.encode(msgs)
    for errors in range(0, code.t + 1, max(1, code.t // 4)):
        result = code.decode(inject_byte_errors(words, errors, rng))
        assert np.array_equal(result.messages, msgs)
        assert not result.failed.any()
        assert np.all(result.corrected_bytes == errors)


@pytest.mark.parametrize(("n", "k"), CODES)
def test_reports_failure_beyond_t(n: int, k: int) -> None:
    """Beyond t errors the decoder must say so (or, rarely, miscorrect to another codeword)."""
    code = ReedSolomon(n, k)
    rng = np.random.default_rng(2)
    msgs = rng.integers(0, 256, (300, k), dtype=np.uint8)
    received = inject_byte_errors(code.encode(msgs), code.t + 1, rng)
    result = code.decode(received)
    wrong = ~np.all(result.messages == msgs, axis=1)
    assert result.failed.mean() > 0.95
    # A failed codeword is left as received, never half-corrected.
    assert np.array_equal(result.messages[result.failed], received[result.failed][:, :k])
    # Undetected errors are decoded to a valid codeword, which reedsolo agrees is one.
    for i in np.flatnonzero(wrong & ~result.failed):
        assert reedsolo.RSCodec(n - k, nsize=255).check(bytes(code.encode(result.messages[i : i + 1])[0]))[0]


def test_decodes_what_reedsolo_decodes() -> None:
    code = ReedSolomon(255, 223)
    rng = np.random.default_rng(3)
    msgs = rng.integers(0, 256, (20, 223), dtype=np.uint8)
    received = inject_byte_errors(code.encode(msgs), 10, rng)
    ref = reedsolo.RSCodec(32)
    ours = code.decode(received).messages
    for i in range(20):
        assert bytes(ours[i]) == bytes(ref.decode(bytes(received[i]))[0])


def test_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        ReedSolomon(256, 200)
    with pytest.raises(ValueError):
        ReedSolomon(30, 30)
    with pytest.raises(ValueError):
        ReedSolomon(42, 30).encode(np.zeros((2, 31), np.uint8))
