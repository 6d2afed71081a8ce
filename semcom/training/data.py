"""Training images from a folder: loaded once, random crops and flips, seeded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def list_images(root: Path) -> list[Path]:
    files = sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in EXTENSIONS)
    if not files:
        raise FileNotFoundError(f"no images under {root}")
    return files


class CropSampler:
    """Random crops of ``size`` from images held in memory; the generator state makes it resumable."""

    def __init__(self, root: Path, size: int, seed: int) -> None:
        images = [np.asarray(Image.open(p).convert("RGB")) for p in list_images(root)]
        self.images = [im for im in images if min(im.shape[:2]) >= size]
        if not self.images:
            raise ValueError(f"no image under {root} is at least {size} px on its short side (give a smaller --crop)")
        if len(self.images) < len(images):
            print(f"skipping {len(images) - len(self.images)} of {len(images)} images under {root}: "
                  f"shorter than the {size} px crop")
        self.size = size
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int) -> torch.Tensor:
        out = np.empty((n, self.size, self.size, 3), np.uint8)
        for i in range(n):
            im = self.images[self.rng.integers(len(self.images))]
            y = self.rng.integers(im.shape[0] - self.size + 1)
            x = self.rng.integers(im.shape[1] - self.size + 1)
            crop = im[y : y + self.size, x : x + self.size]
            if self.rng.random() < 0.5:
                crop = crop[:, ::-1]
            out[i] = crop
        return torch.from_numpy(out).permute(0, 3, 1, 2).float() / 255.0

    def state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state
