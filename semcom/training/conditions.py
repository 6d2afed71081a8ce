"""The channel conditions of one training step, drawn from the run's generator.

Shared by the JSCC and the refiner training so both see the same distribution:
SNR uniform over the model's range per sample, Rayleigh block fading for a
share of the samples (AWGN otherwise), one bandwidth ratio per step, and a seed
for the channel noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class StepConditions:
    snr_db: torch.Tensor  # (batch,)
    rayleigh: torch.Tensor  # (batch,) bool
    active: int  # latent channels sent
    noise: torch.Generator


def draw_conditions(generator: torch.Generator, batch: int, snr_range_db: tuple[float, float],
                    rayleigh_fraction: float, actives: list[int]) -> StepConditions:
    lo, hi = snr_range_db
    snr = lo + (hi - lo) * torch.rand(batch, generator=generator)
    rayleigh = torch.rand(batch, generator=generator) < rayleigh_fraction
    active = actives[int(torch.randint(len(actives), (1,), generator=generator))]
    noise = torch.Generator().manual_seed(int(torch.randint(2**62, (1,), generator=generator)))
    return StepConditions(snr, rayleigh, active, noise)
