"""Sampling the prior with the few-step diffusion model and refining the JSCC output.

A pipeline in the diffusers sense: models and the schedule come in, the loop
reads top to bottom.
"""

from __future__ import annotations

import torch

from semcom.models.cdm import CdmRefiner
from semcom.schedulers.few_step import FewStepSchedule


def sample_prior(refiner: CdmRefiner, coarse: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Run the reverse diffusion from z_T ~ N(0, I) conditioned on the coarse image."""
    schedule = FewStepSchedule(steps=refiner.config.steps)
    cond = refiner.prior_cond(coarse)
    shape = (coarse.shape[0], refiner.config.prior_dim)
    z = torch.randn(shape, generator=generator).to(coarse.device)
    for t in reversed(range(schedule.steps)):
        steps = torch.full((shape[0],), t, dtype=torch.long, device=coarse.device)
        z0_hat = refiner.denoiser(z, steps, cond)
        noise = torch.randn(shape, generator=generator).to(coarse.device) if t > 0 else None
        z = schedule.step(z0_hat, t, z, noise)
    return z


def refine(refiner: CdmRefiner, coarse: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """coarse (B, 3, H, W) in [0, 1], H and W even -> refined image."""
    return refiner.restore(coarse, sample_prior(refiner, coarse, generator))
