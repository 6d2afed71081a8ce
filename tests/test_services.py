"""End to end through the real gRPC services on localhost and the gateway."""

from __future__ import annotations

import base64
import json
import signal

import grpc
import numpy as np
import pytest
from fastapi.testclient import TestClient
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from gateway.app import create_app
from gateway.settings import Settings
from semcom.images import decode_png
from semcom.metrics import psnr
from tests.conftest import png_bytes, sample_image, start_service
from tests.test_images_metrics import huge_png

IMAGE = sample_image(96, 128)


def post(client: TestClient, config: dict, image: bytes | None = None, **kwargs):
    files = {"image": ("img.png", png_bytes(IMAGE) if image is None else image, "image/png")}
    return client.post("/v1/transmit", files=files, data={"config": json.dumps(config)}, **kwargs)


def reconstruction(body: dict) -> np.ndarray:
    return decode_png(base64.b64decode(body["image_png_base64"]))


def test_ready_when_all_services_serve(gateway_client: TestClient) -> None:
    assert gateway_client.get("/healthz").json() == {"status": "ok"}
    body = gateway_client.get("/readyz").json()
    assert body["ready"] and all(s["status"] == "SERVING" for s in body["services"].values())


def test_raw_round_trip_is_exact_at_high_snr(gateway_client: TestClient) -> None:
    r = post(gateway_client, {"pipeline": "raw", "channel": {"snr_db": 40, "modulation": "qam16"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert np.array_equal(reconstruction(body), IMAGE)
    assert body["metrics"]["psnr_db"] is None and body["metrics"]["ssim"] == pytest.approx(1.0)
    assert body["stats"]["post_fec_bit_errors"] == 0
    assert body["stats"]["source_dims"] == IMAGE.size
    assert set(body["timings_ms"]) >= {"encode", "channel", "decode", "metrics", "channel_compute"}


def test_jpeg_round_trip_decodes_at_high_snr(gateway_client: TestClient) -> None:
    r = post(gateway_client, {"pipeline": "jpeg", "params": {"quality": 85}, "channel": {"snr_db": 25}})
    body = r.json()
    assert r.status_code == 200 and not body["lost"] and body["stats"]["failed_codewords"] == 0
    assert body["metrics"]["psnr_db"] > 30 and body["header"]["quality"] == 85
    assert psnr(IMAGE, reconstruction(body)) == pytest.approx(body["metrics"]["psnr_db"])


def test_a_resized_reconstruction_is_scored_at_the_upload_size() -> None:
    from gateway.link import _pixel_metrics

    small = sample_image(32, 48, 1)  # as a pipeline that returns another size would
    reconstruction, metrics = _pixel_metrics(png_bytes(small), IMAGE)
    assert reconstruction.shape == IMAGE.shape
    assert metrics["psnr_db"] == pytest.approx(psnr(IMAGE, reconstruction))
    assert {"ssim", "ms_ssim"} <= set(metrics) and "lpips" not in metrics  # LPIPS runs on the torch thread


def test_jpeg_cliff_at_low_snr(gateway_client: TestClient) -> None:
    results = {snr: post(gateway_client, {"pipeline": "jpeg", "channel": {"snr_db": snr}}).json()
               for snr in (6, 12, 25)}
    assert results[6]["lost"] and results[6]["reason"]
    assert not results[25]["lost"]
    # Below the cliff nothing usable arrives; above it, full quality.
    assert results[6]["metrics"]["psnr_db"] < results[25]["metrics"]["psnr_db"] - 10


def test_png_response_when_asked(gateway_client: TestClient) -> None:
    r = post(gateway_client, {"pipeline": "raw", "channel": {"snr_db": 40}}, headers={"accept": "image/png"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert np.array_equal(decode_png(r.content), IMAGE)
    assert json.loads(r.headers["x-semcom-summary"])["lost"] is False


def test_same_seed_same_result(gateway_client: TestClient) -> None:
    cfg = {"pipeline": "raw", "channel": {"snr_db": 14, "seed": 5}}
    a, b = post(gateway_client, cfg).json(), post(gateway_client, cfg).json()
    assert a["image_png_base64"] == b["image_png_base64"]
    assert a["stats"]["pre_fec_bit_errors"] == b["stats"]["pre_fec_bit_errors"] > 0


def test_pipelines_listing(gateway_client: TestClient) -> None:
    listing = {p["name"]: p for p in gateway_client.get("/v1/pipelines").json()}
    assert {"raw", "jpeg"} <= set(listing)
    assert "channel_uses" in listing["jpeg"]["params_schema"]["properties"]
    assert gateway_client.get("/openapi.json").json()["paths"]["/v1/transmit"]


@pytest.mark.parametrize(("config", "image", "status", "code"), [
    ({}, b"this is not an image", 415, "unsupported_media_type"),
    ({}, png_bytes(IMAGE)[:200], 400, "corrupt_image"),
    ({}, huge_png(20000, 20000), 413, "image_too_large"),
    ({"pipeline": "nope"}, None, 422, "unknown_pipeline"),
    ({"channel": {"modulation": "qam1024"}}, None, 422, "invalid_config"),
    ({"channel": {"snr_db": 75}}, None, 422, "invalid_config"),
    ({"channel": {"snr_db": -31}}, None, 422, "invalid_config"),
    ({"channel": {"rs_n": 30, "rs_k": 40}}, None, 422, "invalid_config"),
    ({"pipeline": "jpeg", "params": {"channel_uses": 5}}, None, 422, "invalid_request"),
    ({"pipeline": "jpeg", "params": {"quality": "high"}}, None, 422, "invalid_request"),
])
def test_bad_requests_get_clear_errors(gateway_client: TestClient, config, image, status, code) -> None:
    r = post(gateway_client, config, image)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in r.text


def test_malformed_config_json(gateway_client: TestClient) -> None:
    r = gateway_client.post("/v1/transmit", files={"image": ("a.png", png_bytes(IMAGE))}, data={"config": "{oops"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_config"


def test_missing_image_field(gateway_client: TestClient) -> None:
    r = gateway_client.post("/v1/transmit", data={"config": "{}"})
    assert r.status_code == 422 and "image" in r.json()["error"]["message"]


def test_upload_size_limit(services) -> None:
    settings = Settings(transmitter_addr=services["transmitter"].address, channel_addr=services["channel"].address,
                        receiver_addr=services["receiver"].address, max_upload_bytes=1000)
    with TestClient(create_app(settings)) as client:
        r = post(client, {})
        assert r.status_code == 413 and r.json()["error"]["code"] == "upload_too_large"


def test_stopped_channel_service_gives_503_naming_it(services) -> None:
    channel = start_service("channel")
    settings = Settings(transmitter_addr=services["transmitter"].address, channel_addr=channel.address,
                        receiver_addr=services["receiver"].address, request_timeout_s=20)
    with TestClient(create_app(settings)) as client:
        assert post(client, {"pipeline": "raw"}).status_code == 200
        assert channel.stop(signal.SIGTERM) == 0  # graceful shutdown exits cleanly
        r = post(client, {"pipeline": "raw"})
        assert r.status_code == 503
        error = r.json()["error"]
        assert error["code"] == "service_unavailable" and error["service"] == "channel"
        assert channel.address in error["message"]
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["services"]["channel"]["status"].startswith("UNREACHABLE")


def test_health_and_reflection_on_each_service(services) -> None:
    for name, svc in services.items():
        with grpc.insecure_channel(svc.address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            full = f"semcom.v1.{name.capitalize()}"
            reply = health.Check(health_pb2.HealthCheckRequest(service=full), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            listed = ProtoReflectionDescriptorDatabase(channel).get_services()
            assert full in listed and "grpc.health.v1.Health" in listed


def test_services_reject_bad_requests_with_invalid_argument(services) -> None:
    from semcom.v1 import semcom_pb2 as pb
    from semcom.v1 import semcom_pb2_grpc as rpc

    with grpc.insecure_channel(services["channel"].address) as channel:
        stub = rpc.ChannelStub(channel)
        bad = pb.TransmitRequest(payload=pb.SemanticPayload(segments=[pb.Segment(
            name="x", tensor=pb.Tensor(dtype=pb.FLOAT32, shape=[4], data=b"123"))]), config=pb.ChannelConfig(snr_db=5))
        with pytest.raises(grpc.RpcError) as err:
            stub.Transmit(bad, timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "cannot hold" in err.value.details()
    with grpc.insecure_channel(services["transmitter"].address) as channel:
        with pytest.raises(grpc.RpcError) as err:
            rpc.TransmitterStub(channel).Encode(pb.EncodeRequest(pipeline="raw", image=b"nope"), timeout=10)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
