"""caption, caption+latent and latent end to end through the three gRPC services and the gateway.

Tiny random BLIP, CLIP text encoder + tokenizer, UNet and VAE are built here, saved
like real checkpoints, and the registry is pointed at them with the environment
overrides a user would set (SEMCOM_MODEL_BLIP_LARGE, SEMCOM_MODEL_SD15), so the real
loading and inference code runs in seconds.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from semcom.images import decode_png
from tests.conftest import png_bytes, sample_image, start_service

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from tests.tiny_foundation import build_all  # noqa: E402

IMAGE = sample_image(64, 96)
ODD_IMAGE = sample_image(60, 84, seed=1)
GEN_SC_CHANNEL = {"snr_db": 25, "modulation": "qam64", "fec": "rs", "rs_n": 42, "rs_k": 30}


@pytest.fixture(scope="module")
def tiny_env(tmp_path_factory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("foundation")
    models = build_all()
    env = {"SEMCOM_MODEL_BLIP_LARGE": str(models["blip"]),
           "SEMCOM_MODEL_SD15": str(models["sd"]),
           "SEMCOM_MODEL_BLIP_BASE": str(root / "not-there"),  # a registered model whose weights are missing
           "SEMCOM_MODEL_SDXL": str(root / "not-there"),
           "SEMCOM_DEVICE": "cpu"}
    with pytest.MonkeyPatch.context() as mp:  # for the gateway's own listing of model options
        for key, value in env.items():
            mp.setenv(key, value)
        yield env


@pytest.fixture(scope="module")
def client(tiny_env) -> Iterator[TestClient]:
    from gateway.app import create_app
    from gateway.settings import Settings

    started = {name: start_service(name, env=tiny_env) for name in ("transmitter", "channel", "receiver")}
    try:
        settings = Settings(transmitter_addr=started["transmitter"].address, channel_addr=started["channel"].address,
                            receiver_addr=started["receiver"].address, request_timeout_s=120)
        with TestClient(create_app(settings)) as c:
            yield c
    finally:
        for svc in started.values():
            svc.stop()


def post(client: TestClient, config: dict, image: np.ndarray = IMAGE):
    files = {"image": ("img.png", png_bytes(image), "image/png")}
    return client.post("/v1/transmit", files=files, data={"config": json.dumps(config)})


def test_listing_says_what_is_available(client: TestClient) -> None:
    listing = {p["name"]: p for p in client.get("/v1/pipelines").json()}
    for name in ("caption", "caption+latent", "latent"):
        assert listing[name]["available"], listing[name]["unavailable_reason"]
    options = listing["caption"]["params_schema"]["x-option-availability"]
    assert options["captioner=blip-large"] == "available"
    assert options["generator=sdxl"].startswith("unavailable") and "not-there" in options["generator=sdxl"]
    assert options["text_code=learned"].startswith("unavailable") and "train_codec" in options["text_code=learned"]


def test_caption_gen_sc_link(client: TestClient) -> None:
    r = post(client, {"pipeline": "caption", "params": {"steps": 2}, "channel": GEN_SC_CHANNEL})
    assert r.status_code == 200, r.text
    body = r.json()
    info = body["info"]
    assert info["sent_caption"] == info["received_caption"] and info["bleu"] == 1.0
    assert body["header"]["text_code"] == "huffman" and body["header"]["caption_bits"] > 0
    (segment,) = body["stats"]["segments"]
    assert segment["name"] == "caption" and segment["codewords"] >= 1
    assert decode_png(base64.b64decode(body["image_png_base64"])).shape == IMAGE.shape


def test_caption_latent_img2img(client: TestClient) -> None:
    params = {"steps": 4, "strength": 0.5}  # 2 DDIM steps from the received latent
    r = post(client, {"pipeline": "caption+latent", "params": params, "channel": {"snr_db": 30, "modulation": "qam16"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["header"]["latent_shape"] == [4, 64 // 8, 96 // 8]
    caption, latent = body["stats"]["segments"]
    assert latent["payload_bits"] == 4 * 8 * 12 * 64  # float64
    assert caption["payload_bits"] == 8 * len(body["info"]["sent_caption"].encode())
    assert body["info"]["bleu"] == 1.0 and body["info"]["latent_values_invalid"] == 0
    rows = {row["item"]: row["bytes"] for row in body["info"]["accounting"]["rows"]}
    assert rows["latent"] == 4 * 8 * 12 * 8 and rows["image"] == IMAGE.size * 8


def test_latent_vae_transceiver_pads_odd_sizes(client: TestClient) -> None:
    params = {"strength": 0, "number_format": "float16"}
    r = post(client, {"pipeline": "latent", "params": params, "channel": {"snr_db": 30}}, ODD_IMAGE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["header"]["latent_shape"] == [4, 64 // 8, 88 // 8]
    assert any("padded" in n and "84x60" in n for n in body["header"]["notes"])
    assert (body["height"], body["width"]) == ODD_IMAGE.shape[:2]
    assert [s["name"] for s in body["stats"]["segments"]] == ["latent"]


def test_adaptive_mode_says_why(client: TestClient) -> None:
    params = {"steps": 2, "adaptive": True, "channel_uses": 400}
    r = post(client, {"pipeline": "caption+latent", "params": params, "channel": {"snr_db": 30}})
    assert r.status_code == 200, r.text
    decision = r.json()["header"]["adaptive"]
    assert decision["choice"] == "text" and "budget" in decision["reason"]
    assert [s["name"] for s in r.json()["stats"]["segments"]] == ["caption"]


@pytest.mark.parametrize(("params", "status", "code", "words"), [
    ({"generator": "sd99"}, 422, "invalid_request", ["sd99", "sd15"]),
    ({"captioner": "sd15"}, 422, "invalid_request", ["unknown captioner"]),
    ({"generator": "sdxl"}, 503, "pipeline_unavailable", ["sdxl", "pull sdxl", "SEMCOM_MODEL_SDXL"]),
    ({"captioner": "blip-base"}, 503, "pipeline_unavailable", ["blip-base", "not-there"]),
    ({"text_code": "learned"}, 503, "pipeline_unavailable", ["train_codec"]),
])
def test_bad_models_get_clear_errors(client: TestClient, params, status, code, words) -> None:
    r = post(client, {"pipeline": "caption", "params": params})
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and all(w in error["message"] for w in words), error


@pytest.fixture(scope="module")
def split_client(tiny_env, client) -> Iterator[TestClient]:
    """A split deployment: the captioner only on the transmitter's machine, the generator only on the
    receiver's (which also lacks the CDM refiner); the gateway's own machine has neither."""
    from gateway.app import create_app
    from gateway.settings import Settings

    missing = os.path.join(tiny_env["SEMCOM_MODEL_BLIP_BASE"], "x")
    tx = start_service("transmitter", env={**tiny_env, "SEMCOM_MODEL_SD15": missing})
    rx = start_service("receiver", env={**tiny_env, "SEMCOM_MODEL_BLIP_LARGE": missing,
                                        "SEMCOM_CDM_WEIGHTS": missing})
    channel_addr = client.app.state.settings.channel_addr
    try:
        settings = Settings(transmitter_addr=tx.address, channel_addr=channel_addr, receiver_addr=rx.address,
                            request_timeout_s=120)
        with pytest.MonkeyPatch.context() as mp, TestClient(create_app(settings)) as c:
            mp.setenv("SEMCOM_MODEL_BLIP_LARGE", missing)
            mp.setenv("SEMCOM_MODEL_SD15", missing)
            yield c
    finally:
        tx.stop()
        rx.stop()


def test_split_deployment_runs_each_side_where_its_model_is(split_client: TestClient) -> None:
    listing = {p["name"]: p for p in split_client.get("/v1/pipelines").json()}
    assert listing["caption"]["available"], listing["caption"]["unavailable_reason"]
    r = post(split_client, {"pipeline": "caption", "params": {"steps": 2}, "channel": GEN_SC_CHANNEL})
    assert r.status_code == 200, r.text
    assert r.json()["info"]["bleu"] == 1.0


@pytest.mark.parametrize(("pipeline", "service", "words"), [
    ("caption+latent", "transmitter", ["sd15", "pull sd15"]),  # its latent codec is SD's VAE
    ("swin-jscc+cdm", "receiver", ["refiner weights not found", "SEMCOM_CDM_WEIGHTS"]),
])
def test_split_deployment_names_the_side_that_lacks_a_model(split_client: TestClient, pipeline: str,
                                                            service: str, words: list[str]) -> None:
    """A clear 503 naming the service, before any encoding, and the same word in the listing."""
    r = post(split_client, {"pipeline": pipeline})
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    assert error["code"] == "pipeline_unavailable" and error["service"] == service, error
    assert f"at the {service} service" in error["message"] and all(w in error["message"] for w in words), error
    listing = {p["name"]: p for p in split_client.get("/v1/pipelines").json()}
    assert not listing[pipeline]["available"] and service in listing[pipeline]["unavailable_reason"]


def test_paper_setting_over_the_paper_channel(client: TestClient) -> None:
    """Img2Img-SC as published: 8-bit caption + float64 latent, bits flipped at the 16-QAM BER at an Eb/N0."""
    channel = {"model": "bsc_qam16_theory", "snr_db": 8, "snr_type": "eb_n0", "fec": "none", "seed": 1}
    r = post(client, {"pipeline": "caption+latent", "params": {"strength": 0}, "channel": channel})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["header"]["number_format"] == "float64" and body["header"]["text_code"] == "utf8"
    assert body["stats"]["pre_fec_bit_errors"] > 10  # BER about 2e-3 over 24,000+ bits
    assert body["info"]["guard"] == "clip" and body["info"]["latent_values_nonfinite"] >= 0
