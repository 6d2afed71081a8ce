"""The model registry: names, environment overrides, cheap availability checks, the loading code of real weights."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from semcom import foundation, pipelines
from semcom.channel.config import ChannelConfig
from semcom.channel.link import transmit_payload
from semcom.payload import Payload, Segment
from semcom.pipelines.base import PipelineError, PipelineUnavailable
from tests.conftest import sample_image


def test_unknown_model_lists_the_registered_ones() -> None:
    with pytest.raises(foundation.UnknownModel, match="sd15"):
        foundation.spec("sd99")
    with pytest.raises(foundation.UnknownModel, match="unknown captioner model 'sd15'"):
        foundation.spec("sd15", "captioner")


def test_environment_variable_names() -> None:
    assert foundation.MODELS["blip-large"].env_var == "SEMCOM_MODEL_BLIP_LARGE"
    assert foundation.MODELS["sd-vae-ft-mse"].env_var == "SEMCOM_MODEL_SD_VAE_FT_MSE"
    for model in foundation.MODELS.values():
        assert model.probe and model.allow_patterns, model.name  # every model can be checked and pulled


def test_missing_local_directory_says_how_to_fix(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEMCOM_MODEL_SD15", str(tmp_path / "nowhere"))
    ok, reason = foundation.availability("sd15")
    assert not ok and "nowhere" in reason and "SEMCOM_MODEL_SD15" in reason and "pull sd15" in reason
    with pytest.raises(foundation.ModelUnavailable):
        foundation.load_generator("sd15")


def _fake_hub_cache(root: Path, repo: str, files: list[str]) -> None:
    """The layout huggingface_hub writes: models--org--name/{refs/main, snapshots/<commit>/...}."""
    base = root / f"models--{repo.replace('/', '--')}"
    commit = "0" * 40
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(commit)
    for name in files:
        path = base / "snapshots" / commit / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def test_availability_reads_the_hub_cache_without_loading(monkeypatch, tmp_path: Path) -> None:
    pytest.importorskip("huggingface_hub")
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.delenv("SEMCOM_MODEL_SD15", raising=False)
    monkeypatch.setattr(foundation, "missing_packages", lambda model=None: [])
    repo = foundation.MODELS["sd15"].hub_id
    _fake_hub_cache(tmp_path, repo, ["model_index.json", "vae/diffusion_pytorch_model.safetensors"])
    ok, reason = foundation.availability("sd15")
    assert not ok and "unet/diffusion_pytorch_model.safetensors" in reason and "Hugging Face cache" in reason
    _fake_hub_cache(tmp_path / "full", repo, ["model_index.json", "unet/diffusion_pytorch_model.safetensors",
                                               "vae/diffusion_pytorch_model.safetensors"])
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "full"))
    assert foundation.availability("sd15") == (True, "")


def test_missing_packages_are_named_with_the_install_command(monkeypatch) -> None:
    monkeypatch.setattr(foundation, "missing_packages", lambda model=None: ["diffusers"])
    ok, reason = foundation.availability("sd15")
    assert not ok and "diffusers" in reason and "semcom[generative]" in reason
    assert not pipelines.get("caption").availability()[0]


def test_each_side_needs_only_its_own_models(monkeypatch) -> None:
    """A transmitter with the captioner and a receiver with the generator can run `caption` between them."""
    have = {"blip-large"}
    monkeypatch.setattr(foundation, "availability", lambda name: (name in have, f"{name} missing"))
    caption, caption_latent = pipelines.get("caption"), pipelines.get("caption+latent")
    assert caption.availability("transmitter") == (True, "")
    assert not caption.availability("receiver")[0] and "sd15 missing" in caption.availability("receiver")[1]
    assert not caption.availability("both")[0]
    assert not caption_latent.availability("transmitter")[0]  # its latent codec is a generator's VAE
    have = {"sd15"}
    assert not caption.availability("transmitter")[0] and "blip-large missing" in caption.availability()[1]
    assert caption.availability("receiver") == caption_latent.availability("receiver") == (True, "")
    table = pipelines.availability_table("receiver")
    assert table["caption"] == (True, "") and set(table) == set(pipelines.names())


def test_list_and_pull_commands_offline(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setenv("SEMCOM_MODEL_BLIP_LARGE", str(tmp_path))
    foundation.main(["list"])
    out = capsys.readouterr().out
    assert all(name in out for name in foundation.MODELS)
    foundation.main(["pull", "blip-large"])  # a local override: nothing to download
    assert "nothing to pull" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="unknown model"):
        foundation.main(["pull", "nope"])


# ---------------------------------------------------------------- with the tiny models
needs_generative = pytest.mark.skipif(
    any(importlib.util.find_spec(p) is None for p in ("diffusers", "transformers")),
    reason="needs the generative extra (transformers, diffusers)")


@pytest.fixture
def tiny(monkeypatch):
    from tests.tiny_foundation import build_all

    models = build_all()
    monkeypatch.setenv("SEMCOM_MODEL_BLIP_LARGE", str(models["blip"]))
    monkeypatch.setenv("SEMCOM_MODEL_SD15", str(models["sd"]))
    monkeypatch.setenv("SEMCOM_MODEL_SDXL", str(models["sdxl"]))
    monkeypatch.setenv("SEMCOM_MODEL_SD_VAE_FT_MSE", str(models["vae"]))
    if "lora" in models:
        monkeypatch.setenv("SEMCOM_MODEL_LORA_POKEMON_SD15", str(models["lora"]))
    monkeypatch.setenv("SEMCOM_DEVICE", "cpu")
    return models


def run(name: str, params: dict, image: np.ndarray, channel: ChannelConfig | None = None):
    pipe = pipelines.get(name)
    channel = channel or ChannelConfig(snr_db=40)
    received, stats = transmit_payload(pipe.encode(image, pipe.parse_params(params), channel), channel)
    return pipe.decode(received, stats), received


@needs_generative
def test_same_loading_code_as_real_weights(tiny) -> None:
    import torch

    captioner = foundation.load_captioner("blip-large")
    assert isinstance(captioner.caption(__import__("PIL.Image").Image.new("RGB", (40, 30))), str)
    generator = foundation.load_generator("sd15")
    assert generator.dtype == torch.float32 and generator.img2img.unet is generator.text2img.unet  # shared modules
    assert foundation.load_vae("sd15").dtype == torch.float32
    assert foundation.load_vae("sd-vae-ft-mse") is not foundation.load_vae("sd15")


@needs_generative
def test_sdxl_text_to_image_and_img2img(tiny) -> None:
    image = sample_image(32, 48)
    painted, _ = run("caption", {"steps": 2, "generator": "sdxl"}, image)
    assert painted.image.shape == image.shape and painted.info["generator"] == "sdxl"
    refined, received = run("caption+latent", {"steps": 2, "strength": 0.5, "generator": "sdxl"}, image)
    assert refined.image.shape == image.shape and received.header["scaling_factor"] == pytest.approx(0.13025)


@needs_generative
def test_caption_too_long_for_the_text_encoder_is_truncated_and_said(tiny) -> None:
    pipe = pipelines.get("caption")
    long_caption = "a photo of a red house near the water with two boats and a tree " * 3  # >77 CLIP tokens
    header = {"text_code": "utf8", "generator": "sd15", "lora": None, "steps": 1, "guidance": 7.5, "max_side": 64,
              "seed": 0, "reference_caption": long_caption}
    decoded = pipe.decode(Payload("caption", [Segment("caption", long_caption)], (32, 48, 3), header), None)
    assert decoded.image.shape == (32, 48, 3)
    assert any("text encoder accepts 77" in n and "truncated" in n for n in decoded.info["notes"])
    assert decoded.info["bleu"] == 1.0


@needs_generative
def test_transmitter_cuts_captions_to_max_chars(tiny) -> None:
    decoded, received = run("caption", {"steps": 1, "max_caption_chars": 2, "text_code": "utf8"}, sample_image(32, 32))
    assert len(decoded.info["sent_caption"]) <= 2 and any("cut to" in n for n in received.header["notes"])


@needs_generative
def test_standalone_vae_and_family_check(tiny) -> None:
    image = sample_image(32, 48)
    own, _ = run("latent", {"strength": 0}, image)
    other, received = run("latent", {"strength": 0, "vae": "sd-vae-ft-mse"}, image)
    assert received.header["vae"] == "sd-vae-ft-mse" and not np.array_equal(own.image, other.image)
    with pytest.raises(PipelineError, match="latent space"):
        pipelines.get("latent").parse_params({"generator": "sd15", "vae": "sdxl-vae-fp16-fix"})
    with pytest.raises(PipelineError, match="only strength 0"):
        pipelines.get("latent").parse_params({"codec": "taef2", "strength": 0.6})


@needs_generative
def test_lora_adapter_changes_the_generation(tiny) -> None:
    if "lora" not in tiny:
        pytest.skip("LoRA needs peft")
    image = sample_image(32, 32)
    plain, _ = run("caption", {"steps": 2}, image)
    adapted, _ = run("caption", {"steps": 2, "lora": "lora-pokemon-sd15"}, image)
    again, _ = run("caption", {"steps": 2}, image)  # the adapter is switched off again
    assert adapted.info["lora"] == "lora-pokemon-sd15" and not np.array_equal(plain.image, adapted.image)
    assert np.array_equal(plain.image, again.image)


@needs_generative
def test_learned_text_code_unavailable_without_weights(tiny, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEMCOM_TEXT_CODEC_WEIGHTS", str(tmp_path / "none.safetensors"))
    pipe = pipelines.get("caption")
    with pytest.raises(PipelineUnavailable, match="train_codec"):
        pipe.encode(sample_image(32, 32), pipe.parse_params({"text_code": "learned"}), ChannelConfig())
