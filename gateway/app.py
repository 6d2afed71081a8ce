"""FastAPI routes: thin, over gateway.link.run_link.

POST /v1/transmit   image + JSON config -> reconstruction, metrics, LinkStats, timings
GET  /v1/pipelines  what each pipeline sends, its parameters, and whether the services can run it
GET  /healthz       the gateway process is up
GET  /readyz        all three services answer their gRPC health check
GET  /metrics       Prometheus metrics

Request ids, access logs, API keys and the in-flight bound live in gateway.middleware.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.availability import check_pipeline_name, describe_pipelines
from gateway.clients import SERVICES, ServiceBusy, ServiceClients
from gateway.errors import GatewayError
from gateway.link import run_link
from gateway.middleware import ApiKeyAuth, InflightLimit, RequestContext
from gateway.schemas import ErrorBody, PipelineInfo, TransmitConfig, TransmitResult
from gateway.settings import Settings
from semcom import __version__
from semcom.images import ImageError, check_image_header
from semcom.observability import HTTP_ERRORS, LINK_STAGE

log = logging.getLogger("semcom.gateway")

ERROR_RESPONSES = {
    status: {"model": ErrorBody, "description": text}
    for status, text in [
        (400, "corrupt image or malformed config"),
        (401, "API key missing or invalid (only when the gateway is configured with SEMCOM_API_KEYS)"),
        (413, "upload or image too large"),
        (415, "not an image"),
        (422, "invalid config: unknown pipeline or modulation, SNR out of range, ..."),
        (429, "the gateway or a service is at capacity; retry after the Retry-After header's seconds"),
        (502, "a service failed"),
        (503, "a service is unreachable (named in the body) or a pipeline is unavailable"),
        (504, "the link did not finish in time"),
    ]
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        app.state.clients = ServiceClients(settings)
        yield
        await app.state.clients.close()

    app = FastAPI(title="semcom gateway", version=__version__, lifespan=lifespan,
                  description="Generative semantic communication link: transmitter -> channel -> receiver.")
    app.state.settings = settings
    # Added innermost first: RequestContext -> ApiKeyAuth -> InflightLimit -> routes.
    app.add_middleware(InflightLimit, limit=settings.max_inflight, retry_after_s=settings.retry_after_s)
    app.add_middleware(ApiKeyAuth, keys=settings.api_keys)
    app.add_middleware(RequestContext)

    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, exc: GatewayError) -> JSONResponse:
        HTTP_ERRORS.labels(str(exc.status), exc.code, str(exc.extra.get("service", ""))).inc()
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, ServiceBusy) else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        HTTP_ERRORS.labels("422", "invalid_request", "").inc()
        return JSONResponse({"error": {"code": "invalid_request", "message": _describe(exc.errors())}},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        HTTP_ERRORS.labels(str(exc.status_code), code, "").inc()
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"error": {"code": "internal_error", "message": "internal error in the gateway"}},
                            status_code=500)

    ok_response = {"content": {"image/png": {}}, "description": "JSON, or the PNG when Accept: image/png"}

    @app.post("/v1/transmit", response_model=TransmitResult, responses={**ERROR_RESPONSES, 200: ok_response})
    async def transmit(
        request: Request,
        image: Annotated[UploadFile, File(description="the image to send (PNG, JPEG, ...)")],
        config: Annotated[str, Form(description="JSON TransmitConfig: pipeline, params, channel")] = "{}",
    ) -> Response:
        parsed = _parse_config(config)
        pipeline = parsed.pipeline or settings.default_pipeline
        check_pipeline_name(pipeline)
        data = await image.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise GatewayError(413, "upload_too_large", f"the upload exceeds {settings.max_upload_bytes} bytes")
        try:
            check_image_header(data, settings.max_pixels)  # 415 / 413 before any service is called
            result = await run_link(request.app.state.clients, data, parsed, pipeline, settings.request_timeout_s,
                                    settings.max_pixels)
        except ImageError as exc:
            raise GatewayError(exc.status, exc.code, str(exc)) from None
        for stage, ms in result.timings_ms.items():
            LINK_STAGE.labels(stage).observe(ms / 1000.0)
        if "image/png" in request.headers.get("accept", ""):
            summary = {"metrics": result.metrics.model_dump(), "lost": result.lost,
                       "channel_uses": result.stats.channel_uses, "bandwidth_ratio": result.stats.bandwidth_ratio}
            return Response(base64.b64decode(result.image_png_base64), media_type="image/png",
                            headers={"X-Semcom-Summary": json.dumps(summary)})
        return JSONResponse(result.model_dump(mode="json"))

    @app.get("/v1/pipelines", response_model=list[PipelineInfo])
    async def list_pipelines(request: Request) -> list[dict]:
        return await describe_pipelines(request.app.state.clients, settings.availability_timeout_s)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", responses={503: {"description": "a service is not serving"}})
    async def readyz(request: Request) -> JSONResponse:
        clients: ServiceClients = request.app.state.clients
        states = await asyncio.gather(*(clients.health(s) for s in SERVICES))
        services = {s: {"address": settings.address(s), "status": st} for s, st in zip(SERVICES, states, strict=True)}
        ready = all(st == "SERVING" for st in states)
        body = {"ready": ready, "services": services}
        if not ready:
            down = [s for s, info in services.items() if info["status"] != "SERVING"]
            body["error"] = {"code": "not_ready", "message": f"not serving: {', '.join(down)}"}
        return JSONResponse(body, status_code=200 if ready else 503)

    return app


def _parse_config(text: str) -> TransmitConfig:
    try:
        raw = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise GatewayError(400, "bad_config", f"config is not valid JSON: {exc}") from None
    try:
        return TransmitConfig.model_validate(raw)
    except ValidationError as exc:
        raise GatewayError(422, "invalid_config", _describe(exc.errors())) from None


def _describe(errors: list) -> str:
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts)
