"""Errors the gateway answers with, each a JSON body {"error": {"code", "message", ...}}."""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


def service_unavailable(service: str, address: str, detail: str) -> GatewayError:
    return GatewayError(503, "service_unavailable", f"the {service} service at {address} is unreachable: {detail}",
                        service=service)
