"""Pipelines: encoder / decoder pairs, looked up by name.

To add one: subclass :class:`~semcom.pipelines.base.Pipeline` in its own module
and register an instance below. The services need no change.
"""

from semcom.pipelines.base import Decoded, Pipeline, PipelineError, PipelineUnavailable, Role
from semcom.pipelines.caption import CaptionPipeline
from semcom.pipelines.jpeg import JpegPipeline
from semcom.pipelines.latent import CaptionLatentPipeline, LatentPipeline
from semcom.pipelines.raw import RawPipeline
from semcom.pipelines.registry import UnknownPipeline, all_pipelines, availability_table, get, names, register
from semcom.pipelines.swin_jscc import SwinJsccPipeline
from semcom.pipelines.swin_jscc_cdm import SwinJsccCdmPipeline

register(RawPipeline())
register(JpegPipeline())
register(SwinJsccPipeline())
register(SwinJsccCdmPipeline())
register(CaptionPipeline())
register(CaptionLatentPipeline())
register(LatentPipeline())

__all__ = [
    "Decoded",
    "Pipeline",
    "PipelineError",
    "PipelineUnavailable",
    "Role",
    "UnknownPipeline",
    "all_pipelines",
    "availability_table",
    "get",
    "names",
    "register",
]
