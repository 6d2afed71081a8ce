"""The grid of settings a load run cycles through, and the image it sends."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Setting:
    pipeline: str
    snr_db: float
    modulation: str
    model: str
    fec: str

    @property
    def label(self) -> str:
        return f"{self.pipeline} {self.model} {self.modulation} {self.fec} {self.snr_db:g}dB"

    def config(self, seed: int) -> dict[str, Any]:
        """The ``config`` form field of POST /v1/transmit; the seed varies per request."""
        return {"pipeline": self.pipeline,
                "channel": {"model": self.model, "snr_db": self.snr_db, "modulation": self.modulation,
                            "fec": self.fec, "seed": seed}}


def build_grid(pipelines: list[str], snrs: list[float], modulations: list[str], models: list[str],
               fecs: list[str]) -> list[Setting]:
    return [Setting(*combo) for combo in itertools.product(pipelines, snrs, modulations, models, fecs)]


def split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def load_image(path: Path | None, size: int) -> bytes:
    """PNG bytes: the given file as it is, or scikit-image's astronaut (public domain) at size x size."""
    if path is not None:
        return path.read_bytes()
    from PIL import Image

    try:
        from skimage import data

        image = Image.fromarray(data.astronaut())
    except ImportError:  # a smooth synthetic picture instead
        y, x = np.mgrid[0:512, 0:512]
        image = Image.fromarray(np.stack([x / 2, y / 2, (x + y) / 4], axis=-1).astype(np.uint8))
    buffer = io.BytesIO()
    image.resize((size, size), Image.BICUBIC).save(buffer, format="PNG")
    return buffer.getvalue()
