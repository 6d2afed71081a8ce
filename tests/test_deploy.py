"""The deployment files: docker compose validates them, and they say what the issue asks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from semcom import healthcheck

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"


def compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) or `docker-compose` (v1), whichever exists here."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.parametrize("profile", [None, "cuda"])
def test_compose_config_validates(profile: str | None) -> None:
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed here")
    args = [*command, "-f", str(COMPOSE), *(["--profile", profile] if profile else []), "config"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "semcom-gateway" in result.stdout


def test_compose_file_has_what_a_deployment_needs() -> None:
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert {"gateway", "transmitter", "channel", "receiver", "receiver-cuda"} <= set(services)
    for name, svc in services.items():
        test = " ".join(svc["healthcheck"]["test"])
        assert "semcom.healthcheck" in test, name
        assert any(v.startswith("model-cache:/home/semcom/.cache") for v in svc["volumes"]), name
        assert svc["environment"]["HF_HOME"].startswith("/home/semcom/.cache"), name
    assert "/readyz" in " ".join(services["gateway"]["healthcheck"]["test"])
    gateway_env = services["gateway"]["environment"]
    for service, port in (("TRANSMITTER", 50051), ("CHANNEL", 50052), ("RECEIVER", 50053)):
        assert str(port) in gateway_env[f"SEMCOM_{service}_ADDR"]
    cuda = services["receiver-cuda"]
    assert cuda["profiles"] == ["cuda"]
    device = cuda["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert "cu" in cuda["build"]["args"]["TORCH_INDEX_URL"]
    assert "model-cache" in spec["volumes"]


def test_dockerfile_uses_cpu_torch_by_default_and_an_unprivileged_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in text
    assert "USER semcom" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "out"} <= set(ignored)


def test_healthcheck_cli(services) -> None:
    assert healthcheck.main(["grpc", services["channel"].address]) == 0
    assert healthcheck.main(["grpc", "127.0.0.1:1", "--timeout", "1"]) == 1
    assert healthcheck.main(["http", "http://127.0.0.1:1/readyz", "--timeout", "1"]) == 1
