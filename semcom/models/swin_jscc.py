"""Swin-Transformer deep JSCC (WITT / SwinJSCC style), the SC-CDM transmitter and first receiver.

Encoder: patch embedding (2x2) -> 4 Swin stages with patch merging -> 1/16 resolution
-> linear head to ``latent_channels`` real values per position. A channel-state
modulation module (WITT's ChannelModNet) scales the features channel-wise from
the SNR and the rate, so one model serves 0-15 dB and several bandwidth ratios.
Rate adaptation: only the first ``active`` latent channels are sent; the rest
are zero at the decoder (k/n = active / (2 * 3 * 16 * 16) = active / 1536).
Decoder: the mirror image, ending in pixel space with a sigmoid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from semcom.models.io import load_weights, read_metadata
from semcom.models.swin import PatchMerging, PatchSplitting, SwinStage, map_shifts

DOWNSCALE = 16  # 2 (patch embedding) x 2 x 2 x 2 (three patch mergings)


@dataclass
class SwinJsccConfig:
    # Sized for CPU: the full-resolution stages dominate the cost, so they are thin.
    dims: list[int] = field(default_factory=lambda: [32, 64, 128, 192])
    depths: list[int] = field(default_factory=lambda: [1, 1, 3, 2])
    heads: list[int] = field(default_factory=lambda: [1, 2, 4, 6])
    window: int = 8
    latent_channels: int = 96  # k/n = 96 / 1536 = 1/16 when all are sent
    snr_range_db: tuple[float, float] = (0.0, 15.0)

    def to_dict(self) -> dict:
        return asdict(self)

    def stages_without_shift(self, side: int) -> list[int]:
        """Stages (0-based) with shifted-window blocks whose feature map, for a ``side`` x ``side`` input,
        fits in one window, so those blocks run unshifted (see ``SwinBlock``). Training on such crops
        leaves them untrained for the shifted windows that larger images use."""
        return [i for i, depth in enumerate(self.depths)
                if depth > 1 and not map_shifts(side // 2 ** (i + 1), side // 2 ** (i + 1), self.window)]

    def crop_with_shifts(self) -> int:
        """Smallest training crop with two windows a side at the deepest stage, so every stage trains
        its shifted windows."""
        return 2 * self.window * 2 ** len(self.depths)

    @staticmethod
    def channels_for_ratio(ratio: float) -> int:
        """Latent channels that give bandwidth ratio k/n = ratio (k complex symbols, n = 3HW)."""
        return round(ratio * 2 * 3 * DOWNSCALE * DOWNSCALE)


class ChannelModulation(nn.Module):
    """Channel-wise gates from (SNR, rate): the features learn how much to trust the channel."""

    def __init__(self, dim: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, dim), nn.Sigmoid())

    def forward(self, x: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """x: (B, H, W, C); state: (B, 2) = (normalised SNR, rate fraction)."""
        return x * self.net(state)[:, None, None, :]


class SwinJsccEncoder(nn.Module):
    def __init__(self, cfg: SwinJsccConfig) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, cfg.dims[0], kernel_size=2, stride=2)
        self.embed_norm = nn.LayerNorm(cfg.dims[0])
        self.stages = nn.ModuleList()
        self.merges = nn.ModuleList()
        self.mods = nn.ModuleList()
        for i, (dim, depth, heads) in enumerate(zip(cfg.dims, cfg.depths, cfg.heads, strict=True)):
            self.stages.append(SwinStage(dim, depth, heads, cfg.window))
            self.mods.append(ChannelModulation(dim))
            if i + 1 < len(cfg.dims):
                self.merges.append(PatchMerging(dim, cfg.dims[i + 1]))
        self.head = nn.Linear(cfg.dims[-1], cfg.latent_channels)

    def forward(self, image: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """image (B, 3, H, W) in [0, 1], H and W multiples of 16 -> latent (B, C, H/16, W/16)."""
        x = self.embed_norm(self.embed(image * 2 - 1).permute(0, 2, 3, 1))
        for i, stage in enumerate(self.stages):
            x = self.mods[i](stage(x), state)
            if i < len(self.merges):
                x = self.merges[i](x)
        return self.head(x).permute(0, 3, 1, 2)


class SwinJsccDecoder(nn.Module):
    def __init__(self, cfg: SwinJsccConfig) -> None:
        super().__init__()
        dims = cfg.dims[::-1]
        self.head = nn.Linear(cfg.latent_channels, dims[0])
        self.stages = nn.ModuleList()
        self.splits = nn.ModuleList()
        self.mods = nn.ModuleList()
        for i, (dim, depth, heads) in enumerate(zip(dims, cfg.depths[::-1], cfg.heads[::-1], strict=True)):
            self.stages.append(SwinStage(dim, depth, heads, cfg.window))
            self.mods.append(ChannelModulation(dim))
            self.splits.append(PatchSplitting(dim, dims[i + 1] if i + 1 < len(dims) else 3))

    def forward(self, latent: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        x = self.head(latent.permute(0, 2, 3, 1))
        for i, stage in enumerate(self.stages):
            x = self.splits[i](self.mods[i](stage(x), state))
        return torch.sigmoid(x.permute(0, 3, 1, 2))


class SwinJscc(nn.Module):
    """Encoder + decoder; the channel lives outside (semcom.models.channel_sim for training)."""

    def __init__(self, cfg: SwinJsccConfig | None = None) -> None:
        super().__init__()
        self.config = cfg or SwinJsccConfig()
        self.encoder = SwinJsccEncoder(self.config)
        self.decoder = SwinJsccDecoder(self.config)

    @classmethod
    def from_file(cls, path: Path) -> SwinJscc:
        """The network saved in a safetensors file, built from the config in its metadata."""
        model = cls(SwinJsccConfig(**read_metadata(path)["config"]))
        load_weights(model, path)
        return model

    def state(self, snr_db: torch.Tensor, active: int) -> torch.Tensor:
        lo, hi = self.config.snr_range_db
        snr = (snr_db.float() - lo) / (hi - lo)
        rate = torch.full_like(snr, active / self.config.latent_channels)
        return torch.stack([snr, rate], dim=-1)

    def encode(self, image: torch.Tensor, snr_db: torch.Tensor, active: int) -> torch.Tensor:
        """Latent with channels >= active zeroed, scaled to unit average complex-symbol power per image."""
        latent = self.encoder(image, self.state(snr_db, active))[:, :active]
        return power_normalise(latent)

    def decode(self, latent: torch.Tensor, snr_db: torch.Tensor, active: int) -> torch.Tensor:
        full = latent.new_zeros(latent.shape[0], self.config.latent_channels, *latent.shape[2:])
        full[:, :active] = latent[:, :active]
        return self.decoder(full, self.state(snr_db, active))


def power_normalise(latent: torch.Tensor) -> torch.Tensor:
    """Scale each image's real values so that complex pairs have unit average power (E|z|^2 = 1)."""
    flat = latent.reshape(latent.shape[0], -1)
    power = 2 * flat.pow(2).mean(dim=1).clamp_min(1e-12)  # mean |z|^2 of consecutive (re, im) pairs
    return latent / power.sqrt().reshape(-1, *([1] * (latent.dim() - 1)))
