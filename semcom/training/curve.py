"""The training curve of the Swin JSCC: ``python -m semcom.training.curve --logs RUN/log.csv ... --out F.png``.

Reads the ``log.csv`` files of one or more runs, or their gzip copies (``.csv.gz``, kept
in ``docs/training_logs/`` because run folders do not outlive their machine). A run
resumed from a checkpoint logs the steps after that checkpoint again, so within a
file the last entry of a step wins; each file is its own run, so a later run may
continue an earlier one, e.g. after ``--init`` or growing the model, or branch off
it over the same steps. It keeps the steps at one bandwidth ratio, averages the training PSNR over windows of steps
and plots it against the step on a log axis. Training PSNR mixes SNRs and channels,
so only its trend is meaningful, not its level against Kodak.

``--fit-from`` fits PSNR = a + b log2(step) to the first run's window means from that step on:
b is the gain per doubling of the steps, the figure that says how far more training
of the same kind would go.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import math
from pathlib import Path
from typing import TextIO

import numpy as np


def open_log(path: Path) -> TextIO:
    return gzip.open(path, "rt", newline="") if path.suffix == ".gz" else path.open(newline="")


def read_logs(paths: list[Path], ratio: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, PSNR dB, index of the file each comes from) at bandwidth ratio ``ratio``, in (file, step) order.

    Within a file later entries of a step override earlier ones (a resume re-logs them);
    two files may hold the same steps (runs that branch off one checkpoint) and both are kept.
    """
    by_step: dict[tuple[int, int], float] = {}
    for source, path in enumerate(paths):
        with open_log(path) as f:
            for row in csv.DictReader(f):
                key = (source, int(row["step"]))
                if abs(float(row["ratio"]) - ratio) < 1e-6:
                    by_step[key] = float(row["psnr_db"])
                else:
                    by_step.pop(key, None)
    keys = sorted(by_step)
    steps = np.array([step for _, step in keys], dtype=np.int64)
    psnr = np.array([by_step[k] for k in keys])
    return steps, psnr, np.array([source for source, _ in keys], dtype=np.int64)


def window_means(steps: np.ndarray, psnr: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean PSNR per window of ``window`` steps, at each window's centre step (windows with data only)."""
    index = (steps - 1) // window
    centres, means = [], []
    for i in np.unique(index):
        chosen = index == i
        centres.append(float(steps[chosen].mean()))
        means.append(float(psnr[chosen].mean()))
    return np.array(centres), np.array(means)


def fit_per_doubling(centres: np.ndarray, means: np.ndarray, from_step: int) -> tuple[float, float]:
    """(a, b) of PSNR = a + b log2(step), least squares over the windows from ``from_step`` on."""
    chosen = centres >= from_step
    if chosen.sum() < 2:
        raise ValueError(f"fewer than 2 windows from step {from_step}: nothing to fit")
    b, a = np.polyfit(np.log2(centres[chosen]), means[chosen], 1)
    return float(a), float(b)


# Tick mantissas from coarse to fine; the axis takes the finest set that keeps the labels apart.
TICK_MANTISSAS = ((1,), (1, 2, 5), (1, 2, 3, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9),
                  (1, 1.2, 1.4, 1.6, 1.8, 2, 2.5, 3, 4, 5, 6, 7, 8, 9),
                  (1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2, 2.5, 3, 4, 5, 6, 7, 8, 9))


def step_ticks(lo: float, hi: float, max_ticks: int = 10) -> list[float]:
    """Round step counts between lo and hi for a log axis: those of the finest mantissa set
    with at most max_ticks of them (the coarsest set's, should even that have more).

    Matplotlib's log ticks are powers of ten, and its minor-tick labels collide over less
    than a decade (the later cycles span 57k-140k).
    """
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    chosen: list[float] = []
    for mantissas in TICK_MANTISSAS:
        candidates = (float(f"{m}e{e}") for e in decades for m in mantissas)  # exact: 1.4e4, not 14000.000000000002
        ticks = [t for t in candidates if lo <= t <= hi]
        if chosen and len(ticks) > max_ticks:
            break
        chosen = ticks
    return chosen


def series_style(index: int) -> dict[str, str]:
    """Colour, marker and line style of the index-th run: matplotlib's ten colours repeat, so
    each further ten runs get another marker and line style and no two runs look alike."""
    markers, lines = "os^D", ("-", "--", "-.", ":")
    return {"color": f"C{index % 10}", "marker": markers[index // 10 % 4], "linestyle": lines[index // 10 % 4]}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--logs", type=Path, nargs="+", required=True, help="log.csv (or .csv.gz) files, earliest run first")
    p.add_argument("--ratio", type=float, default=1 / 16, help="bandwidth ratio to keep (default 1/16)")
    p.add_argument("--window", type=int, default=1000, help="steps per mean")
    p.add_argument("--fit-from", type=int, help="fit the gain per doubling of the steps from this step on")
    p.add_argument("--mark", type=int, nargs="*", default=[], help="steps to mark (e.g. restarts, growing)")
    p.add_argument("--labels", nargs="+", help="a name per log (default: the run folders' names)")
    p.add_argument("--out", type=Path, help="PNG to write")
    args = p.parse_args(argv)
    labels = args.labels or [path.parent.name for path in args.logs]
    if len(labels) != len(args.logs):
        raise SystemExit(f"{len(labels)} labels for {len(args.logs)} logs")

    steps, psnr, source = read_logs(args.logs, args.ratio)
    if not len(steps):
        raise SystemExit(f"no steps at ratio {args.ratio:g} in {[str(x) for x in args.logs]}")
    series = []  # one per run, windows never straddling two runs
    for i, label in enumerate(labels):
        chosen = source == i
        if chosen.any():
            centres, means = window_means(steps[chosen], psnr[chosen], args.window)
            series.append((label, centres, means))
            for c, m in zip(centres, means, strict=True):
                print(f"{label}: step {c:8.0f}  training PSNR {m:.2f} dB")
    fit = None
    if args.fit_from is not None:
        fit_run = series[0]
        fit = fit_per_doubling(fit_run[1], fit_run[2], args.fit_from)
        print(f"fit of {fit_run[0]} from step {args.fit_from}: {fit[1]:+.2f} dB per doubling of the steps")
    if args.out:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

        fig, ax = plt.subplots(figsize=(8, 4.5))
        for i, (name, centres, means) in enumerate(series):
            ax.plot(centres, means, ms=3, label=f"{name}, {args.window}-step means", **series_style(i))
        if fit is not None:
            xs = np.geomspace(args.fit_from, series[-1][1][-1], 50)
            ax.plot(xs, fit[0] + fit[1] * np.log2(xs), "--", label=f"fit: {fit[1]:+.2f} dB per doubling")
        for m in args.mark:
            ax.axvline(m, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        lo, hi = ax.get_xlim()
        ax.xaxis.set_major_locator(FixedLocator(step_ticks(lo, hi)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:g}k" if x >= 1000 else f"{x:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("training step")
        ax.set_ylabel(f"training PSNR at k/n = 1/{round(1 / args.ratio)} (dB)")
        ax.grid(True, alpha=0.3)  # major ticks only: step_ticks places them all
        # Below the axes: with many cycles an inside legend covers the curve.
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize="small")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.out, dpi=120, bbox_inches="tight")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
