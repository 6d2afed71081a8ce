"""The link: a payload through FEC, modulation, channel and back, segment by segment.

Digital segment:  bytes -> RS(n, k) -> interleaver -> Gray QAM mapper -> channel
                  -> zero-forcing -> hard demapper -> deinterleaver -> RS decoder -> bytes
Analog segment:   real tensor -> complex pairs, unit average power -> channel
                  -> zero-forcing -> rescale -> real tensor
Paper channel (``bsc_qam16_theory``, Img2Img-SC): bytes -> RS -> interleaver -> each bit flips
                  with the closed-form 16-QAM AWGN BER at the SNR -> deinterleaver -> RS decoder;
                  no constellation is simulated, channel uses are counted as 16-QAM symbols.

Segment i draws its gains and noise from ``numpy.random.default_rng([seed, i])``,
so the same config and payload give the same bits.
"""

from __future__ import annotations

import math

import numpy as np

from semcom.channel import number_format
from semcom.channel.bits import bytes_to_indices, count_bit_errors, indices_to_bytes
from semcom.channel.channels import FadingSpec, apply_channel, draw_gains, equalise, flip_bits
from semcom.channel.config import PAPER_BSC_MODEL, ChannelConfig, LinkStats, SegmentStats
from semcom.channel.constellation import constellation
from semcom.channel.conventions import eb_n0_db_from_es_n0_db, es_n0_db_from_eb_n0_db, noise_variance
from semcom.channel.interleaver import deinterleave, interleave
from semcom.channel.mapper import demap_hard, map_symbols
from semcom.channel.reed_solomon import ReedSolomon
from semcom.payload import Payload, Segment


class LinkError(ValueError):
    """A payload or config the link cannot carry (the caller's mistake)."""


def es_n0_db(config: ChannelConfig) -> float:
    """The Es/N0 the digital segments see, from the configured SNR and its type."""
    if config.snr_type == "es_n0":
        return config.snr_db
    return es_n0_db_from_eb_n0_db(config.snr_db, config.bits_per_symbol, config.code_rate)


def paper_bit_error_rate(config: ChannelConfig) -> float:
    """The bit flip probability of ``bsc_qam16_theory``: the exact Gray 16-QAM AWGN BER at the link's Es/N0."""
    from semcom.channel.theory import ber_awgn  # scipy.integrate: imported only when this channel is used

    return ber_awgn("qam16", 10.0 ** (es_n0_db(config) / 10.0))


def fading_spec(config: ChannelConfig) -> FadingSpec:
    return FadingSpec(config.model, config.coherence_symbols, config.rician_k, config.gain)


def transmit_payload(payload: Payload, config: ChannelConfig) -> tuple[Payload, LinkStats]:
    """Send every segment of ``payload`` through the channel; return what arrives."""
    received: list[Segment] = []
    seg_stats: list[SegmentStats] = []
    for index, segment in enumerate(payload.segments):
        rng = np.random.default_rng([config.seed, index])
        if segment.transport == "analog":
            content, stats = transmit_analog(segment, config, rng)
        else:
            content, stats = transmit_digital(segment, config, rng)
        received.append(segment.with_content(content))
        seg_stats.append(stats)
    return Payload(payload.pipeline, received, payload.source_shape, payload.header), _summarise(
        seg_stats, payload, config
    )


def transmit_digital(
    segment: Segment, config: ChannelConfig, rng: np.random.Generator
) -> tuple[str | bytes | np.ndarray, SegmentStats]:
    const = constellation(config.modulation)
    info = number_format.to_bytes(segment)
    stats = SegmentStats(name=segment.name, transport="digital", payload_bits=8 * info.size)

    code = ReedSolomon(config.rs_n, config.rs_k) if config.fec == "rs" else None
    if code is not None:
        n_codewords = -(-info.size // code.k)
        messages = np.zeros((n_codewords, code.k), np.uint8)
        messages.ravel()[: info.size] = info
        stream = interleave(code.encode(messages), config.interleaver_depth)
        stats.codewords = n_codewords
    else:
        stream = info

    if config.model == PAPER_BSC_MODEL:
        stream_hat = flip_bits(stream, paper_bit_error_rate(config), rng)
        stats.channel_uses = -(-8 * int(stream.size) // const.bits_per_symbol)
    else:
        indices = bytes_to_indices(stream, const.bits_per_symbol)
        n0 = noise_variance(es_n0_db(config))
        gains = draw_gains(indices.size, fading_spec(config), rng)
        y = apply_channel(map_symbols(indices, const), gains, n0, rng)
        if config.csi == "perfect":
            y = equalise(y, gains)
        stream_hat = indices_to_bytes(demap_hard(y, const), const.bits_per_symbol, stream.size)
        stats.channel_uses = int(indices.size)
    stats.coded_bits = 8 * int(stream.size)
    stats.pre_fec_bit_errors = count_bit_errors(stream, stream_hat)
    if code is not None:
        result = code.decode(deinterleave(stream_hat, code.n, config.interleaver_depth))
        info_hat = result.messages.ravel()[: info.size]
        stats.failed_codewords = int(result.failed.sum())
    else:
        info_hat = stream_hat
    stats.post_fec_bit_errors = count_bit_errors(info, info_hat)
    return number_format.from_bytes(info_hat, segment), stats


def transmit_analog(
    segment: Segment, config: ChannelConfig, rng: np.random.Generator
) -> tuple[np.ndarray, SegmentStats]:
    tensor = segment.content
    if not isinstance(tensor, np.ndarray) or not np.issubdtype(tensor.dtype, np.floating):
        raise LinkError(f"segment {segment.name!r}: only float tensors can be sent analog")
    if config.snr_type != "es_n0":
        raise LinkError("Eb/N0 is undefined for analog segments (no bits); give the SNR as es_n0")
    if config.model == PAPER_BSC_MODEL:
        raise LinkError(f"segment {segment.name!r} is analog: the {PAPER_BSC_MODEL} channel flips bits, "
                        "so it carries digital segments only")
    values = tensor.astype(np.float64).ravel()
    if values.size % 2:
        values = np.append(values, 0.0)
    z = values[0::2] + 1j * values[1::2]
    power = float(np.mean(np.abs(z) ** 2)) if z.size else 0.0
    scale = math.sqrt(power) if power > 0 else 1.0

    gains = draw_gains(z.size, fading_spec(config), rng)
    y = apply_channel(z / scale, gains, noise_variance(config.snr_db), rng)
    if config.csi == "perfect":
        y = equalise(y, gains)
    z_hat = y.astype(np.complex128) * scale

    out = np.empty(2 * z_hat.size)
    out[0::2], out[1::2] = z_hat.real, z_hat.imag
    out = out[: tensor.size].reshape(tensor.shape).astype(tensor.dtype)
    mse = float(np.mean((out.astype(np.float64) - tensor.astype(np.float64)) ** 2)) if tensor.size else 0.0
    stats = SegmentStats(name=segment.name, transport="analog", channel_uses=int(z.size), analog_mse=mse)
    return out, stats


def _summarise(segments: list[SegmentStats], payload: Payload, config: ChannelConfig) -> LinkStats:
    uses = sum(s.channel_uses for s in segments)
    source_dims = int(np.prod(payload.source_shape)) if payload.source_shape else 0
    es = es_n0_db(config)
    return LinkStats(
        segments=segments,
        channel_uses=uses,
        source_dims=source_dims,
        bandwidth_ratio=uses / source_dims if source_dims else 0.0,
        bits_sent=sum(s.coded_bits for s in segments),
        pre_fec_bit_errors=sum(s.pre_fec_bit_errors for s in segments),
        post_fec_bit_errors=sum(s.post_fec_bit_errors for s in segments),
        failed_codewords=sum(s.failed_codewords for s in segments),
        es_n0_db=es,
        eb_n0_db=eb_n0_db_from_es_n0_db(es, config.bits_per_symbol, config.code_rate),
    )


def channel_uses_digital(n_bytes: int, config: ChannelConfig) -> int:
    """Complex symbols a digital segment of ``n_bytes`` takes under ``config``."""
    if config.fec == "rs":
        n_bytes = -(-n_bytes // config.rs_k) * config.rs_n
    return -(-8 * n_bytes // config.bits_per_symbol)
