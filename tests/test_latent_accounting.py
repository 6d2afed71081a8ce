"""Payload accounting: Img2Img-SC's Table 1 for 512 x 512 images, from the shapes and from a real link's LinkStats."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semcom import accounting
from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.payload import Payload, Segment

CAPTION = "a red barn in a field with mountains in the background and a blue sky above it"[:77]


def test_paper_table_1() -> None:
    table = accounting.paper_table()
    rows = {r.item: r for r in table.rows}
    assert rows["latent"].shape == "[4, 64, 64]" and rows["latent"].bytes == 131_072
    assert rows["text"].bytes == 77
    assert rows["image"].shape == "[3, 512, 512]" and rows["image"].bytes == 6_291_456
    assert table.ratio_to_float64_image == pytest.approx((131_072 + 77) / 6_291_456)
    print("\n" + table.table())


def test_table_from_a_real_transmission() -> None:
    """The same numbers read off LinkStats (payload_bits per segment), and the channel-use bandwidth ratio."""
    latent = np.random.default_rng(0).normal(size=(4, 64, 64))
    payload = Payload("caption+latent", [Segment("caption", CAPTION), Segment("latent", latent,
                                                                             number_format="float64")], (512, 512, 3))
    config = ChannelConfig(snr_db=math.inf, modulation="qam16", fec="rs", rs_n=255, rs_k=223)
    _, stats = transmit_payload(payload, config)
    table = accounting.from_stats(stats, payload.source_shape, {"latent": "[4, 64, 64]"}, {"latent": "float64"})
    rows = {r.item: r.bytes for r in table.rows}
    assert rows == {"caption": 77, "latent": 131_072, "image": 6_291_456}
    latent_uses = math.ceil(131_072 / 223) * 255 * 8 // 4  # RS(255,223) codewords, 4 bits per 16-QAM symbol
    assert stats.segments[1].channel_uses == latent_uses
    assert table.bandwidth_ratio == pytest.approx(stats.channel_uses / (512 * 512 * 3))
    print("\n" + table.table())


@pytest.mark.parametrize(("fmt", "latent_bytes"), [("float32", 65_536), ("float16", 32_768)])
def test_other_number_formats(fmt: str, latent_bytes: int) -> None:
    assert {r.item: r.bytes for r in accounting.paper_table(number_format=fmt).rows}["latent"] == latent_bytes
