"""A differentiable torch channel for training, in the conventions of semcom.channel.

Real latents are paired into complex symbols (consecutive values = re, im), as
the channel service's analog path does. Gains are CN(0, 1) per block of
``coherence`` symbols (Rayleigh) or 1 (AWGN); noise is CN(0, N0) with
N0 = 10^(-SNR/10) for unit-power symbols; the receiver equalises with perfect CSI.
"""

from __future__ import annotations

import torch


def simulate(latent: torch.Tensor, snr_db: torch.Tensor, rayleigh: torch.Tensor, coherence: int,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """latent (B, ...) with unit average complex power -> equalised noisy latent, same shape.

    ``snr_db`` and ``rayleigh`` (bool) are per sample.
    """
    b = latent.shape[0]
    z = latent.reshape(b, -1, 2)
    n_sym = z.shape[1]
    n0 = torch.pow(10.0, -snr_db.float() / 10).reshape(b, 1, 1)
    noise = torch.randn(z.shape, generator=generator, device=z.device) * torch.sqrt(n0 / 2)
    blocks = -(-n_sym // coherence)
    h = torch.randn(b, blocks, 2, generator=generator, device=z.device) * (0.5**0.5)
    h = h.repeat_interleave(coherence, dim=1)[:, :n_sym]
    h = torch.where(rayleigh.reshape(b, 1, 1), h, torch.tensor([1.0, 0.0], device=z.device))
    # y = h z + n ; z_hat = y / h = z + n / h  (complex arithmetic on (re, im) pairs)
    hr, hi = h[..., 0], h[..., 1]
    mag2 = (hr**2 + hi**2).clamp_min(1e-12)
    nr, ni = noise[..., 0], noise[..., 1]
    er = (nr * hr + ni * hi) / mag2
    ei = (ni * hr - nr * hi) / mag2
    return (z + torch.stack([er, ei], dim=-1)).reshape(latent.shape)
