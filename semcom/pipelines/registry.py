"""The registry of pipelines, by name."""

from __future__ import annotations

from semcom.pipelines.base import Pipeline, PipelineError

_PIPELINES: dict[str, Pipeline] = {}


class UnknownPipeline(PipelineError):
    pass


def register(pipeline: Pipeline) -> Pipeline:
    if pipeline.name in _PIPELINES:
        raise ValueError(f"pipeline {pipeline.name!r} is registered twice")
    _PIPELINES[pipeline.name] = pipeline
    return pipeline


def get(name: str) -> Pipeline:
    try:
        return _PIPELINES[name]
    except KeyError:
        raise UnknownPipeline(f"unknown pipeline {name!r}; available: {', '.join(sorted(_PIPELINES))}") from None


def names() -> list[str]:
    return sorted(_PIPELINES)


def all_pipelines() -> list[Pipeline]:
    return [_PIPELINES[n] for n in names()]
