"""Foundation models (BLIP, Stable Diffusion, SDXL, their VAEs, LoRA adapters) in one place.

Each model has a name in :data:`MODELS` and a source: a Hugging Face hub id, or a
local directory given by the environment variable ``SEMCOM_MODEL_<NAME>`` (the name
upper-cased, ``-`` and ``.`` as ``_``; e.g. ``SEMCOM_MODEL_SD15=/models/sd15``), which
may also name another hub id.

Weights are never downloaded while serving: a model is *available* when its local
directory holds the files, or when the hub cache (``HF_HOME`` / ``HF_HUB_CACHE``)
already holds its snapshot; loading then runs with ``local_files_only=True`` (the
offline behaviour ``HF_HUB_OFFLINE=1`` asks for). Fetch them beforehand on a
connected machine::

    python -m semcom.foundation list              # names, sources, availability
    python -m semcom.foundation pull              # the defaults: blip-large, sd15
    python -m semcom.foundation pull sdxl sdxl-vae-fp16-fix

A missing model is an actionable error naming it and that command; nothing is
ever replaced by random weights. Models run in float16 on CUDA, float32 on CPU
(``SEMCOM_DEVICE=cpu`` forces the CPU).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

Kind = Literal["captioner", "generator", "vae", "lora"]
Family = Literal["sd", "sdxl", ""]

GENERATIVE_PACKAGES = ("transformers", "diffusers")
INSTALL_HINT = "pip install 'semcom[generative]' (transformers, diffusers, accelerate, peft)"
_UNET_WEIGHTS = ("unet/diffusion_pytorch_model.safetensors", "unet/diffusion_pytorch_model.fp16.safetensors",
                 "unet/diffusion_pytorch_model.bin")
_VAE_WEIGHTS = ("vae/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.fp16.safetensors",
                "vae/diffusion_pytorch_model.bin")


class UnknownModel(ValueError):
    """A model name that is not in the registry (the caller's mistake)."""


class ModelUnavailable(RuntimeError):
    """A registered model whose weights or packages are missing here."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: Kind
    hub_id: str
    description: str
    family: Family = ""
    # Files that must be present, each given as alternatives: ("config.json",) and ("a.safetensors", "a.bin").
    probe: tuple[tuple[str, ...], ...] = ()
    allow_patterns: tuple[str, ...] = ()  # what `pull` fetches (not every format the repository holds)
    variant: str | None = None  # diffusers weight variant to load ("fp16": the only weights pulled)
    extra_packages: tuple[str, ...] = field(default=())

    @property
    def env_var(self) -> str:
        return "SEMCOM_MODEL_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())


_SD_COMPONENT_FILES = ("model_index.json", "scheduler/*", "tokenizer/*", "*/config.json", "feature_extractor/*")
MODELS: dict[str, ModelSpec] = {s.name: s for s in [
    ModelSpec("blip-large", "captioner", "Salesforce/blip-image-captioning-large",
              "BLIP image captioning, ViT-L (Gen-SC, Img2Img-SC transmitter)",
              probe=(("config.json",), ("model.safetensors", "pytorch_model.bin")),
              allow_patterns=("*.json", "*.txt", "model.safetensors")),
    ModelSpec("blip-base", "captioner", "Salesforce/blip-image-captioning-base",
              "BLIP image captioning, ViT-B (smaller, faster)",
              probe=(("config.json",), ("model.safetensors", "pytorch_model.bin")),
              allow_patterns=("*.json", "*.txt", "model.safetensors")),
    ModelSpec("sd15", "generator", "stable-diffusion-v1-5/stable-diffusion-v1-5",
              "Stable Diffusion v1.5 (text-to-image, img2img; its VAE gives the 4 x H/8 x W/8 latent)", "sd",
              probe=(("model_index.json",), _UNET_WEIGHTS, _VAE_WEIGHTS),
              allow_patterns=(*_SD_COMPONENT_FILES, "text_encoder/model.safetensors",
                              "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors")),
    ModelSpec("sdxl", "generator", "stabilityai/stable-diffusion-xl-base-1.0",
              "Stable Diffusion XL base 1.0 (fp16 weights; 1024 x 1024 native)", "sdxl",
              probe=(("model_index.json",), _UNET_WEIGHTS, _VAE_WEIGHTS),
              allow_patterns=(*_SD_COMPONENT_FILES, "tokenizer_2/*", "*.fp16.safetensors"), variant="fp16"),
    ModelSpec("sd-vae-ft-mse", "vae", "stabilityai/sd-vae-ft-mse",
              "SD 1.x VAE fine-tuned on MSE (sharper reconstructions; same latent space as sd15)", "sd",
              probe=(("config.json",), ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin")),
              allow_patterns=("config.json", "diffusion_pytorch_model.safetensors")),
    ModelSpec("sdxl-vae-fp16-fix", "vae", "madebyollin/sdxl-vae-fp16-fix",
              "SDXL VAE that runs in float16 without overflow (same latent space as sdxl)", "sdxl",
              probe=(("config.json",), ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin")),
              allow_patterns=("config.json", "diffusion_pytorch_model.safetensors")),
    ModelSpec("lora-pokemon-sd15", "lora", "sayakpaul/sd-model-finetuned-lora-t4",
              "LoRA for sd15 fine-tuned on Pokemon captions (an example 'knowledge base' adapter)", "sd",
              probe=(("pytorch_lora_weights.safetensors", "pytorch_lora_weights.bin"),),
              allow_patterns=("pytorch_lora_weights.*",), extra_packages=("peft",)),
]}
DEFAULT_PULL = ("blip-large", "sd15")
_LOAD_LOCK = threading.Lock()  # concurrent first requests load a model once


# ---------------------------------------------------------------- resolution and availability
@dataclass(frozen=True)
class Source:
    location: str  # local directory or hub id
    local: bool
    overridden: bool  # set by SEMCOM_MODEL_<NAME>


def spec(name: str, kind: Kind | None = None) -> ModelSpec:
    """The registered model ``name`` (of ``kind`` when given)."""
    found = MODELS.get(name)
    if found is None or (kind is not None and found.kind != kind):
        choices = sorted(n for n, s in MODELS.items() if kind is None or s.kind == kind)
        what = f"{kind} model" if kind else "model"
        raise UnknownModel(f"unknown {what} {name!r}; registered: {', '.join(choices)}")
    return found


def source(model: ModelSpec) -> Source:
    override = os.environ.get(model.env_var, "").strip()
    if not override:
        return Source(model.hub_id, local=False, overridden=False)
    looks_local = override.startswith(("/", ".", "~")) or Path(override).expanduser().exists()
    location = str(Path(override).expanduser()) if looks_local else override
    return Source(location, local=looks_local, overridden=True)


def missing_packages(model: ModelSpec | None = None) -> list[str]:
    wanted = GENERATIVE_PACKAGES + (model.extra_packages if model else ())
    return [p for p in wanted if importlib.util.find_spec(p) is None]


def availability(name: str) -> tuple[bool, str]:
    """(True, "") when ``name`` can load here, else (False, what is missing and how to get it). Reads no weights."""
    model = spec(name)
    missing = missing_packages(model)
    if missing:
        return False, f"{name} needs the Python packages {', '.join(missing)}: {INSTALL_HINT}"
    src = source(model)
    absent = _absent_files(model, src)
    if absent is None:
        return True, ""
    where = f"local directory {src.location}" if src.local else f"Hugging Face cache ({_cache_dir()})"
    how = (f"on a connected machine run `python -m semcom.foundation pull {name}`"
           f" or set {model.env_var} to a local directory")
    return False, f"model {name} ({src.location}) not found in the {where}: {absent} missing; {how}"


def _absent_files(model: ModelSpec, src: Source) -> str | None:
    """The first probe file missing, or None when all are there."""
    if src.local and not Path(src.location).is_dir():
        return "the directory"
    for alternatives in model.probe:
        if not any(_has_file(src, f) for f in alternatives):
            return " or ".join(alternatives)
    return None


def _has_file(src: Source, filename: str) -> bool:
    if src.local:
        return (Path(src.location) / filename).is_file()
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(src.location, filename)
    return isinstance(found, str)


def _cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def require(name: str, kind: Kind | None = None) -> ModelSpec:
    """The spec of ``name``, or raise UnknownModel / ModelUnavailable with the reason."""
    model = spec(name, kind)
    ok, reason = availability(name)
    if not ok:
        raise ModelUnavailable(reason)
    return model


# ---------------------------------------------------------------- device and loading
def device_and_dtype() -> tuple[Any, Any]:
    """CUDA in float16 when present (unless SEMCOM_DEVICE=cpu), else CPU in float32."""
    import torch

    if os.environ.get("SEMCOM_DEVICE", "").lower() != "cpu" and torch.cuda.is_available():
        return torch.device("cuda"), torch.float16
    return torch.device("cpu"), torch.float32


def _load_kwargs(model: ModelSpec, src: Source) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"local_files_only": True}  # never download while serving: `pull` does that
    if model.variant and not src.overridden:
        kwargs["variant"] = model.variant
    return kwargs


@dataclass
class Captioner:
    model: Any
    processor: Any
    device: Any
    dtype: Any
    lock: threading.Lock = field(default_factory=threading.Lock)

    def caption(self, image: Any, max_new_tokens: int = 30, num_beams: int = 3) -> str:
        """Unconditional BLIP caption of a PIL image."""
        import torch

        inputs = self.processor(images=image, return_tensors="pt").to(self.device, self.dtype)
        with self.lock, torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=max_new_tokens, num_beams=num_beams)
        return self.processor.decode(out[0], skip_special_tokens=True).strip()


@dataclass
class Generator:
    """A Stable Diffusion (or SDXL) pipeline with its img2img twin sharing the same modules."""

    name: str
    family: Family
    text2img: Any
    img2img: Any
    device: Any
    dtype: Any
    lock: threading.Lock = field(default_factory=threading.Lock)
    loras: set[str] = field(default_factory=set)

    @property
    def vae(self) -> Any:
        return self.text2img.vae

    @property
    def tokenizer(self) -> Any:
        return self.text2img.tokenizer

    def use_lora(self, lora: str | None) -> None:
        """Activate one LoRA adapter from the registry (loaded on first use), or none. Call under ``lock``."""
        if lora is None:
            if self.loras:
                self.text2img.disable_lora()
            return
        if lora not in self.loras:
            model = require(lora, "lora")
            if model.family != self.family:
                raise UnknownModel(f"LoRA {lora!r} is for {model.family}, not for the generator {self.name!r}")
            self.text2img.load_lora_weights(source(model).location, adapter_name=lora, local_files_only=True)
            self.loras.add(lora)
        self.text2img.enable_lora()
        self.text2img.set_adapters([lora])


def load_captioner(name: str) -> Captioner:
    model = require(name, "captioner")
    with _LOAD_LOCK:
        return _load_captioner(name, source(model), *device_and_dtype())


@cache
def _load_captioner(name: str, src: Source, device: Any, dtype: Any) -> Captioner:
    from transformers import BlipForConditionalGeneration, BlipProcessor

    kwargs = _load_kwargs(MODELS[name], src)
    try:
        processor = BlipProcessor.from_pretrained(src.location, **kwargs)
        net = BlipForConditionalGeneration.from_pretrained(src.location, dtype=dtype, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"model {name} ({src.location}) failed to load: {exc}") from exc
    return Captioner(net.to(device).eval(), processor, device, dtype)


def load_generator(name: str) -> Generator:
    model = require(name, "generator")
    with _LOAD_LOCK:
        return _load_generator(name, source(model), *device_and_dtype())


@cache
def _load_generator(name: str, src: Source, device: Any, dtype: Any) -> Generator:
    import diffusers

    model = MODELS[name]
    text2img_cls, img2img_cls = (
        (diffusers.StableDiffusionXLPipeline, diffusers.StableDiffusionXLImg2ImgPipeline) if model.family == "sdxl"
        else (diffusers.StableDiffusionPipeline, diffusers.StableDiffusionImg2ImgPipeline)
    )
    extra = {} if model.family == "sdxl" else {"safety_checker": None, "requires_safety_checker": False}
    try:
        text2img = text2img_cls.from_pretrained(src.location, dtype=dtype, **extra, **_load_kwargs(model, src))
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"model {name} ({src.location}) failed to load: {exc}") from exc
    # The papers' sampler: DDIM (Img2Img-SC: 50 steps, strength 0.6).
    text2img.scheduler = diffusers.DDIMScheduler.from_config(text2img.scheduler.config)
    text2img = text2img.to(device)
    text2img.set_progress_bar_config(disable=True)
    img2img = img2img_cls.from_pipe(text2img)
    img2img.set_progress_bar_config(disable=True)
    return Generator(name, model.family, text2img, img2img, device, dtype)


def load_vae(name: str) -> Any:
    """A VAE (AutoencoderKL): a standalone one from the registry, or a generator's own (its ``vae`` folder)."""
    model = require(name)
    if model.kind not in ("vae", "generator"):
        raise UnknownModel(f"{name!r} is a {model.kind}, not a VAE or a generator")
    import torch

    # Float32 even on CUDA: the latent is what crosses the channel (float64 in the paper), and SD-XL's VAE
    # overflows in float16. The VAE is small next to the UNet.
    with _LOAD_LOCK:
        return _load_vae(name, source(model), device_and_dtype()[0], torch.float32)


@cache
def _load_vae(name: str, src: Source, device: Any, dtype: Any) -> Any:
    from diffusers import AutoencoderKL

    model = MODELS[name]
    subfolder = {"subfolder": "vae"} if model.kind == "generator" else {}
    try:
        vae = AutoencoderKL.from_pretrained(src.location, dtype=dtype, **subfolder, **_load_kwargs(model, src))
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"model {name} ({src.location}) failed to load: {exc}") from exc
    return vae.to(device).eval()


# ---------------------------------------------------------------- command line
def pull(names: list[str]) -> None:
    """Download ``names`` into the hub cache (needs the network; honours HF_HOME / HF_HUB_CACHE / HF_TOKEN)."""
    from huggingface_hub import snapshot_download

    for name in names:
        model = spec(name)
        src = source(model)
        if src.local:
            print(f"{name}: {model.env_var} points to the local directory {src.location}; nothing to pull")
            continue
        print(f"{name}: pulling {src.location} ...", flush=True)
        path = snapshot_download(src.location, allow_patterns=list(model.allow_patterns) or None)
        print(f"{name}: {path}")


def describe_all() -> list[dict[str, Any]]:
    rows = []
    for name, model in MODELS.items():
        ok, reason = availability(name)
        rows.append({"name": name, "kind": model.kind, "source": source(model).location, "env": model.env_var,
                     "available": ok, "reason": reason, "description": model.description})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m semcom.foundation", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="registered models, their sources and whether they are available here")
    pull_parser = sub.add_parser("pull", help="download models into the Hugging Face cache (connected machine)")
    pull_parser.add_argument("names", nargs="*", default=list(DEFAULT_PULL),
                             help=f"model names (default: {' '.join(DEFAULT_PULL)}); `all` for every model")
    args = parser.parse_args(argv)
    if args.command == "list":
        for row in describe_all():
            state = "available" if row["available"] else f"unavailable: {row['reason']}"
            print(f"{row['name']:20} {row['kind']:10} {row['source']}\n{'':20} {row['description']}\n{'':20} {state}")
        return
    names = list(MODELS) if args.names == ["all"] else args.names
    try:
        for name in names:
            spec(name)
    except UnknownModel as exc:
        sys.exit(str(exc))
    pull(names)


if __name__ == "__main__":
    main()
