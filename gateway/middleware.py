"""ASGI middleware of the gateway: request ids, access log and metrics, API keys, the in-flight bound.

Plain ASGI (not BaseHTTPMiddleware) so the request id set here is the one the
route and the gRPC clients see, and so nothing buffers the response.
Outermost first: RequestContext -> ApiKeyAuth -> InflightLimit -> the app.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from semcom.observability import (
    HTTP_ERRORS,
    HTTP_INFLIGHT,
    HTTP_LATENCY,
    HTTP_REQUESTS,
    REQUEST_ID,
    accept_request_id,
)

log = logging.getLogger("semcom.gateway")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


async def send_error(send: Send, status: int, code: str, message: str, headers: Iterable[tuple[str, str]] = (),
                     **extra: object) -> None:
    """Answer with the gateway's JSON error body."""
    body = json.dumps({"error": {"code": code, "message": message, **extra}}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
    HTTP_ERRORS.labels(str(status), code, str(extra.get("service", ""))).inc()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class RequestContext:
    """X-Request-ID in and out, one access-log line and metric sample per request, JSON 500s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(_header(scope, b"x-request-id"))
        token = REQUEST_ID.set(request_id)
        status, started = 500, False
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        HTTP_INFLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unexpected error on %s", scope.get("path"))
            if not started:  # a body without the traceback; the log has it
                await send_error(send_with_id, 500, "internal_error", "internal error in the gateway")
        finally:
            HTTP_INFLIGHT.dec()
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "unmatched"  # templates, not raw paths
            HTTP_REQUESTS.labels(route, str(status)).inc()
            HTTP_LATENCY.labels(route).observe(elapsed)
            log.info("%s %s %d", scope.get("method"), scope.get("path"), status,
                     extra={"method": scope.get("method"), "path": scope.get("path"), "status": status,
                            "duration_ms": round(elapsed * 1e3, 3)})
            REQUEST_ID.reset(token)


class ApiKeyAuth:
    """With keys configured, every path but the health checks needs ``Authorization: Bearer <key>``
    or ``X-API-Key: <key>``; without keys it lets everything through (local use)."""

    def __init__(self, app: ASGIApp, keys: Iterable[str]) -> None:
        self.app = app
        self.keys = [k.encode() for k in keys]

    def _valid(self, scope: Scope) -> bool:
        presented = _header(scope, b"x-api-key")
        auth = _header(scope, b"authorization")
        if presented is None and auth and auth[:7].lower() == "bearer ":
            presented = auth[7:].strip()
        if not presented:
            return False
        candidate = presented.encode("latin-1")
        # Compare against every key in constant time, so timing reveals nothing.
        return any([hmac.compare_digest(candidate, key) for key in self.keys])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.keys and scope["path"] not in HEALTH_PATHS and not self._valid(scope):
            await send_error(send, 401, "unauthorized", "a valid API key is required (Authorization: Bearer <key> "
                             "or X-API-Key)", headers=[("WWW-Authenticate", 'Bearer realm="semcom"')])
            return
        await self.app(scope, receive, send)


class InflightLimit:
    """At most ``limit`` requests on the bounded paths at once; the next gets 429 with Retry-After."""

    def __init__(self, app: ASGIApp, limit: int, retry_after_s: int, paths: Iterable[str] = ("/v1/transmit",)) -> None:
        self.app, self.limit, self.retry_after_s, self.paths = app, limit, retry_after_s, frozenset(paths)
        self.inflight = 0  # one event loop: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.limit:
            await send_error(send, 429, "busy", f"the gateway is at capacity ({self.limit} requests in flight)",
                             headers=[("Retry-After", str(self.retry_after_s))], service="gateway")
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
