"""The wire format: generated stubs match proto/, conversions are lossless."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from semcom.channel.config import ChannelConfig, LinkStats, SegmentStats
from semcom.payload import Payload, Quantization, Segment
from semcom.v1 import semcom_pb2 as pb
from semcom.wire import convert
from semcom.wire.generate import generate

REPO = Path(__file__).resolve().parents[1]


def test_generated_stubs_match_proto(tmp_path: Path) -> None:
    """Regenerate from proto/ with the pinned grpcio-tools; the committed stubs must be identical."""
    fresh = generate(tmp_path)
    assert {p.name for p in fresh} == {"semcom_pb2.py", "semcom_pb2.pyi", "semcom_pb2_grpc.py"}
    for path in fresh:
        committed = REPO / "semcom" / "v1" / path.name
        assert committed.read_text() == path.read_text(), (
            f"{committed} drifted from proto/: run `python -m semcom.wire.generate`"
        )


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "uint8", "int8", "uint16", "int16", "int32",
                                   "int64"])
def test_tensor_round_trip_little_endian(dtype: str) -> None:
    x = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    msg = convert.tensor_to_pb(x)
    assert msg.data == x.astype(np.dtype(dtype).newbyteorder("<")).tobytes()
    y = convert.tensor_from_pb(msg)
    assert y.dtype == x.dtype and np.array_equal(x, y)


def test_big_endian_input_travels_little_endian() -> None:
    x = np.arange(5, dtype=">f4")
    msg = convert.tensor_to_pb(x)
    assert np.array_equal(np.frombuffer(msg.data, "<f4"), x)


def test_tensor_size_mismatch_is_rejected() -> None:
    with pytest.raises(convert.WireError, match="cannot hold"):
        convert.tensor_from_pb(pb.Tensor(dtype=pb.FLOAT32, shape=[3], data=b"\0" * 8))


def test_payload_round_trip() -> None:
    payload = Payload(
        "p",
        [Segment("t", "héllo"), Segment("b", b"\x00\xff"),
         Segment("x", np.ones((2, 2), np.float32), "analog"),
         Segment("q", np.zeros(3), number_format="uniform", quantization=Quantization(4, -2.0, 2.0))],
        (8, 8, 3), {"quality": 50},
    )
    back = convert.payload_from_pb(pb.SemanticPayload.FromString(convert.payload_to_pb(payload).SerializeToString()))
    assert back.pipeline == "p" and back.source_shape == (8, 8, 3) and back.header == {"quality": 50}
    assert back.segments[0] == payload.segments[0] and back.segments[1] == payload.segments[1]
    assert back.segments[2].transport == "analog" and np.array_equal(back.segments[2].content, np.ones((2, 2)))
    assert back.segments[3].quantization == Quantization(4, -2.0, 2.0)


def test_channel_config_round_trip_and_defaults() -> None:
    cfg = ChannelConfig(model="rician", rician_k=0.0, snr_db=-3.5, snr_type="eb_n0", modulation="qam256", fec="rs",
                        rs_n=42, rs_k=30, interleaver_depth=8, coherence_symbols=7, csi="none", seed=2**40)
    assert convert.channel_config_from_pb(convert.channel_config_to_pb(cfg)) == cfg
    inf = ChannelConfig(snr_db=math.inf)
    assert convert.channel_config_from_pb(convert.channel_config_to_pb(inf)).snr_db == math.inf
    default = convert.channel_config_from_pb(pb.ChannelConfig(snr_db=10))
    assert default == ChannelConfig(snr_db=10)


def test_bad_enum_values_are_rejected() -> None:
    with pytest.raises(convert.WireError, match="modulation"):
        convert.channel_config_from_pb(pb.ChannelConfig(modulation=99))


def test_link_stats_round_trip() -> None:
    stats = LinkStats(segments=[SegmentStats(name="a", transport="analog", channel_uses=5, analog_mse=0.5)],
                      channel_uses=5, source_dims=12, bandwidth_ratio=5 / 12, es_n0_db=3.0)
    assert convert.link_stats_from_pb(convert.link_stats_to_pb(stats)) == stats
