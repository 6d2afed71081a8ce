"""The whole link on payloads: determinism, number formats, analog power, statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semcom.channel.config import ChannelConfig
from semcom.channel.link import LinkError, channel_uses_digital, transmit_payload
from semcom.payload import Payload, Quantization, Segment


def as_bytes(content: object) -> bytes:
    if isinstance(content, np.ndarray):
        return content.tobytes()
    return content.encode() if isinstance(content, str) else bytes(content)


def mixed_payload() -> Payload:
    rng = np.random.default_rng(0)
    return Payload(
        "test",
        [
            Segment("caption", "a red circle on a gradient, naïve café"),
            Segment("latent", rng.normal(size=(4, 8, 8)).astype(np.float32), number_format="float16"),
            Segment("q", rng.uniform(-1, 1, size=(5, 7)), number_format="uniform",
                    quantization=Quantization(6, -1.0, 1.0)),
            Segment("raw", bytes(range(256)) * 3),
            Segment("symbols", rng.normal(size=(2, 33)), transport="analog"),
        ],
        source_shape=(32, 32, 3),
    )


def test_same_seed_same_bits_different_seed_different_bits() -> None:
    cfg = ChannelConfig(snr_db=9.0, modulation="qam16", fec="none", model="rayleigh_block", seed=42)
    a, sa = transmit_payload(mixed_payload(), cfg)
    b, sb = transmit_payload(mixed_payload(), cfg)
    c, sc = transmit_payload(mixed_payload(), cfg.model_copy(update={"seed": 43}))
    assert sa == sb
    for x, y in zip(a.segments, b.segments, strict=True):  # bit for bit (NaNs included)
        assert as_bytes(x.content) == as_bytes(y.content)
    assert sa.pre_fec_bit_errors != sc.pre_fec_bit_errors


def test_noiseless_link_preserves_every_segment() -> None:
    payload = mixed_payload()
    out, stats = transmit_payload(payload, ChannelConfig(snr_db=math.inf, fec="rs", rs_n=42, rs_k=30))
    assert stats.pre_fec_bit_errors == stats.post_fec_bit_errors == stats.failed_codewords == 0
    assert out.segment("caption").content == payload.segment("caption").content
    assert out.segment("raw").content == payload.segment("raw").content
    latent = payload.segment("latent").content
    assert np.array_equal(out.segment("latent").content, latent.astype(np.float16).astype(np.float32))
    assert np.max(np.abs(out.segment("q").content - payload.segment("q").content)) <= 1 / 63 + 1e-12
    assert np.allclose(out.segment("symbols").content, payload.segment("symbols").content, atol=1e-12)


def test_rs_corrects_what_the_raw_link_breaks() -> None:
    payload = Payload("t", [Segment("raw", np.random.default_rng(1).bytes(20000))], (100, 100, 3))
    bare, s_bare = transmit_payload(payload, ChannelConfig(snr_db=17.0, modulation="qam16", fec="none"))
    coded, s_coded = transmit_payload(payload, ChannelConfig(snr_db=17.0, modulation="qam16", fec="rs"))
    assert s_bare.post_fec_bit_errors > 20
    assert s_coded.pre_fec_bit_errors > 20 and s_coded.post_fec_bit_errors == 0
    assert coded.segment("raw").content == payload.segment("raw").content


def test_interleaving_spreads_deep_fades_over_codewords() -> None:
    payload = Payload("t", [Segment("raw", np.random.default_rng(2).bytes(60000))], (100, 100, 3))
    base = ChannelConfig(snr_db=28.0, model="rayleigh_block", coherence_symbols=100, modulation="qam16",
                         fec="rs", rs_n=255, rs_k=223, seed=9)
    _, plain = transmit_payload(payload, base)
    _, spread = transmit_payload(payload, base.model_copy(update={"interleaver_depth": 32}))
    assert plain.failed_codewords > 5  # a deep fade wipes out the codeword it falls in
    assert spread.failed_codewords == 0 and spread.post_fec_bit_errors == 0


def test_link_stats_count_uses_and_bandwidth_ratio() -> None:
    data = bytes(1000)
    payload = Payload("t", [Segment("a", data), Segment("b", np.zeros(101), transport="analog")], (10, 10, 3))
    cfg = ChannelConfig(snr_db=20.0, modulation="qam64", fec="rs", rs_n=42, rs_k=30)
    _, stats = transmit_payload(payload, cfg)
    digital_uses = math.ceil(math.ceil(1000 / 30) * 42 * 8 / 6)
    assert stats.segments[0].channel_uses == digital_uses == channel_uses_digital(1000, cfg)
    assert stats.segments[0].codewords == 34 and stats.segments[0].payload_bits == 8000
    assert stats.segments[1].channel_uses == 51
    assert stats.channel_uses == digital_uses + 51
    assert stats.bandwidth_ratio == pytest.approx((digital_uses + 51) / 300)
    assert stats.eb_n0_db == pytest.approx(20.0 - 10 * math.log10(6 * 30 / 42))


def test_analog_symbols_have_unit_power_so_noise_is_n0() -> None:
    """Per-segment unit power: the error per real value is P * N0 / 2 with P the mean symbol power."""
    x = np.random.default_rng(3).normal(0, 5.0, size=200_000)
    snr_db = 10.0
    _, stats = transmit_payload(Payload("t", [Segment("s", x, transport="analog")]), ChannelConfig(snr_db=snr_db))
    power = np.mean(x[0::2] ** 2 + x[1::2] ** 2)
    assert stats.segments[0].analog_mse == pytest.approx(power * 10 ** (-snr_db / 10) / 2, rel=0.02)


def test_analog_rejects_what_it_cannot_carry() -> None:
    with pytest.raises(LinkError, match="float tensors"):
        transmit_payload(Payload("t", [Segment("s", "text", transport="analog")]), ChannelConfig())
    with pytest.raises(LinkError, match="es_n0"):
        transmit_payload(Payload("t", [Segment("s", np.zeros(4), transport="analog")]),
                         ChannelConfig(snr_type="eb_n0"))


@pytest.mark.parametrize("fmt", ["native", "float64", "float32", "float16"])
def test_float_number_formats(fmt: str) -> None:
    x = np.random.default_rng(4).normal(size=(3, 5)).astype(np.float32)
    out, stats = transmit_payload(Payload("t", [Segment("x", x, number_format=fmt)]), ChannelConfig(snr_db=math.inf))
    width = {"native": 4, "float64": 8, "float32": 4, "float16": 2}[fmt]
    assert stats.segments[0].payload_bits == 15 * width * 8
    expected = x.astype(np.float16).astype(np.float32) if fmt == "float16" else x
    assert np.array_equal(out.segment("x").content, expected)


def test_uniform_quantisation_bits_and_clipping() -> None:
    x = np.array([-5.0, -1.0, 0.0, 0.5, 1.0, 7.0])
    seg = Segment("x", x, number_format="uniform", quantization=Quantization(3, -1.0, 1.0))
    out, stats = transmit_payload(Payload("t", [seg]), ChannelConfig(snr_db=math.inf, fec="none"))
    assert stats.segments[0].payload_bits == 8 * math.ceil(6 * 3 / 8)
    assert np.allclose(out.segment("x").content, [-1, -1, 1 / 7, 3 / 7, 1, 1])


def test_config_validation_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="snr_db must lie"):
        ChannelConfig(snr_db=99)
    with pytest.raises(ValueError, match="k < n"):
        ChannelConfig(fec="rs", rs_n=30, rs_k=40)
    with pytest.raises(ValueError):
        ChannelConfig(modulation="qam1024")
