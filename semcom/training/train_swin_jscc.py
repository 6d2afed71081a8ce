"""Train the Swin JSCC: ``python -m semcom.training.train_swin_jscc --data DIR --run DIR``.

Random crops from a folder (never Kodak), SNR drawn per sample uniformly over the
model's range, AWGN or Rayleigh block fading per sample, the number of latent
channels (bandwidth ratio 1/16 or 1/32) drawn per step. MSE loss. Crops with two
windows a side at the deepest stage (256 for the default config) train every
stage's shifted windows; smaller ones get a warning. A checkpoint (model,
optimiser, step, every RNG state) is written every ``--ckpt-every`` steps and
the run resumes from it when started again, continuing the same loss curve;
losses go to ``RUN/log.csv``. The learning rate is constant, or decays on
a half cosine from ``--decay-start`` to ``--lr-min`` at ``--steps`` (the schedule
is a function of the step, so resuming continues it). CUDA is used when present.
``--precision bf16`` runs the passes under bfloat16 autocast
(semcom.training.precision): on a CPU with native bfloat16 (AVX512-BF16 or
AMX) a step is 1.6-1.8x faster (``python -m benchmarks --only training``).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch
from tqdm import tqdm

from semcom.models.io import load_weights, read_metadata, save_weights
from semcom.models.swin_jscc import SwinJscc, SwinJsccConfig
from semcom.training.channel import simulate
from semcom.training.checkpoint import load_checkpoint, restore, save_checkpoint
from semcom.training.cli import add_common_args, require_steps_ahead
from semcom.training.conditions import StepConditions, draw_conditions
from semcom.training.data import CropSampler
from semcom.training.precision import autocast
from semcom.training.step_log import open_step_log

RATIOS = (1 / 16, 1 / 32)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(p, ckpt_every=200, batch=4)
    p.add_argument("--steps", type=int, default=20000, help="total optimiser steps (resumed runs continue to it)")
    p.add_argument("--config", type=str, default="{}", help="SwinJsccConfig overrides, JSON (new runs only)")
    p.add_argument("--export", type=Path, help="also write the weights here (safetensors) at the end")
    p.add_argument("--decay-start", type=int, help="step at which the cosine decay of the learning rate begins "
                   "(default: none, constant rate)")
    p.add_argument("--lr-min", type=float, default=1e-5, help="learning rate reached at --steps when decaying")
    p.add_argument("--warmup", type=int, default=0, help="steps of linear warm-up at the start of the cosine "
                   "(from --decay-start): after --init the optimiser starts afresh, and Adam's first steps "
                   "at full rate would undo some of the training")
    p.add_argument("--init", type=Path, help="start a new run from these weights (e.g. the shipped ones) "
                   "instead of random ones; the step count continues from theirs (--steps must be past it)")
    p.add_argument("--compile", action="store_true", help="torch.compile the encoder and decoder: minutes of "
                   "compiling at the start (cached for later runs on the machine), then faster steps")
    return p.parse_args(argv)


def learning_rate(step: int, args: argparse.Namespace) -> float:
    """The rate for the step about to run: constant, then a half cosine down to ``lr_min`` at ``steps``
    (its first ``warmup`` steps scaled by a linear ramp)."""
    if args.decay_start is None or step < args.decay_start:
        return args.lr
    span = max(args.steps - args.decay_start, 1)
    progress = min((step - args.decay_start) / span, 1.0)
    ramp = min((step - args.decay_start + 1) / args.warmup, 1.0) if args.warmup else 1.0
    return ramp * (args.lr_min + 0.5 * (args.lr - args.lr_min) * (1 + math.cos(math.pi * progress)))


def round_trip(model: SwinJscc, x: torch.Tensor, cond: StepConditions, coherence: int,
               precision: str = "fp32") -> torch.Tensor:
    """Encode, the simulated channel, decode: the JSCC's float32 output (both trainers use it).

    Under ``bf16`` only the model's passes are autocast; the channel gets float32
    symbols, so its noise and fading are drawn as in float32 runs.
    """
    device = x.device
    snr = cond.snr_db.to(device)
    with autocast(device, precision):
        latent = model.encode(x, snr, cond.active)
    received = simulate(latent.float().cpu(), cond.snr_db, cond.rayleigh, coherence, cond.noise).to(device)
    with autocast(device, precision):
        return model.decode(received, snr, cond.active).float()


def step_loss(model: SwinJscc, x: torch.Tensor, cond: StepConditions, coherence: int,
              precision: str = "fp32") -> torch.Tensor:
    """The MSE of one training step (float32)."""
    return torch.mean((round_trip(model, x, cond, coherence, precision) - x) ** 2)


def train(args: argparse.Namespace) -> list[float]:
    """Run (or resume) training; returns the losses of the steps run in this call."""
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    args.run.mkdir(parents=True, exist_ok=True)
    ckpt_path = args.run / "checkpoint.pt"

    torch.manual_seed(args.seed)
    cfg = SwinJsccConfig(**json.loads(args.config))
    sampler = CropSampler(args.data, args.crop, args.seed)
    generator = torch.Generator().manual_seed(args.seed + 1)
    step = 0
    ckpt = load_checkpoint(ckpt_path)
    if ckpt is not None:
        cfg = SwinJsccConfig(**ckpt["config"])
    elif args.init:
        meta = read_metadata(args.init)
        cfg = SwinJsccConfig(**meta["config"])
        step = int(meta.get("training", {}).get("steps", 0))
        require_steps_ahead(args.steps, step, str(args.init))
    warn_untrained_shifts(cfg, args.crop)
    model = SwinJscc(cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    if ckpt is not None:
        step = restore(ckpt, model, opt, sampler, generator)
        print(f"resumed from {ckpt_path} at step {step}")
    elif args.init:
        load_weights(model, args.init)
        print(f"initialised from {args.init} (trained {step} steps; the optimiser starts afresh)")

    if args.compile:  # instance attributes shadow the methods; the weights and state_dict are the model's own
        model.encode = torch.compile(model.encode)
        model.decode = torch.compile(model.decode)

    columns = ["step", "loss", "psnr_db", "ratio", "mean_snr_db", "rayleigh_share", "seconds"]
    log_file, log = open_step_log(args.run / "log.csv", columns, step)

    actives = [SwinJsccConfig.channels_for_ratio(r) for r in RATIOS]
    losses: list[float] = []
    start = time.monotonic()
    bar = tqdm(total=args.steps, initial=step, desc="swin-jscc", dynamic_ncols=True, disable=None)
    model.train()
    while step < args.steps:
        t0 = time.perf_counter()
        x = sampler.batch(args.batch).to(device)
        cond = draw_conditions(generator, args.batch, cfg.snr_range_db, args.rayleigh_fraction, actives)
        loss = step_loss(model, x, cond, args.coherence, args.precision)
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, args)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        value = float(loss.detach())
        losses.append(value)
        log.writerow([step, f"{value:.6g}", f"{-10 * math.log10(max(value, 1e-12)):.3f}",
                      f"{cond.active / cfg.latent_channels / 16:.5f}", f"{float(cond.snr_db.mean()):.2f}",
                      f"{float(cond.rayleigh.float().mean()):.2f}", f"{time.perf_counter() - t0:.3f}"])
        bar.update(1)
        bar.set_postfix(loss=f"{value:.5f}", psnr=f"{-10 * math.log10(max(value, 1e-12)):.2f}")
        last = step == args.steps
        out_of_time = args.max_minutes and (time.monotonic() - start) / 60 > args.max_minutes
        if step % args.ckpt_every == 0 or last or out_of_time:
            log_file.flush()
            save_checkpoint(ckpt_path, model, opt, step, cfg.to_dict(), sampler, generator)
        if out_of_time:
            print(f"stopping at step {step}: past --max-minutes {args.max_minutes}")
            break
    bar.close()
    log_file.close()
    if args.export:
        export(model, cfg, step, args)
    return losses


def warn_untrained_shifts(cfg: SwinJsccConfig, crop: int) -> None:
    """Say when the crop is too small for the deepest stages' shifted windows: they would stay
    untrained, yet run shifted on larger images (measured on Kodak: see the model card, session 16)."""
    stages = cfg.stages_without_shift(crop)
    if stages:
        names = ", ".join(str(i + 1) for i in stages)
        print(f"warning: at --crop {crop} the feature maps of stage(s) {names} fit in one {cfg.window}x{cfg.window} "
              f"window, so their shifted-window blocks are trained unshifted, while larger images run them "
              f"shifted; --crop {cfg.crop_with_shifts()} or more trains them")


def export(model: torch.nn.Module, cfg: SwinJsccConfig, step: int, args: argparse.Namespace) -> None:
    info = {"steps": step, "batch": args.batch, "crop": args.crop, "lr": args.lr, "decay_start": args.decay_start,
            "lr_min": args.lr_min, "warmup": args.warmup, "data": str(args.data),
            "rayleigh_fraction": args.rayleigh_fraction, "coherence": args.coherence, "seed": args.seed,
            "ratios": list(RATIOS), "init": str(args.init) if args.init else None, "precision": args.precision}
    save_weights(model, cfg.to_dict(), args.export, extra={"training": info})
    print(f"exported {args.export}")


def main(argv: list[str] | None = None) -> None:
    train(parse_args(argv))


if __name__ == "__main__":
    main()
