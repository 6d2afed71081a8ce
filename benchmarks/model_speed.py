"""Encode + decode time of a 768x512 image: swin-jscc and swin-jscc+cdm against JPEG, same run.

Uses the shipped weights (the pipelines' own loading); the JPEG reference is
Pillow's encode + decode of the same image at quality 75. Torch uses all the
cores it is given (the target is under 1 s for swin-jscc on 2 cores).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from benchmarks.common import best_time
from semcom import pipelines
from semcom.channel.config import ChannelConfig


def test_image() -> np.ndarray:
    from skimage import data

    img = np.asarray(Image.fromarray(data.astronaut()).resize((768, 512), Image.BICUBIC))
    return np.ascontiguousarray(img)


def jpeg_round_trip(image: np.ndarray) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=75)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def run() -> dict[str, float]:
    import torch

    image = test_image()
    channel = ChannelConfig(snr_db=10.0)
    t_jpeg = best_time(lambda: jpeg_round_trip(image), repeat=5)
    result: dict[str, float] = {"jpeg_encode_decode_s": t_jpeg, "torch_threads": torch.get_num_threads()}
    print(f"768x512 encode + decode on {torch.get_num_threads()} torch threads: JPEG q75 {t_jpeg * 1000:.1f} ms")
    for name in ("swin-jscc", "swin-jscc+cdm"):
        pipe = pipelines.get(name)
        ok, reason = pipe.availability()
        if not ok:
            print(f"  {name}: unavailable ({reason})")
            continue
        params = pipe.parse_params({})

        def round_trip(p=pipe, q=params) -> np.ndarray:
            return p.decode(p.encode(image, q, channel), None).image

        t = best_time(round_trip, repeat=3)
        result[f"{name}_s"] = t
        result[f"{name}_vs_jpeg"] = t / t_jpeg
        print(f"  {name}: {t:.3f} s (target < 1 s for swin-jscc) = {t / t_jpeg:.0f}x JPEG")
    return result
