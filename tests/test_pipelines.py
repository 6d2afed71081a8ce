"""Pipelines as plain functions: encode -> link -> decode without any network."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from receiver_service.decode import decode_payload
from semcom import pipelines
from semcom.channel.config import ChannelConfig
from semcom.channel.link import channel_uses_digital, transmit_payload
from semcom.metrics import psnr
from semcom.pipelines.jpeg import jpeg_bytes
from tests.conftest import png_bytes, sample_image
from transmitter_service.encode import encode_image


def round_trip(name: str, image: np.ndarray, channel: ChannelConfig, params: dict | None = None):
    payload = encode_image(name, png_bytes(image), params, channel)
    received, stats = transmit_payload(payload, channel)
    return payload, decode_payload(received, stats), stats


def test_registry_lists_and_rejects() -> None:
    assert {"raw", "jpeg"} <= set(pipelines.names())
    with pytest.raises(pipelines.UnknownPipeline, match="available: .*jpeg, .*raw"):
        pipelines.get("nope")
    described = pipelines.get("jpeg").describe()
    assert described["available"] and "quality" in described["params_schema"]["properties"]


def test_raw_is_exact_without_noise() -> None:
    img = sample_image()
    _, decoded, stats = round_trip("raw", img, ChannelConfig(snr_db=math.inf))
    assert np.array_equal(decoded.image, img)
    assert stats.bandwidth_ratio == pytest.approx(channel_uses_digital(img.size, ChannelConfig()) / img.size)


def test_jpeg_fits_the_budget_with_the_highest_quality() -> None:
    img = sample_image(128, 160)
    channel = ChannelConfig(modulation="qam64", fec="rs", rs_n=42, rs_k=30)
    budget = channel_uses_digital(len(jpeg_bytes(img, 60)), channel)
    payload, _, stats = round_trip("jpeg", img, channel, {"channel_uses": budget})
    quality = payload.header["quality"]
    assert quality >= 60 and stats.channel_uses <= budget
    assert quality == 95 or channel_uses_digital(len(jpeg_bytes(img, quality + 1)), channel) > budget


def test_jpeg_budget_too_small_is_a_clear_error() -> None:
    with pytest.raises(pipelines.PipelineError, match="too small"):
        encode_image("jpeg", png_bytes(sample_image()), {"channel_uses": 10}, ChannelConfig())


def test_bad_params_are_a_clear_error() -> None:
    with pytest.raises(pipelines.PipelineError, match="quality"):
        encode_image("jpeg", png_bytes(sample_image()), {"quality": 0}, ChannelConfig())
    with pytest.raises(pipelines.PipelineError, match="Extra inputs"):
        encode_image("raw", png_bytes(sample_image()), {"bogus": 1}, ChannelConfig())


def test_jpeg_cliff_clean_then_lost() -> None:
    img = sample_image(128, 160)
    good = round_trip("jpeg", img, ChannelConfig(snr_db=25.0))[1]
    assert not good.lost and psnr(img, good.image) > 30
    bad = round_trip("jpeg", img, ChannelConfig(snr_db=4.0))[1]
    assert bad.lost and ("undecodable" in bad.reason or "header corrupted" in bad.reason)
    assert bad.image.shape == img.shape


def test_jpeg_decoder_keeps_the_decodable_part_of_a_damaged_stream() -> None:
    """A stream cut short by lost codewords still yields the rows that arrived."""
    img = sample_image(128, 160)
    data = jpeg_bytes(img, 80)
    payload = encode_image("jpeg", png_bytes(img), {"quality": 80}, ChannelConfig())
    cut = payload.segments[0].with_content(data[: len(data) * 2 // 3])
    decoded = pipelines.get("jpeg").decode(type(payload)("jpeg", [cut], payload.source_shape, payload.header), None)
    assert not decoded.lost
    top = slice(0, 32)
    assert psnr(img[top], decoded.image[top]) > 30
    assert Image.open(io.BytesIO(data)).size == (160, 128)
