"""Command-line options both training scripts share (data, run folder, sampling, checkpoints)."""

from __future__ import annotations

import argparse
from pathlib import Path

from semcom.models.swin_jscc import SwinJsccConfig
from semcom.training.precision import PRECISIONS


def add_common_args(p: argparse.ArgumentParser, ckpt_every: int, batch: int) -> None:
    p.add_argument("--data", type=Path, required=True, help="folder of training images (searched recursively)")
    p.add_argument("--run", type=Path, required=True, help="run folder: checkpoints and logs")
    p.add_argument("--batch", type=int, default=batch, help="crops per optimiser step")
    # Large enough that the Swin JSCC's shifted windows train at every stage as large images use them
    # (256 for the default config; the refiner runs the JSCC on its crops too)
    p.add_argument("--crop", type=int, default=SwinJsccConfig().crop_with_shifts(),
                   help="side of the random square crops (default: %(default)s)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--rayleigh-fraction", type=float, default=0.5, help="share of samples on Rayleigh block fading")
    p.add_argument("--coherence", type=int, default=128, help="Rayleigh block length in symbols")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ckpt-every", type=int, default=ckpt_every)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--max-minutes", type=float, default=0, help="stop (after a checkpoint) past this wall time")
    p.add_argument("--precision", choices=PRECISIONS, default="fp32",
                   help="fp32, or bf16 autocast: faster on hardware with native bfloat16 (semcom.training.precision)")


def require_steps_ahead(steps: int, start: int, source: str) -> None:
    """Stop with a clear error when ``--steps`` (a total, counted on from ``source``'s step) is not past
    ``start``: the run would train nothing and export the weights it was given, unchanged."""
    if steps <= start:
        raise SystemExit(f"--steps {steps} is a total counted on from {source}, which is at step {start}: "
                         f"nothing would be trained. Give --steps above {start} (e.g. --steps {start + steps}).")
