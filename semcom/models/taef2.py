"""taef2: the tiny autoencoder of the TAESD family for the FLUX.2 latent space (32 channels at 1/8 resolution).

The weights (madebyollin/taesd, MIT) are two state dicts of plain ``nn.Sequential``
conv stacks; this module defines the same stacks so that the state dict keys load
strictly. Reconstructed from the key names and shapes:

- ``Block``: three 3x3 convs with ReLUs between (``conv.0/2/4``), identity skip,
  ReLU after the sum; the three deepest blocks of each side have a ``pool`` branch
  (1x1 conv to 4x channels, GroupNorm(4), ReLU, 1x1 conv back) added to the input first.
- Encoder: conv(3, 64), Block, then three times [stride-2 conv (no bias), 3 Blocks], conv(64, 32).
- Decoder: Clamp (3 tanh(x / 3)), conv(32, 64), ReLU, then three times [3 Blocks, 2x upsample,
  conv (no bias)], Block, conv(64, 3).

Images are in [0, 1] on both ends (the decoder output is clamped); latents are
the raw encoder output, about unit scale.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

ENCODER_FILE = "taef2_encoder.pth"
DECODER_FILE = "taef2_decoder.pth"
LATENT_CHANNELS = 32
DOWNSCALE = 8
DIR_ENV = "SEMCOM_TAEF2_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO_ROOT.parent / "shared" / "weights" / "taef2"


def conv(n_in: int, n_out: int, **kwargs) -> nn.Conv2d:
    return nn.Conv2d(n_in, n_out, 3, padding=1, **kwargs)


class Clamp(nn.Module):
    """Soft clamp of the decoder's input to (-3, 3): a corrupted latent cannot blow up the decoder."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x / 3) * 3


class Block(nn.Module):
    def __init__(self, n_in: int, n_out: int, pool: bool = False) -> None:
        super().__init__()
        self.conv = nn.Sequential(conv(n_in, n_out), nn.ReLU(), conv(n_out, n_out), nn.ReLU(), conv(n_out, n_out))
        self.skip = nn.Conv2d(n_in, n_out, 1, bias=False) if n_in != n_out else nn.Identity()
        self.fuse = nn.ReLU()
        self.pool = (
            nn.Sequential(nn.Conv2d(n_in, 4 * n_in, 1, bias=False), nn.GroupNorm(4, 4 * n_in), nn.ReLU(),
                          nn.Conv2d(4 * n_in, n_in, 1, bias=False))
            if pool else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool is not None:
            x = x + self.pool(x)
        return self.fuse(self.conv(x) + self.skip(x))


def encoder(latent_channels: int = LATENT_CHANNELS) -> nn.Sequential:
    return nn.Sequential(
        conv(3, 64), Block(64, 64),
        conv(64, 64, stride=2, bias=False), Block(64, 64), Block(64, 64), Block(64, 64),
        conv(64, 64, stride=2, bias=False), Block(64, 64), Block(64, 64), Block(64, 64),
        conv(64, 64, stride=2, bias=False), Block(64, 64, True), Block(64, 64, True), Block(64, 64, True),
        conv(64, latent_channels),
    )


def decoder(latent_channels: int = LATENT_CHANNELS) -> nn.Sequential:
    return nn.Sequential(
        Clamp(), conv(latent_channels, 64), nn.ReLU(),
        Block(64, 64, True), Block(64, 64, True), Block(64, 64, True), nn.Upsample(scale_factor=2),
        conv(64, 64, bias=False),
        Block(64, 64), Block(64, 64), Block(64, 64), nn.Upsample(scale_factor=2), conv(64, 64, bias=False),
        Block(64, 64), Block(64, 64), Block(64, 64), nn.Upsample(scale_factor=2), conv(64, 64, bias=False),
        Block(64, 64), conv(64, 3),
    )


def weights_dir() -> Path:
    """SEMCOM_TAEF2_DIR, else ../shared/weights/taef2 beside the repository."""
    return Path(os.environ.get(DIR_ENV) or DEFAULT_DIR)


def availability(directory: Path | None = None) -> tuple[bool, str]:
    directory = directory or weights_dir()
    missing = [f for f in (ENCODER_FILE, DECODER_FILE) if not (directory / f).is_file()]
    if missing:
        return False, (f"taef2 weights not found ({', '.join(missing)} missing in {directory}); "
                       f"set {DIR_ENV} to a folder holding them (madebyollin/taesd)")
    return True, ""


class Taef2(nn.Module):
    """Encoder + decoder; images (N, 3, H, W) in [0, 1], H and W multiples of 8."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = encoder()
        self.decoder = decoder()

    @classmethod
    def load(cls, directory: Path | None = None) -> Taef2:
        directory = directory or weights_dir()
        ok, reason = availability(directory)
        if not ok:
            raise FileNotFoundError(reason)
        model = cls()
        for part, name in ((model.encoder, ENCODER_FILE), (model.decoder, DECODER_FILE)):
            state = torch.load(directory / name, map_location="cpu", weights_only=True)
            part.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
        return model.eval()

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return self.encoder(images)

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        return self.decoder(latents).clamp(0, 1)
