"""What the foundation-model pipelines (``caption``, ``caption+latent``, ``latent``) share.

Model names in parameters are checked against the registry of
:mod:`semcom.foundation`; its errors become pipeline errors (unknown name: the
caller's mistake, 422; missing weights: unavailable, 503). Images whose sides are
not multiples of 8 are padded (edge reflection) for the 1/8-resolution latents and
cropped back at the receiver, and the payload header says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from semcom import foundation
from semcom.pipelines.base import PipelineError, PipelineUnavailable
from semcom.text.bleu import sentence_bleu

LATENT_FACTOR = 8
PAPER_MAX_CAPTION_CHARS = 77  # Img2Img-SC, Table 1: "text up to 77 characters"
REFERENCE_KEY = "reference_caption"


@contextmanager
def model_errors() -> Iterator[None]:
    """Registry errors as pipeline errors, so the services answer 422 / 503 instead of 500."""
    try:
        yield
    except foundation.UnknownModel as exc:
        raise PipelineError(str(exc)) from exc
    except foundation.ModelUnavailable as exc:
        raise PipelineUnavailable(str(exc)) from exc


def check_model_name(name: str, kind: foundation.Kind) -> str:
    """Pydantic validator body: the name must be a registered model of ``kind``."""
    foundation.spec(name, kind)  # UnknownModel is a ValueError: pydantic reports it as invalid
    return name


def first_available(names: list[str]) -> tuple[bool, str]:
    """(True, "") if any of ``names`` is available, else (False, every reason)."""
    reasons = []
    for name in names:
        ok, reason = foundation.availability(name)
        if ok:
            return True, ""
        reasons.append(reason)
    return False, "; ".join(reasons)


def option_availability(options: dict[str, tuple[bool, str]]) -> dict[str, str]:
    return {key: "available" if ok else f"unavailable: {reason}" for key, (ok, reason) in options.items()}


def models_of(kind: foundation.Kind) -> list[str]:
    return [n for n, s in foundation.MODELS.items() if s.kind == kind]


# ---------------------------------------------------------------- images
def pad_to_multiple(image: np.ndarray, multiple: int = LATENT_FACTOR) -> tuple[np.ndarray, str | None]:
    """Reflect-pad (H, W, 3) to multiples of ``multiple``; the note says what was done, None if nothing."""
    h, w = image.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    if not ph and not pw:
        return image, None
    mode = "reflect" if h > ph and w > pw else "edge"
    padded = np.pad(image, ((0, ph), (0, pw), (0, 0)), mode=mode)
    note = (f"image {w}x{h} is not a multiple of {multiple}: padded (mirrored edges) to {w + pw}x{h + ph} "
            "for the latent, cropped back at the receiver")
    return padded, note


def generation_size(height: int, width: int, max_side: int) -> tuple[int, int]:
    """The source's aspect, longest side at most ``max_side``, both sides multiples of 8."""
    scale = min(1.0, max_side / max(height, width))
    return (max(LATENT_FACTOR, round(height * scale / LATENT_FACTOR) * LATENT_FACTOR),
            max(LATENT_FACTOR, round(width * scale / LATENT_FACTOR) * LATENT_FACTOR))


def to_uint8(images: Any) -> np.ndarray:
    """Float images in [0, 1] (numpy or torch, NHWC or HWC) to uint8; NaN (a broken latent) becomes black."""
    array = np.asarray(images, dtype=np.float64)
    return (np.clip(np.nan_to_num(array, nan=0.0, posinf=1.0, neginf=0.0), 0, 1) * 255).round().astype(np.uint8)


def fit_to(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Crop padding away, or resize a generated image to the source size."""
    from PIL import Image

    if image.shape[0] >= height and image.shape[1] >= width and (
            image.shape[0] - height < LATENT_FACTOR and image.shape[1] - width < LATENT_FACTOR):
        return np.ascontiguousarray(image[:height, :width])
    return np.asarray(Image.fromarray(image).resize((width, height), Image.BICUBIC))


# ---------------------------------------------------------------- captions
def make_caption(captioner: str, image: np.ndarray, max_chars: int, max_new_tokens: int) -> tuple[str, list[str]]:
    """BLIP caption of ``image``, cut to ``max_chars`` characters (at a word boundary when possible)."""
    from PIL import Image

    with model_errors():
        model = foundation.load_captioner(captioner)
    caption = model.caption(Image.fromarray(image), max_new_tokens=max_new_tokens)
    notes = []
    if len(caption) > max_chars:
        cut = caption[:max_chars]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
        notes.append(f"caption of {len(caption)} characters cut to {len(cut)} (max_caption_chars={max_chars})")
        caption = cut
    return caption, notes


def fit_prompt(tokenizer: Any, prompt: str) -> tuple[str, str | None]:
    """The prompt cut to what the text encoder accepts (CLIP: 77 tokens with BOS/EOS), and a note if it was."""
    limit = int(tokenizer.model_max_length)
    ids = tokenizer(prompt, truncation=False).input_ids
    if len(ids) <= limit:
        return prompt, None
    kept = tokenizer.decode(tokenizer(prompt, truncation=True, max_length=limit).input_ids, skip_special_tokens=True)
    return kept, (f"received caption is {len(ids)} tokens, the text encoder accepts {limit}: "
                  f"truncated to {kept!r}")


def caption_info(header: dict[str, Any], received: str) -> dict[str, Any]:
    """Sent and received caption and their BLEU (the reference rides in the header for scoring only)."""
    sent = header.get(REFERENCE_KEY)
    info: dict[str, Any] = {"received_caption": received}
    if sent is not None:
        info["sent_caption"] = sent
        info["bleu"] = round(sentence_bleu(sent, received), 4)
        info["caption_exact"] = sent == received
    return info


def torch_generator(seed: int) -> Any:
    """A CPU generator: the same seed draws the same noise on CPU and CUDA."""
    import torch

    return torch.Generator("cpu").manual_seed(int(seed))
