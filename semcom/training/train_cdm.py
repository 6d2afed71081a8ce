"""Train the SC-CDM refiner on the outputs of a frozen Swin JSCC.

    python -m semcom.training.train_cdm --data DIR --run runs/cdm --stage 1 --steps 1500
    python -m semcom.training.train_cdm --data DIR --run runs/cdm --stage 2 --steps 3000 --export PATH

Stage 1 (DiffIR S1): a prior encoder sees the ground truth and the JSCC output and
produces a compact prior vector that modulates the restoration network; loss
L1 + w * LPIPS(alex) against the ground truth. Stage 2 (DiffIR S2): the stage-1
prior encoder is frozen and gives the target z_0; a condition encoder (JSCC
output only) and the few-step denoiser learn to produce z_0 by running the whole
reverse chain from z_T ~ q(z_T | z_0); loss L1(z0_hat, z_0) + the stage-1 loss on
the image restored with z0_hat. Same sampling of SNR, channel and bandwidth
ratio as the JSCC training; checkpoints, resume and ``--precision`` as there.

Continuing exported weights on a new JSCC (``--init``, e.g. the shipped file):

    python -m semcom.training.train_cdm ... --run R --stage 2 --init PATH --steps N

runs stage 2 from PATH, its step count continuing from PATH's (N is the total, so it must be
past PATH's step; one that is not is refused). Files exported before
the stage-1 prior encoder was kept in them lack it; fit one to their restorer first:

    python -m semcom.training.train_cdm ... --run R --stage 1 --init PATH --freeze-restore --steps 400

(only the prior encoder learns, so its priors are the ones the restorer and the
denoiser already use), then the stage-2 command above takes it from R.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from semcom.models.cdm import TRAINING_ONLY, CdmConfig, CdmRefiner
from semcom.models.io import load_weights, read_metadata, save_weights
from semcom.models.swin_jscc import SwinJscc, SwinJsccConfig
from semcom.pipelines.swin_jscc import SHIPPED_WEIGHTS
from semcom.schedulers.few_step import FewStepSchedule
from semcom.training.checkpoint import load_checkpoint, restore, save_checkpoint
from semcom.training.cli import add_common_args, require_steps_ahead
from semcom.training.conditions import draw_conditions
from semcom.training.data import CropSampler
from semcom.training.precision import autocast
from semcom.training.step_log import open_step_log
from semcom.training.train_swin_jscc import RATIOS, round_trip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(p, ckpt_every=100, batch=2)
    p.add_argument("--jscc", type=Path, default=SHIPPED_WEIGHTS, help="frozen Swin JSCC weights (safetensors)")
    p.add_argument("--stage", type=int, choices=(1, 2), required=True)
    p.add_argument("--steps", type=int, required=True, help="total steps of this stage")
    p.add_argument("--lpips-weight", type=float, default=1.0)
    p.add_argument("--export", type=Path, help="write the refiner weights here (safetensors) at the end")
    p.add_argument("--init", type=Path, help="start a new run of this stage from exported refiner weights "
                   "(e.g. the shipped ones); a stage-2 run continues their step count (--steps must be past it)")
    p.add_argument("--freeze-restore", action="store_true",
                   help="stage 1: train the prior encoder only, e.g. to fit one to --init weights that lack it")
    args = p.parse_args(argv)
    if args.freeze_restore and args.stage != 1:
        p.error("--freeze-restore is for --stage 1 (stage 2 always trains the restorer)")
    return args


def finished_stage1(run: Path, hint: str) -> dict:
    """The run's stage-1 checkpoint, which stage 2 starts from or takes its prior encoder from."""
    stage1 = load_checkpoint(run / "stage1.pt")
    if stage1 is None:
        raise SystemExit(f"stage 2 needs {run / 'stage1.pt'}: {hint}")
    return stage1


def build_refiner(args: argparse.Namespace, ckpt: dict | None) -> tuple[CdmRefiner, int]:
    """The refiner this run starts from, and its step: a checkpoint of this stage (resumed by the
    caller), else --init weights, else (stage 2) the finished stage 1 of the run, else new."""
    if ckpt is not None:
        return CdmRefiner(CdmConfig(**ckpt["config"])), 0
    if args.init is None:
        if args.stage == 1:
            return CdmRefiner(), 0
        stage1 = finished_stage1(args.run, "run --stage 1 first (or give --init)")
        refiner = CdmRefiner(CdmConfig(**stage1["config"]))
        refiner.load_state_dict(stage1["model"])
        return refiner, 0
    meta = read_metadata(args.init)
    refiner = CdmRefiner(CdmConfig(**meta["config"]))
    missing = load_weights(refiner, args.init, optional=TRAINING_ONLY)
    if missing and args.stage == 2:  # the stage-2 target needs a stage-1 prior encoder
        stage1 = finished_stage1(args.run, f"{args.init} has no stage-1 prior encoder; fit one first with "
                                           f"--stage 1 --init {args.init} --freeze-restore --run {args.run}")
        refiner.prior_gt.load_state_dict({k.removeprefix("prior_gt."): v for k, v in stage1["model"].items()
                                          if k.startswith("prior_gt.")})
    if missing and args.stage == 1 and not args.freeze_restore:
        print("warning: a new prior encoder with a trainable restorer drifts from the denoiser's priors; "
              "--freeze-restore keeps them")
    trained = meta.get("training", {})
    step = int(trained.get("steps", 0)) if trained.get("stage") == args.stage else 0
    require_steps_ahead(args.steps, step, str(args.init))
    print(f"initialised from {args.init} (stage {trained.get('stage')}, {trained.get('steps')} steps; "
          f"the optimiser starts afresh)")
    return refiner, step


def train(args: argparse.Namespace) -> list[float]:
    from semcom.lpips import LPIPS  # real AlexNet-LPIPS weights; raises with the fetch command if absent

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    args.run.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed + 10 * args.stage)

    jscc = SwinJscc.from_file(args.jscc).to(device).eval().requires_grad_(False)
    perceptual = LPIPS(net="alex").to(device).eval().requires_grad_(False)

    ckpt_path = args.run / f"stage{args.stage}.pt"
    ckpt = load_checkpoint(ckpt_path)
    refiner, step = build_refiner(args, ckpt)
    refiner.to(device)
    if args.stage == 1:
        trainable = [*refiner.prior_gt.parameters()]
        if args.freeze_restore:
            refiner.restore.requires_grad_(False)
        else:
            trainable += [*refiner.restore.parameters()]
    else:
        refiner.prior_gt.requires_grad_(False)
        trainable = [*refiner.prior_cond.parameters(), *refiner.denoiser.parameters(), *refiner.restore.parameters()]
    opt = torch.optim.Adam(trainable, lr=args.lr)
    sampler = CropSampler(args.data, args.crop, args.seed + 100 * args.stage)
    generator = torch.Generator().manual_seed(args.seed + 1000 * args.stage)
    if ckpt:
        step = restore(ckpt, refiner, opt, sampler, generator)

    schedule = FewStepSchedule(steps=refiner.config.steps)
    columns = ["step", "loss", "l1", "lpips", "prior_l1", "coarse_lpips", "seconds"]
    log_file, log = open_step_log(args.run / f"stage{args.stage}_log.csv", columns, step)
    actives = [SwinJsccConfig.channels_for_ratio(r) for r in RATIOS]
    losses: list[float] = []
    start = time.monotonic()
    bar = tqdm(total=args.steps, initial=step, desc=f"cdm stage {args.stage}", disable=None)
    while step < args.steps:
        t0 = time.perf_counter()
        x = sampler.batch(args.batch).to(device)
        cond = draw_conditions(generator, args.batch, jscc.config.snr_range_db, args.rayleigh_fraction, actives)
        noise_gen = cond.noise
        with torch.no_grad():
            coarse = round_trip(jscc, x, cond, args.coherence, args.precision)

        prior_loss = torch.zeros((), device=device)
        with autocast(device, args.precision):  # the passes; the losses below are float32
            if args.stage == 1:
                prior = refiner.prior_gt(x, coarse).float()
            else:
                with torch.no_grad():
                    target = refiner.prior_gt(x, coarse).float()
                cond = refiner.prior_cond(coarse)
                t_last = schedule.steps - 1
                z = schedule.add_noise(target, t_last, torch.randn(target.shape, generator=noise_gen).to(device))
                for t in reversed(range(schedule.steps)):
                    z0_hat = refiner.denoiser(z, torch.full((args.batch,), t, dtype=torch.long, device=device), cond)
                    noise = torch.randn(target.shape, generator=noise_gen).to(device) if t > 0 else None
                    z = schedule.step(z0_hat.float(), t, z, noise)
                prior = z
                prior_loss = F.l1_loss(prior, target)
            out = refiner.restore(coarse, prior).float()
            lp = perceptual(out * 2 - 1, x * 2 - 1).float().mean()
        l1 = F.l1_loss(out, x)
        loss = l1 + args.lpips_weight * lp + prior_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        losses.append(float(loss.detach()))
        with torch.no_grad(), autocast(device, args.precision):
            coarse_lp = float(perceptual(coarse * 2 - 1, x * 2 - 1).mean())
        l1_v, lp_v, prior_v = (float(v.detach()) for v in (l1, lp, prior_loss))
        log.writerow([step, f"{losses[-1]:.5g}", f"{l1_v:.5g}", f"{lp_v:.5g}", f"{prior_v:.5g}",
                      f"{coarse_lp:.5g}", f"{time.perf_counter() - t0:.3f}"])
        bar.update(1)
        bar.set_postfix(lpips=f"{lp_v:.4f}", coarse=f"{coarse_lp:.4f}")
        out_of_time = args.max_minutes and (time.monotonic() - start) / 60 > args.max_minutes
        if step % args.ckpt_every == 0 or step == args.steps or out_of_time:
            log_file.flush()
            save_checkpoint(ckpt_path, refiner, opt, step, refiner.config.to_dict(), sampler, generator,
                            stage=args.stage)
        if out_of_time:
            print(f"stopping at step {step}: past --max-minutes {args.max_minutes}")
            break
    bar.close()
    log_file.close()
    if args.export:
        info = {"stage": args.stage, "steps": step, "batch": args.batch, "crop": args.crop, "lr": args.lr,
                "lpips_weight": args.lpips_weight, "jscc": args.jscc.name, "data": str(args.data),
                "init": str(args.init) if args.init else None, "precision": args.precision}
        # All of it, the stage-1 prior encoder too (TRAINING_ONLY), so stage 2 can go on elsewhere.
        save_weights(refiner, refiner.config.to_dict(), args.export, extra={"training": info})
        print(f"exported {args.export}")
    return losses


def main(argv: list[str] | None = None) -> None:
    train(parse_args(argv))


if __name__ == "__main__":
    main()
