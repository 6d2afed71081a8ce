"""Any SemanticPayload survives the wire format and the channel service at infinite SNR unchanged.

Property test (hypothesis): random segments (text, bytes, tensors of every dtype
the wire supports, in their own or a wider float format, uniform quantisation on
its grid, analog float tensors) under random channel models, modulations, codes
and interleavers with perfect CSI. Digital segments come back bit for bit; analog
ones equal up to float rounding.
"""

from __future__ import annotations

import math
import os

import grpc
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from semcom.channel.config import ChannelConfig
from semcom.payload import Payload, Quantization, Segment
from semcom.v1 import semcom_pb2 as pb
from semcom.v1 import semcom_pb2_grpc as rpc
from semcom.wire.convert import channel_config_to_pb, payload_from_pb, payload_to_pb

DTYPES = ["float64", "float32", "float16", "uint8", "int8", "uint16", "int16", "int32", "int64"]
WIDER = {"float16": ["float16", "float32", "float64"], "float32": ["float32", "float64"], "float64": ["float64"]}
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)
names = st.text(min_size=1, max_size=12)


@st.composite
def digital_tensor(draw: st.DrawFn) -> Segment:
    dtype = draw(st.sampled_from(DTYPES))
    array = draw(hnp.arrays(np.dtype(dtype), shapes))  # any values, NaN and inf included
    fmt = "native"
    if dtype in WIDER:
        wider = draw(st.sampled_from(WIDER[dtype]))
        fmt = "native" if wider == dtype else wider
    return Segment(draw(names), array, "digital", fmt)  # type: ignore[arg-type]


@st.composite
def quantised_tensor(draw: st.DrawFn) -> Segment:
    """Values on the quantiser's grid, so quantisation loses nothing."""
    bits = draw(st.integers(1, 16))
    lo = draw(st.floats(-1e3, 1e3))
    hi = lo + draw(st.floats(1e-3, 1e3))
    shape = draw(shapes)
    codes = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, (1 << bits) - 1)))
    values = lo + codes / ((1 << bits) - 1) * (hi - lo)
    return Segment(draw(names), np.asarray(values, np.float64), "digital", "uniform", Quantization(bits, lo, hi))


@st.composite
def analog_tensor(draw: st.DrawFn) -> Segment:
    dtype = draw(st.sampled_from(["float16", "float32", "float64"]))
    bound = 6e4 if dtype == "float16" else 1e6  # finite: the power normalisation needs it
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=np.dtype(dtype).itemsize * 8)
    return Segment(draw(names), draw(hnp.arrays(np.dtype(dtype), shapes, elements=elements)), "analog")


segments = st.one_of(
    st.builds(Segment, names, st.text(max_size=200)),
    st.builds(Segment, names, st.binary(max_size=600)),
    digital_tensor(),
    quantised_tensor(),
    analog_tensor(),
)


@st.composite
def channel_configs(draw: st.DrawFn) -> ChannelConfig:
    fec = draw(st.sampled_from(["none", "rs"]))
    rs_n = draw(st.integers(3, 255))
    return ChannelConfig(
        model=draw(st.sampled_from(["awgn", "rayleigh_fast", "rayleigh_block", "rician", "fixed_gain"])),
        snr_db=math.inf,
        modulation=draw(st.sampled_from(["bpsk", "qpsk", "qam16", "qam64", "qam256"])),
        fec=fec, rs_n=rs_n, rs_k=draw(st.integers(1, rs_n - 1)),
        interleaver_depth=draw(st.integers(0, 4)),
        coherence_symbols=draw(st.integers(1, 64)),
        csi="perfect",
        seed=draw(st.integers(0, 2**63 - 1)),
    )


payloads = st.builds(
    Payload,
    pipeline=st.text(max_size=10),
    segments=st.lists(segments, max_size=5),
    source_shape=st.tuples(st.integers(1, 4096), st.integers(1, 4096), st.just(3)),
    header=st.dictionaries(st.text(max_size=8), st.one_of(st.integers(-(2**53), 2**53), st.text(max_size=20)),
                           max_size=4),
)


@pytest.fixture(scope="module")
def channel_stub(services):
    with grpc.insecure_channel(services["channel"].address) as channel:
        yield rpc.ChannelStub(channel)


def through_channel(stub: rpc.ChannelStub, payload: Payload, config: ChannelConfig) -> Payload:
    wire = pb.TransmitRequest(payload=payload_to_pb(payload), config=channel_config_to_pb(config))
    request = pb.TransmitRequest.FromString(wire.SerializeToString())  # bytes, as on the network
    reply = stub.Transmit(request, timeout=30)
    return payload_from_pb(reply.payload)


def assert_same_segment(sent: Segment, got: Segment) -> None:
    assert (got.name, got.transport, got.number_format, got.quantization) == (
        sent.name, sent.transport, sent.number_format, sent.quantization)
    if not isinstance(sent.content, np.ndarray):
        assert type(got.content) is type(sent.content) and got.content == sent.content
        return
    assert isinstance(got.content, np.ndarray)
    assert got.content.dtype == sent.content.dtype and got.content.shape == sent.content.shape
    if sent.transport == "digital":
        assert got.content.tobytes() == sent.content.tobytes()  # bit for bit, NaN payloads included
    else:
        scale = float(np.max(np.abs(sent.content.astype(np.float64)), initial=1.0))
        np.testing.assert_allclose(got.content, sent.content, rtol=2 * np.finfo(sent.content.dtype).eps,
                                   atol=64 * np.finfo(np.float64).eps * scale)


EXAMPLES = int(os.environ.get("SEMCOM_HYPOTHESIS_EXAMPLES", "60"))  # more for a deeper search


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(payload=payloads, config=channel_configs())
def test_any_payload_survives_the_channel_at_infinite_snr(channel_stub, payload: Payload,
                                                           config: ChannelConfig) -> None:
    got = through_channel(channel_stub, payload, config)
    assert got.pipeline == payload.pipeline and got.header == payload.header
    assert got.source_shape == payload.source_shape
    assert len(got.segments) == len(payload.segments)
    for sent, received in zip(payload.segments, got.segments, strict=True):
        assert_same_segment(sent, received)
