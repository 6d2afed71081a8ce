"""Which pipelines the link can run, in the words of the services that run them.

The transmitter and receiver may sit on different machines with different
models (a captioner on one, a generator on the other), so the gateway's own
installation says nothing: it asks each service about its side of the link
(cached, see :meth:`~gateway.clients.ServiceClients.availability`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.clients import ServiceClients
from gateway.errors import GatewayError
from semcom import pipelines

SIDES = ("transmitter", "receiver")


def check_pipeline_name(name: str) -> None:
    """422 for a pipeline no service knows, before anything else is done."""
    try:
        pipelines.get(name)
    except pipelines.UnknownPipeline as exc:
        raise GatewayError(422, "unknown_pipeline", str(exc)) from None


def _side(table: dict[str, tuple[bool, str]] | None, name: str, service: str) -> tuple[bool, str]:
    if table is None:  # the service does not report availability: let it answer the request itself
        return True, ""
    return table.get(name, (False, f"the {service} service does not know pipeline {name!r} (another version?)"))


async def _ask_both_sides(clients: ServiceClients, timeout: float) -> list:
    """Each side's table (or None), or the error met asking it, in link order."""
    return await asyncio.gather(*(clients.availability(s, timeout) for s in SIDES), return_exceptions=True)


async def check_availability(clients: ServiceClients, name: str, timeout: float) -> None:
    """503 naming the service whose side of ``name`` cannot run (missing weights or packages there)."""
    tables = await _ask_both_sides(clients, timeout)
    for service, table in zip(SIDES, tables, strict=True):  # in link order, so the error named is deterministic
        if isinstance(table, BaseException):
            raise table
        ok, reason = _side(table, name, service)
        if not ok:
            raise GatewayError(503, "pipeline_unavailable",
                               f"pipeline {name!r} is unavailable at the {service} service: {reason}", service=service)


async def describe_pipelines(clients: ServiceClients, timeout: float) -> list[dict[str, Any]]:
    """Every pipeline's description with ``available`` as the services report it.

    An unreachable service makes every pipeline unavailable with a reason naming it,
    rather than failing the listing.
    """
    answers = await _ask_both_sides(clients, timeout)
    listing = []
    for pipe in pipelines.all_pipelines():
        info = pipe.describe()
        reasons = []
        for service, answer in zip(SIDES, answers, strict=True):
            if isinstance(answer, GatewayError):
                reasons.append(answer.message)
                continue
            if isinstance(answer, BaseException):
                raise answer
            ok, reason = _side(answer, pipe.name, service)
            if not ok:
                reasons.append(f"at the {service} service: {reason}")
        info["available"], info["unavailable_reason"] = not reasons, "; ".join(reasons) or None
        listing.append(info)
    return listing
