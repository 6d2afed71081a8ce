"""Plain Python objects <-> semcom.v1 protobuf messages.

Tensors travel as raw little-endian bytes + dtype + shape. Enum names on the wire
are the upper-case forms of the names used in Python (``qam16`` <-> ``QAM16``).
"""

from __future__ import annotations

import json

import numpy as np

from semcom.channel.config import ChannelConfig, LinkStats, SegmentStats
from semcom.payload import Payload, Quantization, Segment
from semcom.v1 import semcom_pb2 as pb

_DTYPES = {
    pb.FLOAT64: "<f8",
    pb.FLOAT32: "<f4",
    pb.FLOAT16: "<f2",
    pb.UINT8: "|u1",
    pb.INT8: "|i1",
    pb.UINT16: "<u2",
    pb.INT16: "<i2",
    pb.INT32: "<i4",
    pb.INT64: "<i8",
}
_DTYPE_ENUM = {np.dtype(v).newbyteorder("<").str: k for k, v in _DTYPES.items()}

_FORMATS = {"native": pb.NATIVE, "float64": pb.AS_FLOAT64, "float32": pb.AS_FLOAT32, "float16": pb.AS_FLOAT16,
            "uniform": pb.UNIFORM}
_FORMAT_NAMES = {v: k for k, v in _FORMATS.items()} | {pb.NUMBER_FORMAT_UNSPECIFIED: "native"}
_TRANSPORTS = {"digital": pb.DIGITAL, "analog": pb.ANALOG}
_TRANSPORT_NAMES = {v: k for k, v in _TRANSPORTS.items()} | {pb.TRANSPORT_UNSPECIFIED: "digital"}


class WireError(ValueError):
    """A message that does not describe a valid payload or config."""


# ---------------------------------------------------------------- tensors
def tensor_to_pb(array: np.ndarray) -> pb.Tensor:
    le = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False)
    key = le.dtype.str
    if key not in _DTYPE_ENUM:
        raise WireError(f"dtype {array.dtype} cannot travel; use one of {sorted(_DTYPE_ENUM)}")
    return pb.Tensor(dtype=_DTYPE_ENUM[key], shape=list(array.shape), data=le.tobytes())


def tensor_from_pb(msg: pb.Tensor) -> np.ndarray:
    if msg.dtype not in _DTYPES:
        raise WireError(f"tensor has no valid dtype (got enum {msg.dtype})")
    dtype = np.dtype(_DTYPES[msg.dtype])
    shape = tuple(int(s) for s in msg.shape)
    if any(s < 0 for s in shape) or int(np.prod(shape)) * dtype.itemsize != len(msg.data):
        raise WireError(f"tensor of shape {shape} and dtype {dtype} cannot hold {len(msg.data)} bytes")
    return np.frombuffer(msg.data, dtype).reshape(shape).astype(dtype.newbyteorder("="))


# ---------------------------------------------------------------- payload
def segment_to_pb(seg: Segment) -> pb.Segment:
    msg = pb.Segment(name=seg.name, transport=_TRANSPORTS[seg.transport], number_format=_FORMATS[seg.number_format])
    if isinstance(seg.content, str):
        msg.text = seg.content
    elif isinstance(seg.content, np.ndarray):
        msg.tensor.CopyFrom(tensor_to_pb(seg.content))
    else:
        msg.data = bytes(seg.content)
    if seg.quantization is not None:
        q = seg.quantization
        msg.quantization.CopyFrom(pb.Quantization(bits=q.bits, clip_min=q.clip_min, clip_max=q.clip_max))
    return msg


def segment_from_pb(msg: pb.Segment) -> Segment:
    which = msg.WhichOneof("content")
    if which == "text":
        content: str | np.ndarray | bytes = msg.text
    elif which == "tensor":
        content = tensor_from_pb(msg.tensor)
    else:
        content = bytes(msg.data)
    fmt = _FORMAT_NAMES.get(msg.number_format)
    if fmt is None:
        raise WireError(f"segment {msg.name!r}: unknown number format {msg.number_format}")
    quant = None
    if fmt == "uniform":
        try:
            quant = Quantization(msg.quantization.bits, msg.quantization.clip_min, msg.quantization.clip_max)
        except ValueError as exc:
            raise WireError(f"segment {msg.name!r}: {exc}") from exc
    transport = _TRANSPORT_NAMES.get(msg.transport)
    if transport is None:
        raise WireError(f"segment {msg.name!r}: unknown transport {msg.transport}")
    return Segment(msg.name, content, transport, fmt, quant)  # type: ignore[arg-type]


def payload_to_pb(payload: Payload) -> pb.SemanticPayload:
    return pb.SemanticPayload(
        pipeline=payload.pipeline,
        segments=[segment_to_pb(s) for s in payload.segments],
        source_shape=list(payload.source_shape),
        header_json=payload.header_json,
    )


def payload_from_pb(msg: pb.SemanticPayload) -> Payload:
    try:
        header = json.loads(msg.header_json) if msg.header_json else {}
    except json.JSONDecodeError as exc:
        raise WireError(f"payload header is not JSON: {exc}") from exc
    return Payload(msg.pipeline, [segment_from_pb(s) for s in msg.segments], tuple(msg.source_shape), header)


# ---------------------------------------------------------------- channel config
_MODELS = {"awgn": pb.AWGN, "rayleigh_fast": pb.RAYLEIGH_FAST, "rayleigh_block": pb.RAYLEIGH_BLOCK,
           "rician": pb.RICIAN, "fixed_gain": pb.FIXED_GAIN, "bsc_qam16_theory": pb.BSC_QAM16_THEORY}
_MODULATIONS = {"bpsk": pb.BPSK, "qpsk": pb.QPSK, "qam16": pb.QAM16, "qam64": pb.QAM64, "qam256": pb.QAM256}
_SNR_TYPES = {"es_n0": pb.ES_N0, "eb_n0": pb.EB_N0}
_FECS = {"none": pb.NONE, "rs": pb.REED_SOLOMON}
_CSIS = {"perfect": pb.PERFECT, "none": pb.NO_CSI}


def _inverse(table: dict[str, int], default: str) -> dict[int, str]:
    return {v: k for k, v in table.items()} | {0: default}


def channel_config_to_pb(cfg: ChannelConfig) -> pb.ChannelConfig:
    return pb.ChannelConfig(
        model=_MODELS[cfg.model], snr_db=cfg.snr_db, snr_type=_SNR_TYPES[cfg.snr_type],
        modulation=_MODULATIONS[cfg.modulation], fec=_FECS[cfg.fec], rs_n=cfg.rs_n, rs_k=cfg.rs_k,
        interleaver_depth=cfg.interleaver_depth, coherence_symbols=cfg.coherence_symbols,
        rician_k=cfg.rician_k, gain=cfg.gain, csi=_CSIS[cfg.csi], seed=cfg.seed,
    )


def channel_config_from_pb(msg: pb.ChannelConfig) -> ChannelConfig:
    """Validate a wire config; unset numbers take the Python defaults."""
    defaults = ChannelConfig()

    def pick(table: dict[str, int], default: str, value: int, what: str) -> str:
        names = _inverse(table, default)
        if value not in names:
            raise WireError(f"unknown {what} enum value {value}")
        return names[value]

    return ChannelConfig(
        model=pick(_MODELS, "awgn", msg.model, "channel model"),
        snr_db=msg.snr_db,
        snr_type=pick(_SNR_TYPES, "es_n0", msg.snr_type, "snr type"),
        modulation=pick(_MODULATIONS, "qam16", msg.modulation, "modulation"),
        fec=pick(_FECS, defaults.fec, msg.fec, "fec"),
        rs_n=msg.rs_n or defaults.rs_n,
        rs_k=msg.rs_k or defaults.rs_k,
        interleaver_depth=msg.interleaver_depth,
        coherence_symbols=msg.coherence_symbols or defaults.coherence_symbols,
        rician_k=msg.rician_k if msg.HasField("rician_k") else defaults.rician_k,
        gain=msg.gain if msg.HasField("gain") else defaults.gain,
        csi=pick(_CSIS, "perfect", msg.csi, "csi"),
        seed=msg.seed,
    )


# ---------------------------------------------------------------- link stats
def link_stats_to_pb(stats: LinkStats) -> pb.LinkStats:
    fields = stats.model_dump(exclude={"segments"})
    segments = [
        pb.SegmentStats(**(s.model_dump(exclude={"transport"}) | {"transport": _TRANSPORTS[s.transport]}))
        for s in stats.segments
    ]
    return pb.LinkStats(segments=segments, **fields)


def link_stats_from_pb(msg: pb.LinkStats) -> LinkStats:
    segments = []
    for s in msg.segments:
        values = {f: getattr(s, f) for f in SegmentStats.model_fields if f != "transport"}
        segments.append(SegmentStats(transport=_TRANSPORT_NAMES.get(s.transport, "digital"), **values))
    values = {f: getattr(msg, f) for f in LinkStats.model_fields if f != "segments"}
    return LinkStats(segments=segments, **values)


def availability_to_pb(table: dict[str, tuple[bool, str]]) -> pb.AvailabilityResponse:
    return pb.AvailabilityResponse(pipelines=[pb.PipelineAvailability(name=n, available=ok, reason=reason)
                                              for n, (ok, reason) in table.items()])


def availability_from_pb(msg: pb.AvailabilityResponse) -> dict[str, tuple[bool, str]]:
    return {p.name: (p.available, p.reason) for p in msg.pipelines}
