"""The training crop sampler: sizes, seeding, and images too small for the crop."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from semcom.training.data import CropSampler
from tests.conftest import sample_image


def _folder(tmp_path: Path, sizes: list[tuple[int, int]]) -> Path:
    root = tmp_path / "images"
    root.mkdir()
    for i, (h, w) in enumerate(sizes):
        Image.fromarray(sample_image(h, w, seed=i)).save(root / f"{i}.png")
    return root


def test_crops_have_the_size_and_follow_the_seed(tmp_path: Path) -> None:
    root = _folder(tmp_path, [(64, 80), (72, 72)])
    a, b = CropSampler(root, 32, seed=3), CropSampler(root, 32, seed=3)
    batch = a.batch(4)
    assert batch.shape == (4, 3, 32, 32) and 0 <= float(batch.min()) and float(batch.max()) <= 1
    assert torch.equal(batch, b.batch(4))


def test_images_smaller_than_the_crop_are_skipped_and_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _folder(tmp_path, [(64, 80), (40, 96)])
    sampler = CropSampler(root, 48, seed=0)
    assert len(sampler.images) == 1
    assert "skipping 1 of 2 images" in capsys.readouterr().out
    with pytest.raises(ValueError, match="at least 128 px on its short side"):
        CropSampler(root, 128, seed=0)
