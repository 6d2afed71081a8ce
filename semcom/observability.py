"""Request ids, structured JSON logs and Prometheus metrics, shared by the gateway and the services.

One request id per HTTP request: accepted from ``X-Request-ID`` or generated at the
gateway, sent to every service as the ``x-request-id`` gRPC metadata entry, held
in a context variable so every log line of that request carries it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid

from prometheus_client import Counter, Gauge, Histogram, start_http_server

REQUEST_ID_HEADER = "x-request-id"  # HTTP header and gRPC metadata key (gRPC keys are lower case)
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("semcom_request_id", default="")
# Accept a caller's id only if it is short and safe to echo in headers and logs.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: str | None) -> str:
    """The caller's id when it is well formed, else a fresh one."""
    return value if value and _VALID_ID.match(value) else new_request_id()


# ---------------------------------------------------------------- logs
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, request id and any ``extra``."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS and not k.startswith("_")})
        if record.exc_info:  # tracebacks go to the log, never into a response body
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Configure the root logger: ``fmt`` is 'json' (one object per line) or 'text'."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


# ---------------------------------------------------------------- metrics
# Latency buckets from 1 ms to 2 min: a raw 64x64 image takes ms, a generator on CPU seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

# gRPC services (label service: transmitter / channel / receiver)
RPC_REQUESTS = Counter("semcom_rpc_requests_total", "RPCs handled, by final status code",
                       ["service", "method", "code"])
RPC_LATENCY = Histogram("semcom_rpc_duration_seconds", "RPC wall time inside the service",
                        ["service", "method"], buckets=LATENCY_BUCKETS)
RPC_STAGE = Histogram("semcom_rpc_stage_seconds", "time per stage inside a service (queue: admitted, waiting "
                      "for a worker or a batch; compute: the work itself)", ["service", "stage"],
                      buckets=LATENCY_BUCKETS)
RPC_INFLIGHT = Gauge("semcom_rpc_inflight", "admitted work not finished yet (bounded by max in-flight)",
                     ["service"])
RPC_REJECTED = Counter("semcom_rpc_rejected_total", "calls refused with RESOURCE_EXHAUSTED or past their deadline",
                       ["service", "reason"])
BATCH_SIZE = Histogram("semcom_receiver_batch_size", "payloads decoded together by one decode_batch call",
                       ["pipeline"], buckets=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64))

# HTTP gateway
HTTP_REQUESTS = Counter("semcom_http_requests_total", "HTTP requests, by route and status", ["route", "status"])
HTTP_LATENCY = Histogram("semcom_http_request_duration_seconds", "HTTP request wall time", ["route"],
                         buckets=LATENCY_BUCKETS)
HTTP_INFLIGHT = Gauge("semcom_http_inflight", "HTTP requests being served")
HTTP_ERRORS = Counter("semcom_http_errors_total", "error answers, by status, error code and service named",
                      ["status", "code", "service"])
LINK_STAGE = Histogram("semcom_link_stage_seconds", "wall time per link stage as the gateway sees it "
                       "(encode, channel, decode, metrics) and each service's own compute time (*_compute)",
                       ["stage"], buckets=LATENCY_BUCKETS)
UPSTREAM_CALLS = Counter("semcom_upstream_calls_total", "gRPC calls from the gateway, by service and status code",
                         ["service", "code"])
UPSTREAM_RETRIES = Counter("semcom_upstream_retries_total", "gRPC calls retried after UNAVAILABLE", ["service"])


def start_metrics_server(host: str, port: int) -> int:
    """Serve /metrics over HTTP in a background thread; returns the port bound."""
    server, _thread = start_http_server(port, addr=host)
    return int(server.server_address[1])
