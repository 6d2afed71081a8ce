from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DTYPE_UNSPECIFIED: _ClassVar[DType]
    FLOAT64: _ClassVar[DType]
    FLOAT32: _ClassVar[DType]
    FLOAT16: _ClassVar[DType]
    UINT8: _ClassVar[DType]
    INT8: _ClassVar[DType]
    UINT16: _ClassVar[DType]
    INT16: _ClassVar[DType]
    INT32: _ClassVar[DType]
    INT64: _ClassVar[DType]

class Transport(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSPORT_UNSPECIFIED: _ClassVar[Transport]
    DIGITAL: _ClassVar[Transport]
    ANALOG: _ClassVar[Transport]

class NumberFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NUMBER_FORMAT_UNSPECIFIED: _ClassVar[NumberFormat]
    NATIVE: _ClassVar[NumberFormat]
    AS_FLOAT64: _ClassVar[NumberFormat]
    AS_FLOAT32: _ClassVar[NumberFormat]
    AS_FLOAT16: _ClassVar[NumberFormat]
    UNIFORM: _ClassVar[NumberFormat]

class ChannelModel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_MODEL_UNSPECIFIED: _ClassVar[ChannelModel]
    AWGN: _ClassVar[ChannelModel]
    RAYLEIGH_FAST: _ClassVar[ChannelModel]
    RAYLEIGH_BLOCK: _ClassVar[ChannelModel]
    RICIAN: _ClassVar[ChannelModel]
    FIXED_GAIN: _ClassVar[ChannelModel]
    BSC_QAM16_THEORY: _ClassVar[ChannelModel]

class SnrType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SNR_TYPE_UNSPECIFIED: _ClassVar[SnrType]
    ES_N0: _ClassVar[SnrType]
    EB_N0: _ClassVar[SnrType]

class Modulation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODULATION_UNSPECIFIED: _ClassVar[Modulation]
    BPSK: _ClassVar[Modulation]
    QPSK: _ClassVar[Modulation]
    QAM16: _ClassVar[Modulation]
    QAM64: _ClassVar[Modulation]
    QAM256: _ClassVar[Modulation]

class Fec(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEC_UNSPECIFIED: _ClassVar[Fec]
    NONE: _ClassVar[Fec]
    REED_SOLOMON: _ClassVar[Fec]

class Csi(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CSI_UNSPECIFIED: _ClassVar[Csi]
    PERFECT: _ClassVar[Csi]
    NO_CSI: _ClassVar[Csi]
DTYPE_UNSPECIFIED: DType
FLOAT64: DType
FLOAT32: DType
FLOAT16: DType
UINT8: DType
INT8: DType
UINT16: DType
INT16: DType
INT32: DType
INT64: DType
TRANSPORT_UNSPECIFIED: Transport
DIGITAL: Transport
ANALOG: Transport
NUMBER_FORMAT_UNSPECIFIED: NumberFormat
NATIVE: NumberFormat
AS_FLOAT64: NumberFormat
AS_FLOAT32: NumberFormat
AS_FLOAT16: NumberFormat
UNIFORM: NumberFormat
CHANNEL_MODEL_UNSPECIFIED: ChannelModel
AWGN: ChannelModel
RAYLEIGH_FAST: ChannelModel
RAYLEIGH_BLOCK: ChannelModel
RICIAN: ChannelModel
FIXED_GAIN: ChannelModel
BSC_QAM16_THEORY: ChannelModel
SNR_TYPE_UNSPECIFIED: SnrType
ES_N0: SnrType
EB_N0: SnrType
MODULATION_UNSPECIFIED: Modulation
BPSK: Modulation
QPSK: Modulation
QAM16: Modulation
QAM64: Modulation
QAM256: Modulation
FEC_UNSPECIFIED: Fec
NONE: Fec
REED_SOLOMON: Fec
CSI_UNSPECIFIED: Csi
PERFECT: Csi
NO_CSI: Csi

class Tensor(_message.Message):
    __slots__ = ("dtype", "shape", "data")
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    dtype: DType
    shape: _containers.RepeatedScalarFieldContainer[int]
    data: bytes
    def __init__(self, dtype: _Optional[_Union[DType, str]] = ..., shape: _Optional[_Iterable[int]] = ..., data: _Optional[bytes] = ...) -> None: ...

class Quantization(_message.Message):
    __slots__ = ("bits", "clip_min", "clip_max")
    BITS_FIELD_NUMBER: _ClassVar[int]
    CLIP_MIN_FIELD_NUMBER: _ClassVar[int]
    CLIP_MAX_FIELD_NUMBER: _ClassVar[int]
    bits: int
    clip_min: float
    clip_max: float
    def __init__(self, bits: _Optional[int] = ..., clip_min: _Optional[float] = ..., clip_max: _Optional[float] = ...) -> None: ...

class Segment(_message.Message):
    __slots__ = ("name", "transport", "text", "tensor", "data", "number_format", "quantization")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TENSOR_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FORMAT_FIELD_NUMBER: _ClassVar[int]
    QUANTIZATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    transport: Transport
    text: str
    tensor: Tensor
    data: bytes
    number_format: NumberFormat
    quantization: Quantization
    def __init__(self, name: _Optional[str] = ..., transport: _Optional[_Union[Transport, str]] = ..., text: _Optional[str] = ..., tensor: _Optional[_Union[Tensor, _Mapping]] = ..., data: _Optional[bytes] = ..., number_format: _Optional[_Union[NumberFormat, str]] = ..., quantization: _Optional[_Union[Quantization, _Mapping]] = ...) -> None: ...

class SemanticPayload(_message.Message):
    __slots__ = ("pipeline", "segments", "source_shape", "header_json")
    PIPELINE_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SHAPE_FIELD_NUMBER: _ClassVar[int]
    HEADER_JSON_FIELD_NUMBER: _ClassVar[int]
    pipeline: str
    segments: _containers.RepeatedCompositeFieldContainer[Segment]
    source_shape: _containers.RepeatedScalarFieldContainer[int]
    header_json: str
    def __init__(self, pipeline: _Optional[str] = ..., segments: _Optional[_Iterable[_Union[Segment, _Mapping]]] = ..., source_shape: _Optional[_Iterable[int]] = ..., header_json: _Optional[str] = ...) -> None: ...

class ChannelConfig(_message.Message):
    __slots__ = ("model", "snr_db", "snr_type", "modulation", "fec", "rs_n", "rs_k", "interleaver_depth", "coherence_symbols", "rician_k", "gain", "csi", "seed")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SNR_DB_FIELD_NUMBER: _ClassVar[int]
    SNR_TYPE_FIELD_NUMBER: _ClassVar[int]
    MODULATION_FIELD_NUMBER: _ClassVar[int]
    FEC_FIELD_NUMBER: _ClassVar[int]
    RS_N_FIELD_NUMBER: _ClassVar[int]
    RS_K_FIELD_NUMBER: _ClassVar[int]
    INTERLEAVER_DEPTH_FIELD_NUMBER: _ClassVar[int]
    COHERENCE_SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    RICIAN_K_FIELD_NUMBER: _ClassVar[int]
    GAIN_FIELD_NUMBER: _ClassVar[int]
    CSI_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    model: ChannelModel
    snr_db: float
    snr_type: SnrType
    modulation: Modulation
    fec: Fec
    rs_n: int
    rs_k: int
    interleaver_depth: int
    coherence_symbols: int
    rician_k: float
    gain: float
    csi: Csi
    seed: int
    def __init__(self, model: _Optional[_Union[ChannelModel, str]] = ..., snr_db: _Optional[float] = ..., snr_type: _Optional[_Union[SnrType, str]] = ..., modulation: _Optional[_Union[Modulation, str]] = ..., fec: _Optional[_Union[Fec, str]] = ..., rs_n: _Optional[int] = ..., rs_k: _Optional[int] = ..., interleaver_depth: _Optional[int] = ..., coherence_symbols: _Optional[int] = ..., rician_k: _Optional[float] = ..., gain: _Optional[float] = ..., csi: _Optional[_Union[Csi, str]] = ..., seed: _Optional[int] = ...) -> None: ...

class SegmentStats(_message.Message):
    __slots__ = ("name", "transport", "channel_uses", "payload_bits", "coded_bits", "pre_fec_bit_errors", "post_fec_bit_errors", "codewords", "failed_codewords", "analog_mse")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_USES_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_BITS_FIELD_NUMBER: _ClassVar[int]
    CODED_BITS_FIELD_NUMBER: _ClassVar[int]
    PRE_FEC_BIT_ERRORS_FIELD_NUMBER: _ClassVar[int]
    POST_FEC_BIT_ERRORS_FIELD_NUMBER: _ClassVar[int]
    CODEWORDS_FIELD_NUMBER: _ClassVar[int]
    FAILED_CODEWORDS_FIELD_NUMBER: _ClassVar[int]
    ANALOG_MSE_FIELD_NUMBER: _ClassVar[int]
    name: str
    transport: Transport
    channel_uses: int
    payload_bits: int
    coded_bits: int
    pre_fec_bit_errors: int
    post_fec_bit_errors: int
    codewords: int
    failed_codewords: int
    analog_mse: float
    def __init__(self, name: _Optional[str] = ..., transport: _Optional[_Union[Transport, str]] = ..., channel_uses: _Optional[int] = ..., payload_bits: _Optional[int] = ..., coded_bits: _Optional[int] = ..., pre_fec_bit_errors: _Optional[int] = ..., post_fec_bit_errors: _Optional[int] = ..., codewords: _Optional[int] = ..., failed_codewords: _Optional[int] = ..., analog_mse: _Optional[float] = ...) -> None: ...

class LinkStats(_message.Message):
    __slots__ = ("segments", "channel_uses", "source_dims", "bandwidth_ratio", "bits_sent", "pre_fec_bit_errors", "post_fec_bit_errors", "failed_codewords", "es_n0_db", "eb_n0_db", "compute_ms")
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_USES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DIMS_FIELD_NUMBER: _ClassVar[int]
    BANDWIDTH_RATIO_FIELD_NUMBER: _ClassVar[int]
    BITS_SENT_FIELD_NUMBER: _ClassVar[int]
    PRE_FEC_BIT_ERRORS_FIELD_NUMBER: _ClassVar[int]
    POST_FEC_BIT_ERRORS_FIELD_NUMBER: _ClassVar[int]
    FAILED_CODEWORDS_FIELD_NUMBER: _ClassVar[int]
    ES_N0_DB_FIELD_NUMBER: _ClassVar[int]
    EB_N0_DB_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_MS_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedCompositeFieldContainer[SegmentStats]
    channel_uses: int
    source_dims: int
    bandwidth_ratio: float
    bits_sent: int
    pre_fec_bit_errors: int
    post_fec_bit_errors: int
    failed_codewords: int
    es_n0_db: float
    eb_n0_db: float
    compute_ms: float
    def __init__(self, segments: _Optional[_Iterable[_Union[SegmentStats, _Mapping]]] = ..., channel_uses: _Optional[int] = ..., source_dims: _Optional[int] = ..., bandwidth_ratio: _Optional[float] = ..., bits_sent: _Optional[int] = ..., pre_fec_bit_errors: _Optional[int] = ..., post_fec_bit_errors: _Optional[int] = ..., failed_codewords: _Optional[int] = ..., es_n0_db: _Optional[float] = ..., eb_n0_db: _Optional[float] = ..., compute_ms: _Optional[float] = ...) -> None: ...

class EncodeRequest(_message.Message):
    __slots__ = ("pipeline", "image", "params_json", "channel")
    PIPELINE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    PARAMS_JSON_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    pipeline: str
    image: bytes
    params_json: str
    channel: ChannelConfig
    def __init__(self, pipeline: _Optional[str] = ..., image: _Optional[bytes] = ..., params_json: _Optional[str] = ..., channel: _Optional[_Union[ChannelConfig, _Mapping]] = ...) -> None: ...

class EncodeResponse(_message.Message):
    __slots__ = ("payload", "compute_ms")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_MS_FIELD_NUMBER: _ClassVar[int]
    payload: SemanticPayload
    compute_ms: float
    def __init__(self, payload: _Optional[_Union[SemanticPayload, _Mapping]] = ..., compute_ms: _Optional[float] = ...) -> None: ...

class TransmitRequest(_message.Message):
    __slots__ = ("payload", "config")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    payload: SemanticPayload
    config: ChannelConfig
    def __init__(self, payload: _Optional[_Union[SemanticPayload, _Mapping]] = ..., config: _Optional[_Union[ChannelConfig, _Mapping]] = ...) -> None: ...

class TransmitResponse(_message.Message):
    __slots__ = ("payload", "stats")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    payload: SemanticPayload
    stats: LinkStats
    def __init__(self, payload: _Optional[_Union[SemanticPayload, _Mapping]] = ..., stats: _Optional[_Union[LinkStats, _Mapping]] = ...) -> None: ...

class DecodeRequest(_message.Message):
    __slots__ = ("payload", "stats")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    payload: SemanticPayload
    stats: LinkStats
    def __init__(self, payload: _Optional[_Union[SemanticPayload, _Mapping]] = ..., stats: _Optional[_Union[LinkStats, _Mapping]] = ...) -> None: ...

class DecodeResponse(_message.Message):
    __slots__ = ("image_png", "lost", "reason", "info_json", "compute_ms")
    IMAGE_PNG_FIELD_NUMBER: _ClassVar[int]
    LOST_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INFO_JSON_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_MS_FIELD_NUMBER: _ClassVar[int]
    image_png: bytes
    lost: bool
    reason: str
    info_json: str
    compute_ms: float
    def __init__(self, image_png: _Optional[bytes] = ..., lost: _Optional[bool] = ..., reason: _Optional[str] = ..., info_json: _Optional[str] = ..., compute_ms: _Optional[float] = ...) -> None: ...

class AvailabilityRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PipelineAvailability(_message.Message):
    __slots__ = ("name", "available", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    available: bool
    reason: str
    def __init__(self, name: _Optional[str] = ..., available: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class AvailabilityResponse(_message.Message):
    __slots__ = ("pipelines",)
    PIPELINES_FIELD_NUMBER: _ClassVar[int]
    pipelines: _containers.RepeatedCompositeFieldContainer[PipelineAvailability]
    def __init__(self, pipelines: _Optional[_Iterable[_Union[PipelineAvailability, _Mapping]]] = ...) -> None: ...
