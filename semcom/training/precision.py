"""Training precision: float32, or bfloat16 autocast.

Under ``bf16`` the models' matrix products run in bfloat16 (torch.autocast) while
the weights, the optimiser, the channel simulation and the losses stay float32,
so both precisions optimise the same objective. It is faster only where the
hardware has bfloat16 arithmetic (CPUs with AVX512-BF16 or AMX, recent GPUs):
``python -m benchmarks --only training`` measures it; elsewhere it is slower.
"""

from __future__ import annotations

import torch

PRECISIONS = ("fp32", "bf16")


def autocast(device: torch.device, precision: str) -> torch.autocast:
    """The context to run a model's passes in: bfloat16 autocast for ``bf16``, a no-op for ``fp32``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
