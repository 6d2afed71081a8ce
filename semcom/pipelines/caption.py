"""``caption`` (Gen-SC, Wei et al.): a BLIP caption crosses the channel; Stable Diffusion paints it.

Transmitter: BLIP captions the image (at most ``max_caption_chars`` characters).
The caption crosses the channel as a Huffman-coded digital segment (the paper's
classical baseline; set the channel to RS(42,30) and 64-QAM to match it:
``{"modulation": "qam64", "fec": "rs", "rs_n": 42, "rs_k": 30}``), as 8-bit
characters, or through the learned text codec as analog symbols. Receiver: SD v1.5
or SDXL text-to-image (DDIM), with an optional LoRA adapter (the paper's
fine-tuned "knowledge base"), at the source's aspect ratio, resized to its size.

The header carries the generator settings and, for scoring only, the sent caption
(``reference_caption``): the receiver never generates from it; it is there so that
the response can report the sent and received caption and their BLEU.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from semcom import foundation
from semcom.channel.config import ChannelConfig, LinkStats
from semcom.payload import Payload
from semcom.pipelines import generative as gen
from semcom.pipelines.base import Decoded, Pipeline, PipelineUnavailable, Role
from semcom.text import codec
from semcom.text.link import SEGMENT, TextCode, decode_caption, encode_caption


class CaptionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    captioner: str = Field("blip-large", description="captioning model (python -m semcom.foundation list)")
    generator: str = Field("sd15", description="text-to-image model at the receiver: sd15 or sdxl")
    lora: str | None = Field(None, description="LoRA adapter of the generator's family (the 'knowledge base')")
    text_code: TextCode = Field("huffman", description="huffman (Gen-SC classical), utf8, or learned (text codec)")
    max_caption_chars: int = Field(gen.PAPER_MAX_CAPTION_CHARS, ge=1, le=1000)
    max_new_tokens: int = Field(30, ge=1, le=200, description="BLIP generation length")
    steps: int = Field(50, ge=1, le=500, description="DDIM steps")
    guidance: float = Field(7.5, ge=0.0, le=50.0, description="classifier-free guidance scale")
    max_side: int = Field(768, ge=64, le=2048, description="longest side generated (then resized to the source)")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="generation noise")

    @field_validator("captioner")
    @classmethod
    def _captioner(cls, v: str) -> str:
        return gen.check_model_name(v, "captioner")

    @field_validator("generator")
    @classmethod
    def _generator(cls, v: str) -> str:
        return gen.check_model_name(v, "generator")

    @field_validator("lora")
    @classmethod
    def _lora(cls, v: str | None) -> str | None:
        return None if v is None else gen.check_model_name(v, "lora")


def receiver_settings(params: CaptionParams) -> dict[str, Any]:
    return {"generator": params.generator, "lora": params.lora, "steps": params.steps, "guidance": params.guidance,
            "max_side": params.max_side, "seed": params.seed}


def check_text_code(code: str) -> None:
    if code == "learned":
        ok, reason = codec.availability()
        if not ok:
            raise PipelineUnavailable(f"text_code 'learned' is unavailable: {reason}")


def generate_from_text(header: dict[str, Any], prompt: str, height: int, width: int) -> tuple[np.ndarray, list[str]]:
    """Text-to-image at the source's aspect ratio, resized to (height, width)."""
    with gen.model_errors():
        model = foundation.load_generator(header["generator"])
    notes = []
    prompt, note = gen.fit_prompt(model.tokenizer, prompt)
    if note:
        notes.append(note)
    gh, gw = gen.generation_size(height, width, int(header["max_side"]))
    with model.lock:
        with gen.model_errors():
            model.use_lora(header.get("lora"))
        out = model.text2img(prompt, height=gh, width=gw, num_inference_steps=int(header["steps"]),
                             guidance_scale=float(header["guidance"]), generator=gen.torch_generator(header["seed"]),
                             output_type="np").images[0]
    image = gen.to_uint8(out)
    if (gh, gw) != (height, width):
        notes.append(f"generated at {gw}x{gh}, resized to the source's {width}x{height}")
    return gen.fit_to(image, height, width), notes


class CaptionPipeline(Pipeline):
    name = "caption"
    summary = ("BLIP caption (Huffman + RS + QAM, 8-bit text, or a learned text codec); "
               "receiver: Stable Diffusion / SDXL text-to-image, optional LoRA (Gen-SC)")
    Params = CaptionParams

    def availability(self, role: Role = "both") -> tuple[bool, str]:
        # The transmitter captions, the receiver generates: each side needs only its own model.
        checks = {"transmitter": ["captioner"], "receiver": ["generator"], "both": ["captioner", "generator"]}[role]
        for kind in checks:
            ok, reason = gen.first_available(gen.models_of(kind))
            if not ok:
                return ok, reason
        return True, ""

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        options = {f"{kind}={n}": foundation.availability(n)
                   for kind in ("captioner", "generator", "lora") for n in gen.models_of(kind)}
        options["text_code=learned"] = codec.availability()
        out["params_schema"]["x-option-availability"] = gen.option_availability(options)
        return out

    def encode(self, image: np.ndarray, params: BaseModel, channel: ChannelConfig) -> Payload:
        assert isinstance(params, CaptionParams)
        check_text_code(params.text_code)
        # The generator and LoRA are the receiver's business (it may run elsewhere): checked there.
        caption, notes = gen.make_caption(params.captioner, image, params.max_caption_chars, params.max_new_tokens)
        segment, text_header = encode_caption(caption, params.text_code)
        header = {"captioner": params.captioner, **receiver_settings(params), **text_header,
                  gen.REFERENCE_KEY: caption, "notes": notes}
        return Payload(self.name, [segment], tuple(image.shape), header)

    def decode(self, payload: Payload, stats: LinkStats | None) -> Decoded:
        header = payload.header
        received = decode_caption(payload.segment(SEGMENT), header)
        height, width = payload.source_shape[:2]
        image, notes = generate_from_text(header, received, height, width)
        info = {**gen.caption_info(header, received), "generator": header["generator"], "lora": header.get("lora"),
                "notes": list(header.get("notes", [])) + notes}
        return Decoded(image, info=info)
