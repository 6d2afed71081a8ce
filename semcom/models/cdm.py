"""The compact diffusion refiner of SC-CDM, in the DiffIR style.

- ``PriorEncoder``: image(s) -> a compact prior vector (DiffIR's CPEN). Stage 1
  sees the ground truth and the JSCC output; stage 2 only the JSCC output, as a
  condition for the diffusion model.
- ``RestorationNet``: refines the JSCC output, every block modulated (scale and
  shift per channel) by the prior vector.
- ``PriorDenoiser``: the few-step diffusion model over prior vectors: predicts
  z_0 from (z_t, t, condition).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class CdmConfig:
    prior_dim: int = 64
    width: int = 48
    blocks: int = 4
    denoiser_hidden: int = 256
    steps: int = 4

    def to_dict(self) -> dict:
        return asdict(self)


class PriorEncoder(nn.Module):
    def __init__(self, in_images: int, dim: int, width: int = 64) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3 * in_images * 16, width, 3, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(width, width, 3, stride=2, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(width, width * 2, 3, stride=2, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(width * 2, width * 2, 3, padding=1), nn.LeakyReLU(0.1),
        )
        self.head = nn.Sequential(nn.Linear(width * 2, dim * 2), nn.LeakyReLU(0.1), nn.Linear(dim * 2, dim))

    def forward(self, *images: torch.Tensor) -> torch.Tensor:
        x = F.pixel_unshuffle(torch.cat([im * 2 - 1 for im in images], dim=1), 4)
        return self.head(self.body(x).mean(dim=(2, 3)))


class ModulatedBlock(nn.Module):
    def __init__(self, width: int, prior_dim: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.film = nn.Linear(prior_dim, 2 * width)

    def forward(self, x: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(prior).chunk(2, dim=1)
        y = F.gelu(self.conv1(x))
        y = y * (1 + scale[:, :, None, None]) + shift[:, :, None, None]
        return x + self.conv2(y)


class RestorationNet(nn.Module):
    def __init__(self, cfg: CdmConfig) -> None:
        super().__init__()
        self.inp = nn.Conv2d(12, cfg.width, 3, padding=1)
        self.blocks = nn.ModuleList(ModulatedBlock(cfg.width, cfg.prior_dim) for _ in range(cfg.blocks))
        self.out = nn.Conv2d(cfg.width, 12, 3, padding=1)
        nn.init.zeros_(self.out.weight)  # starts as the identity: refine, never first destroy
        nn.init.zeros_(self.out.bias)

    def forward(self, image: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        """image (B, 3, H, W) in [0, 1], H and W even -> refined image."""
        x = self.inp(F.pixel_unshuffle(image * 2 - 1, 2))
        for block in self.blocks:
            x = block(x, prior)
        return (image + F.pixel_shuffle(self.out(x), 2)).clamp(0, 1)


class PriorDenoiser(nn.Module):
    def __init__(self, cfg: CdmConfig) -> None:
        super().__init__()
        self.t_embed = nn.Embedding(cfg.steps, cfg.denoiser_hidden)
        self.inp = nn.Linear(2 * cfg.prior_dim, cfg.denoiser_hidden)
        self.body = nn.Sequential(
            nn.LeakyReLU(0.1), nn.Linear(cfg.denoiser_hidden, cfg.denoiser_hidden), nn.LeakyReLU(0.1),
            nn.Linear(cfg.denoiser_hidden, cfg.denoiser_hidden), nn.LeakyReLU(0.1),
            nn.Linear(cfg.denoiser_hidden, cfg.prior_dim),
        )

    def forward(self, zt: torch.Tensor, t: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.body(self.inp(torch.cat([zt, cond], dim=1)) + self.t_embed(t))


# The receiver never runs the stage-1 prior encoder; weight files carry it so that stage 2 can be
# continued on another machine, and files exported before it was kept load without it.
TRAINING_ONLY = ("prior_gt.",)


class CdmRefiner(nn.Module):
    """Everything the receiver needs at test time, plus the stage-1 prior encoder for training."""

    def __init__(self, cfg: CdmConfig | None = None) -> None:
        super().__init__()
        self.config = cfg or CdmConfig()
        self.prior_gt = PriorEncoder(2, self.config.prior_dim)  # stage 1 only (sees the ground truth)
        self.prior_cond = PriorEncoder(1, self.config.prior_dim)  # stage 2 condition
        self.restore = RestorationNet(self.config)
        self.denoiser = PriorDenoiser(self.config)
