"""Resumable checkpoints: model, optimiser, step and every RNG state in one atomic file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from semcom.training.data import CropSampler


def save_checkpoint(path: Path, model: torch.nn.Module, opt: torch.optim.Optimizer, step: int, config: dict,
                    sampler: CropSampler, generator: torch.Generator, **extra: Any) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step, "config": config,
                "sampler": sampler.state(), "generator": generator.get_state(), **extra}, tmp)
    os.replace(tmp, path)  # atomic: an interrupted save never leaves a broken checkpoint


def load_checkpoint(path: Path) -> dict | None:
    return torch.load(path, map_location="cpu", weights_only=False) if path.exists() else None


def restore(ckpt: dict, model: torch.nn.Module, opt: torch.optim.Optimizer, sampler: CropSampler,
            generator: torch.Generator) -> int:
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sampler.set_state(ckpt["sampler"])
    generator.set_state(ckpt["generator"])
    return int(ckpt["step"])
