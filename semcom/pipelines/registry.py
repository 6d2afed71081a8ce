"""The registry of pipelines, by name."""

from __future__ import annotations

from semcom.pipelines.base import Pipeline, PipelineError, Role

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


def availability_table(role: Role) -> dict[str, tuple[bool, str]]:
    """name -> (available, reason) for ``role``'s side of every pipeline, with this machine's models."""
    return {p.name: p.availability(role) for p in all_pipelines()}
