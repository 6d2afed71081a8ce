"""``caption+latent`` and ``latent`` (Img2Img-SC, Cicchetti et al.): a VAE latent (and a caption) cross the channel.

Transmitter: the image (padded to multiples of 8) goes through the SD VAE encoder;
the latent (the posterior mean times the VAE's scaling factor, 4 x H/8 x W/8) is
sent digitally as float64 (the paper), float32, float16 or uniform b-bit over its
own [min, max]. ``caption+latent`` adds a BLIP caption (8-bit characters by default).

Receiver: SD img2img from the received latent, prompted by the received caption
(``latent``: an empty prompt), DDIM with 50 steps at strength 0.6 (30 denoising
steps) and guidance 9; ``strength`` 0 (T = 0) decodes the latent with the VAE alone:
a plain VAE transceiver. ``codec: "taef2"`` (``latent`` only, T = 0) uses the tiny
FLUX.2-space autoencoder of :mod:`semcom.models.taef2` instead of the SD VAE.

Guard (``guard``): bit errors in a float's sign or exponent turn a latent value into
a huge number, inf or NaN, which the decoder turns into a broken image (the paper's
float64 failure at low SNR). The transmitter sends the latent's [min, max] in the
header; the receiver then either clips every value to that range (widened by 1 % for
rounding) and replaces NaN by 0 (``clip``, default), replaces every non-finite or
out-of-range value by 0 (``zero``), or passes the values as they arrived (``off``).
The decode info counts the invalid values.
"""

from __future__ import annotations

import importlib.util
import math
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from semcom import accounting, foundation
from semcom.channel.config import ChannelConfig, LinkStats
from semcom.channel.link import channel_uses_digital
from semcom.payload import Payload, Quantization, Segment
from semcom.pipelines import generative as gen
from semcom.pipelines.base import Decoded, Pipeline, PipelineError, PipelineUnavailable, Role
from semcom.pipelines.caption import check_text_code, generate_from_text
from semcom.pipelines.latent_adaptive import decide
from semcom.text import codec as text_codec
from semcom.text.link import SEGMENT as CAPTION
from semcom.text.link import TextCode, decode_caption, encode_caption

LATENT = "latent"
PAPER_STRENGTH = 0.6
Guard = Literal["clip", "zero", "off"]


class LatentParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codec: Literal["sd-vae", "taef2"] = Field(
        "sd-vae",
        description="sd-vae: the generator's VAE (or `vae`); taef2: tiny FLUX.2-space autoencoder, T = 0 only")
    generator: str = Field("sd15", description="Stable Diffusion model: its VAE and, for strength > 0, img2img")
    vae: str | None = Field(None, description="a standalone VAE of the generator's family (e.g. sd-vae-ft-mse)")
    number_format: Literal["float64", "float32", "float16", "uniform"] = Field(
        "float64", description="how latent values are serialised (float64 as in the paper)")
    bits: int = Field(8, ge=1, le=16, description="bits per value with number_format 'uniform'")
    strength: float | None = Field(
        None, ge=0.0, le=1.0, description="img2img strength; 0 = VAE decoding alone (T = 0). "
        "Default: 0.6 with sd-vae, 0 with taef2")
    steps: int = Field(50, ge=1, le=500, description="DDIM steps of the full schedule (strength x steps are run)")
    guidance: float = Field(9.0, ge=0.0, le=50.0, description="classifier-free guidance scale")
    guard: Guard = Field("clip", description="repair of invalid received latent values: clip, zero or off")
    max_side: int = Field(768, ge=64, le=2048, description="text-only fallback: longest side generated")
    seed: int = Field(0, ge=0, le=2**63 - 1)

    @field_validator("generator")
    @classmethod
    def _generator(cls, v: str) -> str:
        return gen.check_model_name(v, "generator")

    @field_validator("vae")
    @classmethod
    def _vae(cls, v: str | None) -> str | None:
        return None if v is None else gen.check_model_name(v, "vae")

    @model_validator(mode="after")
    def _consistent(self) -> LatentParams:
        if self.codec == "taef2":
            if self.strength not in (None, 0.0):
                raise ValueError("taef2 is a plain autoencoder (FLUX.2 latent space, not Stable Diffusion's): "
                                 "only strength 0 (VAE transceiver)")
            self.strength = 0.0
        elif self.strength is None:
            self.strength = PAPER_STRENGTH
        if self.vae is not None and foundation.MODELS[self.vae].family != foundation.MODELS[self.generator].family:
            raise ValueError(f"VAE {self.vae!r} does not share the latent space of the generator {self.generator!r}")
        return self


class CaptionLatentParams(LatentParams):
    captioner: str = Field("blip-large", description="captioning model")
    text_code: TextCode = Field("utf8", description="utf8 (8-bit characters, the paper), huffman, or learned")
    max_caption_chars: int = Field(gen.PAPER_MAX_CAPTION_CHARS, ge=1, le=1000)
    max_new_tokens: int = Field(30, ge=1, le=200)
    adaptive: bool = Field(False, description="choose text only or text + latent and the number format "
                                              "from the SNR and `channel_uses` (the reason is in the header)")
    channel_uses: int | None = Field(None, ge=1, description="adaptive mode: budget in complex channel uses")
    target_db: float = Field(40.0, description="adaptive mode: latent SNR (variance / MSE) aimed for")

    @field_validator("captioner")
    @classmethod
    def _captioner(cls, v: str) -> str:
        return gen.check_model_name(v, "captioner")


# ---------------------------------------------------------------- the latent codecs
@cache
def _taef2(directory: Path) -> Any:
    from semcom.models.taef2 import Taef2

    return Taef2.load(directory).to(foundation.device_and_dtype()[0])


def taef2_availability() -> tuple[bool, str]:
    from semcom.models import taef2

    if importlib.util.find_spec("torch") is None:
        return False, "PyTorch is not installed"
    return taef2.availability()


def _vae_name(header: dict[str, Any]) -> str:
    return header.get("vae") or header["generator"]


def encode_latent(image: np.ndarray, codec: str, vae_name: str) -> tuple[np.ndarray, float]:
    """(C, H/8, W/8) float64 latent of an image whose sides are multiples of 8, and the VAE's scaling factor."""
    import torch

    x = torch.from_numpy(np.array(image, np.uint8)).permute(2, 0, 1)[None].float() / 255.0
    if codec == "taef2":
        net = _taef2_loaded()
        with torch.inference_mode():
            return net.encode(x.to(next(net.parameters()).device))[0].double().cpu().numpy(), 1.0
    with gen.model_errors():
        vae = foundation.load_vae(vae_name)
    scale, shift = _scale_shift(vae)
    with torch.inference_mode():
        mean = vae.encode((x * 2 - 1).to(vae.device, vae.dtype)).latent_dist.mean  # deterministic: the mean
    return ((mean[0].double() - shift) * scale).cpu().numpy(), scale


def decode_latent(latent: np.ndarray, codec: str, vae_name: str) -> np.ndarray:
    """(H, W, 3) uint8 from a (C, h, w) scaled latent, by the VAE's decoder alone (T = 0)."""
    import torch

    with np.errstate(over="ignore", invalid="ignore"):  # unguarded huge values become inf, as they would on a GPU
        z = torch.from_numpy(np.asarray(latent, np.float32))[None]
    if codec == "taef2":
        net = _taef2_loaded()
        with torch.inference_mode():
            images = net.decode(z.to(next(net.parameters()).device))
        return gen.to_uint8(images[0].permute(1, 2, 0).float().cpu().numpy())
    with gen.model_errors():
        vae = foundation.load_vae(vae_name)
    scale, shift = _scale_shift(vae)
    with torch.inference_mode():
        images = vae.decode(z.to(vae.device, vae.dtype) / scale + shift).sample
    return gen.to_uint8(((images[0].permute(1, 2, 0).float().cpu().numpy()) + 1) / 2)


def _scale_shift(vae: Any) -> tuple[float, float]:
    return float(vae.config.scaling_factor), float(getattr(vae.config, "shift_factor", None) or 0.0)


def _taef2_loaded() -> Any:
    from semcom.models import taef2

    ok, reason = taef2.availability()
    if not ok:
        raise PipelineUnavailable(reason)
    return _taef2(taef2.weights_dir().resolve())


def img2img(header: dict[str, Any], latent: np.ndarray, prompt: str) -> tuple[np.ndarray, list[str]]:
    """SD img2img from the received latent (DDIM, strength x steps denoising steps), decoded by the chosen VAE."""
    import torch

    with gen.model_errors():
        model = foundation.load_generator(header["generator"])
    notes = []
    if prompt:
        prompt, note = gen.fit_prompt(model.tokenizer, prompt)
        if note:
            notes.append(note)
    with np.errstate(over="ignore", invalid="ignore"):
        z = torch.from_numpy(np.asarray(latent, np.float32))[None].to(model.device, model.dtype)
    with model.lock:
        model.use_lora(None)
        out = model.img2img(prompt, image=z, strength=float(header["strength"]),
                            num_inference_steps=int(header["steps"]), guidance_scale=float(header["guidance"]),
                            generator=gen.torch_generator(header["seed"]), output_type="latent").images
    return decode_latent(out[0].double().cpu().numpy(), "sd-vae", _vae_name(header)), notes


def text_channel_uses(segment: Segment, channel: ChannelConfig) -> int:
    content = segment.content
    if segment.transport == "analog":
        return math.ceil(np.asarray(content).size / 2)
    data = content.encode("utf-8") if isinstance(content, str) else content
    return channel_uses_digital(len(data), channel)


# ---------------------------------------------------------------- the guard
GUARD_MARGIN = 0.01  # of the range: rounding to float16 or b bits may step just outside [min, max]


def guard_latent(latent: np.ndarray, mode: Guard, lo: float, hi: float) -> tuple[np.ndarray, int]:
    """Repair invalid values (non-finite or outside the sent [lo, hi], widened by 1 %); return them and the count."""
    margin = GUARD_MARGIN * (hi - lo)
    lo, hi = lo - margin, hi + margin
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(latent) | (latent < lo) | (latent > hi)
    count = int(bad.sum())
    if mode == "off" or not count:
        return latent, count
    if mode == "zero":
        return np.where(bad, 0.0, latent), count
    return np.clip(np.nan_to_num(latent, nan=0.0, posinf=hi, neginf=lo), lo, hi), count


# ---------------------------------------------------------------- the pipelines
class LatentPipeline(Pipeline):
    name = "latent"
    summary = ("VAE latent (4 x H/8 x W/8; float64, float32, float16 or b-bit), digital; receiver: SD img2img "
               "(DDIM, strength 0.6, guidance 9) or the VAE decoder alone (T = 0); codec taef2 at T = 0 (Img2Img-SC)")
    Params = LatentParams
    with_caption = False

    def availability(self, role: Role = "both") -> tuple[bool, str]:
        # Both sides need the latent codec: a generator's VAE (or taef2 when no caption goes along).
        ok, reason = gen.first_available(gen.models_of("generator"))
        if ok or self.with_caption:
            return ok, reason
        ok_taef2, reason_taef2 = taef2_availability()
        return (True, "") if ok_taef2 else (False, f"{reason}; codec taef2: {reason_taef2}")

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        options = {f"{kind}={n}": foundation.availability(n) for kind in ("generator", "vae")
                   for n in gen.models_of(kind)}
        if self.with_caption:
            options |= {f"captioner={n}": foundation.availability(n) for n in gen.models_of("captioner")}
            options["text_code=learned"] = text_codec.availability()
        else:
            options["codec=taef2"] = taef2_availability()
        out["params_schema"]["x-option-availability"] = gen.option_availability(options)
        return out

    def _require_encoder(self, params: LatentParams) -> None:
        """The transmitter needs the latent codec only (img2img is the receiver's business)."""
        if params.codec == "taef2":
            ok, reason = taef2_availability()
            if not ok:
                raise PipelineUnavailable(f"codec taef2 is unavailable: {reason}")
            return
        with gen.model_errors():
            foundation.require(params.vae or params.generator)

    def encode(self, image: np.ndarray, params: BaseModel, channel: ChannelConfig) -> Payload:
        assert isinstance(params, LatentParams)
        if params.codec == "taef2" and self.with_caption:
            raise PipelineError("codec taef2 is for the `latent` pipeline (a VAE transceiver, no caption)")
        self._require_encoder(params)
        padded, pad_note = gen.pad_to_multiple(image)
        header: dict[str, Any] = {
            "codec": params.codec, "generator": params.generator, "vae": params.vae, "strength": params.strength,
            "steps": params.steps, "guidance": params.guidance, "guard": params.guard, "seed": params.seed,
            "max_side": params.max_side, "lora": None, "notes": [pad_note] if pad_note else []}
        segments: list[Segment] = []
        if self.with_caption:
            assert isinstance(params, CaptionLatentParams)
            check_text_code(params.text_code)
            caption, notes = gen.make_caption(params.captioner, image, params.max_caption_chars, params.max_new_tokens)
            segment, text_header = encode_caption(caption, params.text_code)
            segments.append(segment)
            header |= {"captioner": params.captioner, **text_header, gen.REFERENCE_KEY: caption}
            header["notes"] += notes

        latent, scale = encode_latent(padded, params.codec, params.vae or params.generator)
        lo, hi = float(latent.min()), float(latent.max())
        header |= {"scaling_factor": scale, "latent_shape": list(latent.shape), "latent_min": lo, "latent_max": hi}
        number_format, bits = params.number_format, params.bits
        if isinstance(params, CaptionLatentParams) and params.adaptive:
            decision = decide(channel, text_channel_uses(segments[0], channel), latent.size, float(latent.var()),
                              lo, hi, params.channel_uses, params.target_db)
            header["adaptive"] = decision.as_header()
            if not decision.send_latent:
                return Payload(self.name, segments, tuple(image.shape), header)
            number_format, bits = (("uniform", int(decision.choice[7:])) if decision.choice.startswith("uniform")
                                   else (decision.choice, bits))
        quant = Quantization(bits, lo, hi if hi > lo else lo + 1.0) if number_format == "uniform" else None
        segments.append(Segment(LATENT, latent, number_format=number_format, quantization=quant))
        header["number_format"] = number_format + (f" {bits}-bit" if quant else "")
        return Payload(self.name, segments, tuple(image.shape), header)

    def decode(self, payload: Payload, stats: LinkStats | None) -> Decoded:
        header = payload.header
        height, width = payload.source_shape[:2]
        info: dict[str, Any] = {"notes": list(header.get("notes", []))}
        prompt = ""
        if self.with_caption:
            check_text_code(header.get("text_code", "utf8"))
            prompt = decode_caption(payload.segment(CAPTION), header)
            info |= gen.caption_info(header, prompt)
        if "adaptive" in header:
            info["adaptive"] = {k: header["adaptive"][k] for k in ("choice", "reason")}
        if stats is not None:
            info["accounting"] = accounting.from_stats(stats, payload.source_shape, {LATENT: str(header.get(
                "latent_shape"))}, {LATENT: header.get("number_format", ""), CAPTION: header.get("text_code", "")}
            ).as_dict()
        names = {s.name for s in payload.segments}
        if LATENT not in names:  # adaptive mode chose text only
            image, notes = generate_from_text(header, prompt, height, width)
            info["notes"] += notes
            return Decoded(image, info=info)

        received = np.asarray(payload.segment(LATENT).content, np.float64)
        latent, bad = guard_latent(received, header.get("guard", "clip"), header["latent_min"], header["latent_max"])
        info |= {"number_format": header.get("number_format"), "guard": header.get("guard"),
                 "latent_values_invalid": bad, "latent_values_nonfinite": int((~np.isfinite(received)).sum())}
        if bad and header.get("guard") != "off":
            info["notes"].append(f"guard {header['guard']!r} repaired {bad} invalid latent values")
        if float(header["strength"]) == 0.0:
            image = decode_latent(latent, header["codec"], _vae_name(header))
        else:
            image, notes = img2img(header, latent, prompt)
            info["notes"] += notes
        return Decoded(gen.fit_to(image, height, width), info=info)


class CaptionLatentPipeline(LatentPipeline):
    name = "caption+latent"
    summary = ("BLIP caption (8-bit characters) + SD VAE latent (float64 as in the paper, or float16 / b-bit), "
               "digital; receiver: SD img2img from the received latent (Img2Img-SC); adaptive mode")
    Params = CaptionLatentParams
    with_caption = True

    def availability(self, role: Role = "both") -> tuple[bool, str]:
        if role == "receiver":  # the caption arrives as text: no captioner needed here
            return super().availability(role)
        ok, reason = gen.first_available(gen.models_of("captioner"))
        return super().availability(role) if ok else (ok, reason)
