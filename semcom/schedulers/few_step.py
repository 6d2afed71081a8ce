"""A few-step DDPM schedule over compact prior vectors (DiffIR uses T = 4).

Forward: q(z_t | z_0) = N(sqrt(abar_t) z_0, (1 - abar_t) I). The denoiser predicts
z_0; a reverse step samples the DDPM posterior q(z_{t-1} | z_t, z_0_hat).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class FewStepSchedule:
    steps: int = 4
    beta_start: float = 0.1
    beta_end: float = 0.99

    def __post_init__(self) -> None:
        self.betas = torch.linspace(self.beta_start, self.beta_end, self.steps, dtype=torch.float64)
        self.alphas = 1.0 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)

    def add_noise(self, z0: torch.Tensor, t: int, noise: torch.Tensor) -> torch.Tensor:
        """z_t for 0-based step t (t = steps - 1 is the noisiest)."""
        abar = float(self.alpha_bars[t])
        return abar**0.5 * z0 + (1 - abar) ** 0.5 * noise

    def step(self, z0_hat: torch.Tensor, t: int, zt: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        """Sample z_{t-1} from the posterior given the predicted z_0; returns z0_hat at t = 0."""
        if t == 0:
            return z0_hat
        abar_t, abar_prev = float(self.alpha_bars[t]), float(self.alpha_bars[t - 1])
        beta_t, alpha_t = float(self.betas[t]), float(self.alphas[t])
        coef0 = abar_prev**0.5 * beta_t / (1 - abar_t)
        coeft = alpha_t**0.5 * (1 - abar_prev) / (1 - abar_t)
        mean = coef0 * z0_hat + coeft * zt
        var = beta_t * (1 - abar_prev) / (1 - abar_t)
        return mean if noise is None else mean + var**0.5 * noise
